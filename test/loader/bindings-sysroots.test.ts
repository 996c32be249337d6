// Each Debian root's own ld.so against loadgraph, on seven architectures and two releases (Debian 12's
// glibc 2.36, Debian 13's 2.41 on amd64): every program of the root run in trace mode as ldd runs it (by
// its PT_INTERP; LD_TRACE_LOADED_OBJECTS=1 LD_WARN=yes LD_BIND_NOW=yes LD_DEBUG=bindings: relocated, no
// constructor or resolver runs) in a chroot of the root, under a static qemu-user copied into it (its -E
// sets only the guest's environment). qemu's -L prefix alone would not do: this machine's files show
// through where the root has none (its ld.so.cache among them), and qemu passes statx on untranslated, so
// that a root's library directory can look missing. Compared: the list as ldd prints it (--format ldd,
// less the vDSO, which qemu does not map), and as in bindings-differential.test.ts every binding ((object,
// symbol, version) → defining object) and every "undefined symbol" ld.so reports; for every eighth program
// also without LD_BIND_NOW, where ld.so binds at load only what is not a lazy PLT slot (or, on MIPS, a GOT
// entry left to its stub) — loadgraph's bindings not marked lazy; and `rdeps LIB` over the root, for a few
// libraries, is every program whose list names LIB. MIPS is where the ports
// differ most: it binds its global GOT entries without relocations (elf_machine_got_rel) and never matches
// an undefined symbol without STO_MIPS_PLT (elf_machine_sym_no_match).
import { execa } from 'execa';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confinedFs } from '../../src/host/confined-fs.js';
import { bindSymbols } from '../../src/loader/bind.js';
import { buildLoadGraph } from '../../src/loader/load.js';
import { discoverPrograms } from '../../src/loader/programs.js';
import { renderLdd } from '../../src/report/ldd.js';
import { type BindingTable, differences, fromLdso, fromOurs } from '../support/bindings.js';
import { type Sysroot, copySysroot, pool, sysroot } from '../support/corpus.js';
import { runCli } from '../support/cli.js';
import { cleanLdd, fixtureDir } from '../support/fixtures.js';
import { ROOT_CHROOT, condition, requires, sysrootOf } from '../support/prereq.js';

// The static qemu-user that runs each root's loader.
const PORTS: ReadonlyArray<[Sysroot, string]> = [
  ['amd64', 'qemu-x86_64-static'],
  ['trixie-amd64', 'qemu-x86_64-static'],
  ['i386', 'qemu-i386-static'],
  ['arm64', 'qemu-aarch64-static'],
  ['armhf', 'qemu-arm-static'],
  ['s390x', 'qemu-s390x-static'],
  ['ppc64el', 'qemu-ppc64le-static'],
  ['mips64el', 'qemu-mips64el-static'],
];

/** Libraries whose rdeps over each root is checked against the lists. */
const RDEPS = ['liblzma.so.5', 'libsystemd.so.0', 'libcrypto.so.3', 'libz.so.1'];

/** A copy of the root with the static qemu-user at /qemu. */
function chrootOf(root: string, qemu: string): string {
  const copy = copySysroot(root, join(fixtureDir(), 'root'));
  copyFileSync(`/usr/bin/${qemu}`, join(copy, 'qemu'));
  return copy;
}

type Run = BindingTable & { readonly list: string };

/**
 * The root's ld.so run as the program's PT_INTERP names it, as ldd runs it: the list and the bindings it
 * makes — all of them with LD_BIND_NOW, else only those made at load (lazy PLT slots are left for the first call).
 */
async function oracle(copy: string, qemu: string, interp: string, program: string, now: boolean): Promise<Run | string> {
  const env = { LD_TRACE_LOADED_OBJECTS: '1', LD_WARN: 'yes', ...(now ? { LD_BIND_NOW: 'yes' } : {}), LD_DEBUG: 'bindings', LC_ALL: 'C' };
  const r = await execa('/usr/sbin/chroot', [copy, '/qemu', ...Object.entries(env).flatMap(([k, v]) => ['-E', `${k}=${v}`]), interp, program], { reject: false, extendEnv: false, env: {} });
  if (r.exitCode !== 0) return r.stderr.split('\n').find((l) => l.includes('error while loading shared libraries')) ?? `exit status ${r.exitCode}`;
  return { ...fromLdso(r.stderr), list: cleanLdd(r.stdout) };
}

/** loadgraph's list (less the vDSO, which qemu does not map), the bindings made at load, and the program's PT_INTERP. */
function ours(root: string, program: string, now: boolean): (Run & { readonly interp: string }) | string {
  const fs = confinedFs(root);
  const r = buildLoadGraph(fs, program, { root, cpu: null });
  if (!r.ok) return r.message;
  if (r.graph.fatal) return `fatal: ${r.graph.fatal.message}`;
  const path = new Map(r.graph.objects.map((o) => [o.id, o.path]));
  return {
    ...fromOurs(bindSymbols(fs, r.graph, r.images, { bindNow: now }).bindings.filter((b) => !b.lazy), (id) => path.get(id) ?? null),
    list: renderLdd(r.graph).replace(/^\tlinux-(vdso|gate)[\w.]*\n/m, ''), interp: r.graph.objects.find((o) => o.kind === 'interp')!.path!,
  };
}

