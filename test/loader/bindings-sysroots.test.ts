// Bindings equal each Debian root's own ld.so's on the ports this machine cannot run natively: sshd and
// every eighth program of the root relocated in trace mode (LD_TRACE_LOADED_OBJECTS=1 LD_WARN=yes
// LD_BIND_NOW=yes LD_DEBUG=bindings: no constructor or resolver runs) by the root's ld.so under qemu-user,
// whose -L prefix makes the root the guest's /. Compared as in bindings-differential.test.ts: (object,
// symbol, version) → defining object, and every "undefined symbol" ld.so reports. MIPS is where the ports
// differ most: it binds its global GOT entries without relocations (elf_machine_got_rel) and never matches
// an undefined symbol without STO_MIPS_PLT (elf_machine_sym_no_match).
// Under qemu a path the root lacks falls through to this machine's own file: the roots have no
// /etc/ld.so.cache, so these loaders read this machine's, whose x86 entries they skip (_dl_cache_check_flags).
// Left out: amd64 and i386, whose loaders run here (bindings-differential.test.ts) and would take this
// machine's cache entries and libraries (/lib32); armhf, whose 32-bit ld.so tests a search directory with
// statx after a miss, a call qemu-arm passes on without the -L prefix: the directory, absent from this
// machine, is then taken as missing and libraries in it are not found (seen with programs that have a RUNPATH).
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { confinedFs } from '../../src/host/confined-fs.js';
import { bindSymbols } from '../../src/loader/bind.js';
import { buildLoadGraph } from '../../src/loader/load.js';
import { discoverPrograms } from '../../src/loader/programs.js';
import { type BindingTable, differences, fromLdso, fromOurs } from '../support/bindings.js';
import { type Arch, pool, sysroot } from '../support/corpus.js';
import { condition, requires, runs, sysrootOf } from '../support/prereq.js';

const PORTS: ReadonlyArray<[Arch, string, string]> = [
  ['arm64', 'qemu-aarch64', '/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1'],
  ['s390x', 'qemu-s390x', '/lib/s390x-linux-gnu/ld64.so.1'],
  ['ppc64el', 'qemu-ppc64le', '/lib/powerpc64le-linux-gnu/ld64.so.2'],
  ['mips64el', 'qemu-mips64el', '/lib/mips64el-linux-gnuabi64/ld.so.1'],
];

async function oracle(qemu: string, root: string, ld: string, program: string): Promise<BindingTable | string> {
  const env = { LD_TRACE_LOADED_OBJECTS: '1', LD_WARN: 'yes', LD_BIND_NOW: 'yes', LD_DEBUG: 'bindings', LC_ALL: 'C' };
  const r = await execa(qemu, ['-L', root, ...Object.entries(env).flatMap(([k, v]) => ['-E', `${k}=${v}`]), `${root}${ld}`, program], { reject: false, extendEnv: false, env: {} });
  if (r.exitCode !== 0) return r.stderr.split('\n').find((l) => l.includes('error while loading shared libraries')) ?? `exit status ${r.exitCode}`;
  // ld.so, run by its path in the root, calls itself by that path; loadgraph by the program's PT_INTERP.
  return fromLdso(r.stderr, (p) => (p === `${root}${ld}` ? 'ld.so' : p));
}

function ours(root: string, program: string): BindingTable | string {
  const fs = confinedFs(root);
  const r = buildLoadGraph(fs, program, { root, cpu: null });
  if (!r.ok) return r.message;
  if (r.graph.fatal) return `fatal: ${r.graph.fatal.message}`;
  const path = new Map(r.graph.objects.map((o) => [o.id, o.kind === 'interp' ? 'ld.so' : o.path]));
  return fromOurs(bindSymbols(fs, r.graph, r.images, { bindNow: true }).bindings, (id) => path.get(id) ?? null);
}

describe('symbol bindings against each Debian root\'s own ld.so (under qemu-user)', () => {
  for (const [arch, qemu, ld] of PORTS) {
    it(`${arch}: sshd and every eighth program of the root`, async (ctx) => {
      requires(ctx, sysrootOf(arch), condition(qemu, runs(qemu, ['-version']), 'npm run test:setup installs qemu-user'));
      const root = sysroot(arch);
      const all = discoverPrograms(confinedFs(root)).programs;
      const programs = [...new Set(['/usr/sbin/sshd', ...all.filter((_, i) => i % 8 === 0)])];
      let compared = 0, bindings = 0;
      const bad: string[] = [], excluded: string[] = [];
      await pool(programs, 2, async (p) => {
        const [theirs, mine] = [await oracle(qemu, root, ld, p), ours(root, p)];
        if (typeof theirs === 'string' || typeof mine === 'string') {
          if (typeof theirs === 'string' && typeof mine === 'string') excluded.push(`${p}: ld.so ${theirs}; loadgraph ${mine}`);
          else bad.push(`${p}: ld.so ${typeof theirs === 'string' ? theirs : 'loads it'}, loadgraph ${typeof mine === 'string' ? mine : 'loads it'}`);
          return;
        }
        compared++;
        bindings += [...theirs.bindings.values()].reduce((n, s) => n + s.size, 0);
        bad.push(...differences(p, theirs, mine));
      });
      console.log(`${arch} bindings differential: ${bindings} bindings of ${compared} programs compared, ${bad.length} mismatches, ${excluded.length} left out because neither loader can load them`);
      for (const x of excluded) console.log(`  left out: ${x}`);
      for (const x of bad.slice(0, 10)) console.log(`  ${x}`);
      expect(compared).toBeGreaterThan(programs.length / 2);
      expect(bindings).toBeGreaterThan(1000);
      expect(bad).toEqual([]);
    }, 600_000);
  }
});

describe('MIPS global GOT entries are bound (no relocation names them)', () => {
  it('mips64el: sshd uses sd_listen_fds and sd_notify of libsystemd through its GOT, bound at first call unless bound now', (ctx) => {
    requires(ctx, sysrootOf('mips64el'));
    const root = sysroot('mips64el');
    const fs = confinedFs(root);
    const r = buildLoadGraph(fs, '/usr/sbin/sshd', { root, cpu: null });
    if (!r.ok) throw new Error(r.message);
    const sshd = r.graph.objects.find((o) => o.kind === 'program')!.id;
    const libsystemd = r.graph.objects.find((o) => o.soname === 'libsystemd.so.0')!.id;
    const used = (bindNow: boolean) => bindSymbols(fs, r.graph, r.images, { bindNow }).bindings
      .filter((b) => b.from === sshd && b.to === libsystemd).map((b) => `${b.symbol} ${b.lazy ? 'lazy' : 'now'}`).sort();
    expect(used(false)).toEqual(['sd_listen_fds lazy', 'sd_notify lazy']);
    expect(used(true)).toEqual(['sd_listen_fds now', 'sd_notify now']);
  });
});
