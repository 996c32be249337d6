// Bindings equal each Debian root's own ld.so's, on seven architectures and two releases (Debian 12's
// glibc 2.36, Debian 13's 2.41 on amd64): every program of the root relocated in trace mode
// (LD_TRACE_LOADED_OBJECTS=1 LD_WARN=yes LD_BIND_NOW=yes LD_DEBUG=bindings: no constructor or resolver
// runs) by the root's ld.so in a chroot of the root, under a static qemu-user copied into it (its -E sets
// only the guest's environment). qemu's -L prefix alone would not do: this machine's files show through
// where the root has none (its ld.so.cache among them), and qemu passes statx on untranslated, so that a
// root's library directory can look missing. Compared as in bindings-differential.test.ts: (object, symbol,
// version) → defining object, and every "undefined symbol" ld.so reports. MIPS is where the ports differ
// most: it binds its global GOT entries without relocations (elf_machine_got_rel) and never matches an
// undefined symbol without STO_MIPS_PLT (elf_machine_sym_no_match).
import { execa, execaSync } from 'execa';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confinedFs } from '../../src/host/confined-fs.js';
import { bindSymbols } from '../../src/loader/bind.js';
import { buildLoadGraph } from '../../src/loader/load.js';
import { discoverPrograms } from '../../src/loader/programs.js';
import { type BindingTable, differences, fromLdso, fromOurs } from '../support/bindings.js';
import { type Sysroot, pool, sysroot } from '../support/corpus.js';
import { fixtureDir } from '../support/fixtures.js';
import { ROOT_CHROOT, condition, requires, sysrootOf } from '../support/prereq.js';

// The root's loader, and the static qemu-user that runs it.
const PORTS: ReadonlyArray<[Sysroot, string, string]> = [
  ['amd64', 'qemu-x86_64-static', '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'],
  ['trixie-amd64', 'qemu-x86_64-static', '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'],
  ['i386', 'qemu-i386-static', '/lib/i386-linux-gnu/ld-linux.so.2'],
  ['arm64', 'qemu-aarch64-static', '/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1'],
  ['armhf', 'qemu-arm-static', '/lib/arm-linux-gnueabihf/ld-linux-armhf.so.3'],
  ['s390x', 'qemu-s390x-static', '/lib/s390x-linux-gnu/ld64.so.1'],
  ['ppc64el', 'qemu-ppc64le-static', '/lib/powerpc64le-linux-gnu/ld64.so.2'],
  ['mips64el', 'qemu-mips64el-static', '/lib/mips64el-linux-gnuabi64/ld.so.1'],
];

/** The root as hard links (a copy where that cannot be), with the static qemu-user at /qemu. */
function chrootOf(root: string, qemu: string): string {
  const copy = join(fixtureDir(), 'root');
  if (execaSync('cp', ['-al', root, copy], { reject: false }).exitCode !== 0) {
    rmSync(copy, { recursive: true, force: true });
    execaSync('cp', ['-a', root, copy]);
  }
  copyFileSync(`/usr/bin/${qemu}`, join(copy, 'qemu'));
  return copy;
}

async function oracle(copy: string, qemu: string, ld: string, program: string): Promise<BindingTable | string> {
  const env = { LD_TRACE_LOADED_OBJECTS: '1', LD_WARN: 'yes', LD_BIND_NOW: 'yes', LD_DEBUG: 'bindings', LC_ALL: 'C' };
  const r = await execa('/usr/sbin/chroot', [copy, '/qemu', ...Object.entries(env).flatMap(([k, v]) => ['-E', `${k}=${v}`]), ld, program], { reject: false, extendEnv: false, env: {} });
  if (r.exitCode !== 0) return r.stderr.split('\n').find((l) => l.includes('error while loading shared libraries')) ?? `exit status ${r.exitCode}`;
  // ld.so, run by its path, calls itself by that path; loadgraph by the program's PT_INTERP. The vDSO's
  // own lookups (amd64) are left out, as on this machine.
  return fromLdso(r.stderr, (p) => (p === ld ? 'ld.so' : p === 'linux-vdso.so.1' ? null : p));
}

function ours(root: string, program: string): BindingTable | string {
  const fs = confinedFs(root);
  const r = buildLoadGraph(fs, program, { root, cpu: null });
  if (!r.ok) return r.message;
  if (r.graph.fatal) return `fatal: ${r.graph.fatal.message}`;
  const path = new Map(r.graph.objects.map((o) => [o.id, o.kind === 'interp' ? 'ld.so' : o.path]));
  return fromOurs(bindSymbols(fs, r.graph, r.images, { bindNow: true }).bindings, (id) => path.get(id) ?? null);
}

describe('symbol bindings against each Debian root\'s own ld.so (in a chroot, under qemu-user)', () => {
  for (const [arch, qemu, ld] of PORTS) {
    it(`${arch}: every program of the root`, async (ctx) => {
      requires(ctx, sysrootOf(arch), ROOT_CHROOT, condition(qemu, existsSync(`/usr/bin/${qemu}`), 'npm run test:setup installs qemu-user-static'));
      const copy = chrootOf(sysroot(arch), qemu);
      const programs = discoverPrograms(confinedFs(copy)).programs;
      let compared = 0, bindings = 0;
      const bad: string[] = [], excluded: string[] = [];
      await pool(programs, 2, async (p) => {
        const [theirs, mine] = [await oracle(copy, qemu, ld, p), ours(copy, p)];
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
      rmSync(join(copy, '..'), { recursive: true, force: true });
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
