// The loader's glibc release decides what it searches: 2.37 dropped the legacy subdirectories ("tls", the
// platform's, the AT_HWCAP names'). Each Debian amd64 sysroot's own ld.so, chroot'ed into and run in trace
// mode (as ldd: the program does not run), tries under an LD_LIBRARY_PATH directory exactly the paths in
// loadgraph's trace: bookworm's (2.36) the legacy power set too, trixie's (2.41) glibc-hwcaps and the
// directory alone. The directory does not exist, so ld.so tries each subdirectory once and no file is found.
// With the CPU unknown (inside a root), bookworm's trace is any x86-64 CPU's without glibc-hwcaps levels.
// Then every program of the Debian 13 sysroot is listed as its own 2.41 ld.so lists it there. Last, what
// changed at run time with 2.41: a dlopen() no longer makes the stack executable for an object that asks;
// and, under any release, a dlopen() fails as a whole when something its object needs is missing.
import { execa, execaSync } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confinedFs } from '../../src/host/confined-fs.js';
import { detectHostCpu } from '../../src/host/cpu.js';
import { buildLoadGraph } from '../../src/loader/load.js';
import { readLoaderDirs } from '../../src/loader/loader-dirs.js';
import { capabilitiesFor } from '../../src/loader/capabilities.js';
import { presetFor } from '../../src/loader/target.js';
import * as C from '../../src/elf/constants.js';
import { type Sysroot, copySysroot, pool, sysroot } from '../support/corpus.js';
import { discoverPrograms } from '../../src/loader/programs.js';
import { renderLdd } from '../../src/report/ldd.js';
import { cleanLdd, lib, triedIn, triedLines } from '../support/fixtures.js';
import { CC, ROOT_CHROOT, X86_64, condition, requires, sysrootOf } from '../support/prereq.js';

const LD = '/lib64/ld-linux-x86-64.so.2';
const DIR = '/nonexistent-lg';
const PROGRAMS = ['/usr/bin/ssh', '/usr/sbin/sshd', '/usr/bin/env'];

/** `argv` run in `root` as chroot's child with only `env` set, by env(1) of the root: neither chroot nor env itself is traced. */
const inChroot = (root: string, env: string[], argv: string[]) =>
  execa('chroot', [root, '/usr/bin/env', '-i', 'LC_ALL=C', ...env, ...argv], { reject: false, extendEnv: false, all: true, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });

describe('the loader\'s release, read from its banner, decides the legacy subdirectories', () => {
  it.for([['amd64', [2, 36]], ['trixie-amd64', [2, 41]]] as Array<[Sysroot, [number, number]]>)('the Debian %s sysroot\'s ld.so (glibc %j)', async ([name, release], ctx) => {
    requires(ctx, sysrootOf(name), X86_64, ROOT_CHROOT);
    const root = sysroot(name);
    const fs = confinedFs(root);
    expect(readLoaderDirs(fs, LD)?.release).toEqual(release);
    const cpu = detectHostCpu();
    for (const program of PROGRAMS) {
      const real = await inChroot(root, ['LD_TRACE_LOADED_OBJECTS=1', 'LD_DEBUG=libs', `LD_LIBRARY_PATH=${DIR}`], [LD, program]);
      const theirs = triedLines(real.stderr);
      expect(real.stdout, `${program}: ${real.stderr.slice(-300)}`).toContain('libc.so.6 => /');
      // No ld.so.cache in an unpacked sysroot: ld.so goes from LD_LIBRARY_PATH to the system directories.
      const r = buildLoadGraph(fs, program, { root, cpu, libraryPath: DIR, inhibitCache: true });
      if (!r.ok) throw new Error(r.message);
      expect(r.graph.env.release).toBe(release.join('.'));
      expect({ program, tried: triedIn(r.graph) }).toEqual({ program, tried: theirs });
      const legacy = theirs.filter((p) => p.startsWith(`${DIR}/tls/`));
      if (release[1] < 37) expect(legacy.length).toBeGreaterThan(0);
      else expect(legacy).toEqual([]);
    }
  });

  it('with the CPU unknown (as inside any root), the 2.36 ld.so\'s trace on an x86-64 CPU whose platform is x86_64, less its glibc-hwcaps candidates', async (ctx) => {
    const host = capabilitiesFor(presetFor({ class: 64, endian: 'little', machine: C.EM_X86_64, flags: 0 })!, detectHostCpu());
    requires(ctx, sysrootOf('amd64'), X86_64, ROOT_CHROOT, condition('an x86-64 CPU that gives ld.so no platform or AT_HWCAP name but x86_64 (not an Intel CPU with AVX2)', host.legacyHwcaps.join() === 'x86_64,x86_64,tls', 'run the tests on such a machine (an AMD CPU, or an Intel one before Haswell)'));
    const root = sysroot('amd64');
    for (const program of PROGRAMS) {
      const real = await inChroot(root, ['LD_TRACE_LOADED_OBJECTS=1', 'LD_DEBUG=libs', `LD_LIBRARY_PATH=${DIR}`], [LD, program]);
      const r = buildLoadGraph(confinedFs(root), program, { root, libraryPath: DIR, inhibitCache: true });
      if (!r.ok) throw new Error(r.message);
      // x86_64/ twice (AT_HWCAP and platform): x86_64/x86_64/tls/ … x86_64/, as every x86-64 CPU's ld.so tries them.
      expect(triedIn(r.graph).filter((p) => p.startsWith(`${DIR}/x86_64/x86_64/`)).length).toBeGreaterThan(0);
      expect({ program, tried: triedIn(r.graph) }).toEqual({ program, tried: triedLines(real.stderr).filter((p) => !p.includes('/glibc-hwcaps/')) });
    }
  });

  it('every program of the Debian trixie-amd64 sysroot: the list its own ld.so (glibc 2.41) prints in a chroot', async (ctx) => {
    requires(ctx, sysrootOf('trixie-amd64'), X86_64, ROOT_CHROOT);
    const root = sysroot('trixie-amd64');
    const fs = confinedFs(root);
    const { programs } = discoverPrograms(fs);
    expect(programs.length).toBeGreaterThan(200);
    const cpu = detectHostCpu();
    let compared = 0;
    await pool(programs, 4, async (program) => {
      const real = await inChroot(root, ['LD_TRACE_LOADED_OBJECTS=1'], [LD, program]);
      if (/wrong ELF class|not a dynamic executable/.test(real.all ?? '')) return;
      const r = buildLoadGraph(fs, program, { root, cpu, inhibitCache: true });
      if (!r.ok) throw new Error(r.message);
      expect({ program, list: renderLdd(r.graph) }).toEqual({ program, list: cleanLdd(real.all ?? '') });
      compared++;
    });
    console.log(`Debian 13 sysroot: ${compared} of ${programs.length} programs listed as its own ld.so lists them`);
    expect(compared).toBeGreaterThan(200);
  }, 300_000);

  // A dlopen() also fails as a whole when something its object needs is missing, under any release.
  it.for([['amd64', true], ['trixie-amd64', false]] as Array<[Sysroot, boolean]>)('NSS modules in a copy of the Debian %s sysroot: one asking for an executable stack loads: %s; one needing a missing library never does', async ([name, loads], ctx) => {
    requires(ctx, sysrootOf(name), X86_64, ROOT_CHROOT, CC);
    // A copy of hard links (a full copy where /tmp is another file system); only new files are written into it.
    const root = mkdtempSync(join(tmpdir(), 'loadgraph-execstack-'));
    try {
      copySysroot(sysroot(name), root);
      const dir = join(root, 'usr/lib/x86_64-linux-gnu');
      const gone = lib(join(root, 'tmp'), 'libgonelg.so.1');
      for (const [service, args] of [['lgplain', []], ['lgstack', ['-Wl,-z,execstack']], ['lgdep', [gone]]] as const) {
        lib(dir, `libnss_${service}.so.2`, { source: `int _nss_${service}_getpwnam_r(const char *n, void *p, char *b, unsigned long l, int *e) { return 0; }\n`, args: [...args] });
      }
      rmSync(gone);
      rmSync(join(root, 'etc/nsswitch.conf'), { force: true });
      writeFileSync(join(root, 'etc/nsswitch.conf'), 'passwd: lgplain lgstack lgdep\n');
      // The root's own getent asks both services; LD_DEBUG=files says which modules' initialisers ran.
      const real = await inChroot(root, ['LD_DEBUG=files'], ['/usr/bin/getent', 'passwd', 'lg-nobody']);
      const initialised = (service: string) => new RegExp(`calling init: \\S*/libnss_${service}\\.so\\.2$`, 'm').test(real.stderr);
      expect([initialised('lgplain'), initialised('lgstack'), initialised('lgdep')]).toEqual([true, loads, false]);
      const r = buildLoadGraph(confinedFs(root), '/usr/bin/getent', { root, inhibitCache: true });
      if (!r.ok) throw new Error(r.message);
      const edge = (service: string) => r.graph.runtime!.edges.find((e) => e.name === `libnss_${service}.so.2`)!;
      expect([edge('lgplain').to !== null, edge('lgstack').to !== null, edge('lgdep').to !== null]).toEqual([true, loads, false]);
      // dlerror()'s words, from a dlopen() of the module by the root's own loader (ld.so names it as asked for).
      writeFileSync(join(root, 'tmp/dlopen.c'), '#include <dlfcn.h>\n#include <stdio.h>\nint main(void) { void *h = dlopen("libnss_lgstack.so.2", RTLD_NOW); puts(h ? "loaded" : dlerror()); return 0; }\n');
      execaSync('cc', ['-o', join(root, 'tmp/dlopen'), join(root, 'tmp/dlopen.c'), '-ldl']);
      const opened = (await inChroot(root, [], ['/tmp/dlopen'])).stdout.trim();
      expect(edge('lgstack').to === null ? edge('lgstack').error : 'loaded').toBe(opened);
      expect(edge('lgdep').error).toBe('libgonelg.so.1: cannot open shared object file: No such file or directory');
      // Nothing the failed dlopen() mapped stays: of the three modules only those that load are objects.
      expect(r.graph.runtime!.objects.map((o) => o.name).filter((n) => n.startsWith('libnss_lg')).sort()).toEqual(loads ? ['libnss_lgplain.so.2', 'libnss_lgstack.so.2'] : ['libnss_lgplain.so.2']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