describe('each Debian root\'s own ld.so (in a chroot, under qemu-user)', () => {
  for (const [arch, qemu] of PORTS) {
    it(`${arch}: every program of the root, its list as ldd prints it and its bindings (every eighth also bound lazily); rdeps`, async (ctx) => {
      requires(ctx, sysrootOf(arch), ROOT_CHROOT, condition(qemu, existsSync(`/usr/bin/${qemu}`), 'npm run test:setup installs qemu-user-static'));
      const copy = chrootOf(sysroot(arch), qemu);
      const programs = discoverPrograms(confinedFs(copy)).programs;
      const runs = [...programs.map((p) => [p, true] as const), ...programs.filter((_, i) => i % 8 === 0).map((p) => [p, false] as const)];
      let compared = 0, bindings = 0;
      const bad: string[] = [];
      const lists = new Map<string, string>();
      await pool(runs, 2, async ([p, now]) => {
        const mine = ours(copy, p, now);
        const theirs = typeof mine === 'string' ? 'not run' : await oracle(copy, qemu, mine.interp, p, now);
        if (typeof theirs === 'string' || typeof mine === 'string') {
          bad.push(`${p}: ld.so ${typeof theirs === 'string' ? theirs : 'loads it'}, loadgraph ${typeof mine === 'string' ? mine : 'loads it'}`);
          return;
        }
        compared++;
        bindings += [...theirs.bindings.values()].reduce((n, s) => n + s.size, 0);
        if (now) lists.set(p, theirs.list);
        if (theirs.list !== mine.list) bad.push(`${p}:\n--- ld.so\n${theirs.list}--- loadgraph\n${mine.list}`);
        bad.push(...differences(`${p}${now ? '' : ' (lazy)'}`, theirs, mine));
      });
      // rdeps over the root: the programs whose ld.so lists the library, and no others.
      for (const lib of RDEPS) {
        const r = await runCli(['rdeps', '--format', 'json', '--root', copy, lib]);
        const theirs = [...lists].filter(([, list]) => list.includes(`\t${lib} => `)).map(([p]) => p).sort();
        const mine = (JSON.parse(r.stdout) as { programs: Array<{ path: string }> }).programs.map((x) => x.path).sort();
        if (mine.join('\n') !== theirs.join('\n') || r.code !== (theirs.length ? 0 : 1)) bad.push(`rdeps ${lib} (exit ${r.code}): ld.so lists it for ${theirs.join(' ')}; rdeps says ${mine.join(' ')}`);
      }
      console.log(`${arch} differential: ${compared} runs of ${programs.length} programs, their lists and ${bindings} bindings compared, rdeps of ${RDEPS.length} libraries, ${bad.length} mismatches`);
      for (const x of bad.slice(0, 10)) console.log(`  ${x}`);
      rmSync(join(copy, '..'), { recursive: true, force: true });
      expect(compared).toBe(runs.length);
      expect(bindings).toBeGreaterThan(1000);
      expect(bad).toEqual([]);
    }, 600_000);
  }
});

describe('MIPS global GOT entries are bound (no relocation names them)', () => {
  it('mips64el: sshd (BIND_NOW) binds sd_listen_fds and sd_notify of libsystemd at load; id (lazy) leaves its function stubs for the first call unless bound now', (ctx) => {
    requires(ctx, sysrootOf('mips64el'));
    const root = sysroot('mips64el');
    const fs = confinedFs(root);
    const bound = (program: string, bindNow: boolean) => {
      const r = buildLoadGraph(fs, program, { root, cpu: null });
      if (!r.ok) throw new Error(r.message);
      const id = (soname: string) => r.graph.objects.find((o) => o.soname === soname)?.id;
      return { from: (soname: string) => bindSymbols(fs, r.graph, r.images, { bindNow }).bindings.filter((b) => b.from === 0 && b.to === id(soname)) };
    };
    const sshd = (now: boolean) => bound('/usr/sbin/sshd', now).from('libsystemd.so.0').map((b) => `${b.symbol} ${b.lazy ? 'lazy' : 'now'}`).sort();
    expect(sshd(false)).toEqual(['sd_listen_fds now', 'sd_notify now']);
    expect(sshd(true)).toEqual(sshd(false));
    const lazy = bound('/usr/bin/id', false).from('libc.so.6'), now = bound('/usr/bin/id', true).from('libc.so.6');
    expect(lazy.filter((b) => b.lazy).length).toBeGreaterThan(10);
    expect(now.filter((b) => b.lazy)).toEqual([]);
    expect(now.map((b) => b.symbol).sort()).toEqual(lazy.map((b) => b.symbol).sort());
  });
});
