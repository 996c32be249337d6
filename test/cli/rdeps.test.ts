// `loadgraph rdeps`: the programs that load a library at start, checked against the real loader (ldd) for
// a sample of the programs under /usr/bin and /usr/sbin of this machine (every fourth: all of them take
// minutes on a shared 2-core machine), and against per-program `loadgraph --format
// ldd` runs (fresh processes' worth of state, no shared cache) for every program of the Debian amd64 sysroot.
import { describe, expect, it } from 'vitest';
import { confinedFs } from '../../src/host/confined-fs.js';
import { discoverPrograms } from '../../src/loader/programs.js';
import { runCli } from '../support/cli.js';
import { pool, sysroot } from '../support/corpus.js';
import { LDD, requires, sysrootOf } from '../support/prereq.js';
import { ldd } from '../support/fixtures.js';

const LIBS = ['liblzma.so.5', 'libz.so.1', 'libselinux.so.1', 'libcrypto.so.3', 'libsystemd.so.0', 'libcap.so.2'];

/** The libraries an ldd listing names: the name asked for and the file name of the path it resolved to. */
function namesIn(lddText: string): Set<string> {
  const out = new Set<string>();
  for (const line of lddText.split('\n')) {
    const m = /^\t(\S+)(?: => (\S+))?/.exec(line);
    if (!m || m[2] === 'not') continue;
    out.add(m[1]!.slice(m[1]!.lastIndexOf('/') + 1));
    if (m[2]) out.add(m[2].slice(m[2].lastIndexOf('/') + 1));
  }
  return out;
}

async function rdepsOf(lib: string, root: string | null, paths: string[]) {
  const r = await runCli(['rdeps', '--format', 'json', ...(root ? ['--root', root] : []), lib, ...paths]);
  const doc = JSON.parse(r.stdout) as { schema: string; library: string; programs: Array<{ path: string; via: Array<{ to: string; resolved: string; path: string | null }> }> };
  return { code: r.code, doc, programs: doc.programs.map((p) => p.path).sort() };
}

describe('rdeps against ldd on this machine', () => {
  it('for each library, the sampled programs under /usr/bin and /usr/sbin that load it are those whose ldd lists it', async (ctx) => {
    requires(ctx, LDD);
    const all = discoverPrograms(confinedFs('/'), ['/usr/bin', '/usr/sbin']).programs;
    const programs = all.filter((_, i) => i % 4 === 0);
    expect(programs.length).toBeGreaterThan(50);
    const listed = new Map<string, Set<string>>();
    await pool(programs, 4, async (p) => {
      const r = await ldd(p, '/');
      // ldd's own error line (a program that would not start) lists nothing that loads.
      listed.set(p, /error while loading shared libraries/.test(r.stdout) ? new Set() : namesIn(r.stdout));
    });
    let nonEmpty = 0;
    for (const lib of LIBS) {
      const expected = programs.filter((p) => listed.get(p)!.has(lib)).sort();
      const ours = await rdepsOf(lib, null, programs);
      expect({ lib, programs: ours.programs }).toEqual({ lib, programs: expected });
      expect(ours.code).toBe(expected.length > 0 ? 0 : 1);
      if (expected.length > 0) nonEmpty++;
      // Each path ends at the library and starts from the program's first hop.
      for (const p of ours.doc.programs) expect(p.via.at(-1)!.to).toBe(lib);
    }
    console.log(`rdeps vs ldd: ${programs.length} of ${all.length} programs, ${LIBS.length} libraries, ${nonEmpty} loaded by some program`);
    expect(nonEmpty).toBeGreaterThan(1);
  }, 600_000);
});

describe('rdeps on the Debian amd64 sysroot', () => {
  const root = sysroot('amd64');
  it('equals the set from per-program `loadgraph --root R --format ldd` runs, for every program', async (ctx) => {
    requires(ctx, sysrootOf('amd64'));
    const { programs } = discoverPrograms(confinedFs(root));
    expect(programs.length).toBeGreaterThan(100);
    const listed = new Map<string, Set<string>>();
    for (const p of programs) {
      const r = await runCli(['--root', root, '--format', 'ldd', p]);
      listed.set(p, /error while loading shared libraries/.test(r.stdout) ? new Set() : namesIn(r.stdout));
    }
    for (const lib of LIBS) {
      const expected = programs.filter((p) => listed.get(p)!.has(lib)).sort();
      const ours = await rdepsOf(lib, root, []);
      expect({ lib, programs: ours.programs }).toEqual({ lib, programs: expected });
      expect(ours.doc.schema).toBe('loadgraph.rdeps/1');
    }
    expect([...listed.values()].filter((s) => s.has('liblzma.so.5')).length).toBeGreaterThan(0);
  }, 600_000);
});

describe('rdeps edge cases', () => {
  it('a library no program loads: exit 1 and an empty list; the path form of LIB matches by real path', async () => {
    const none = await rdepsOf('libnothing-loads-this.so.9', null, ['/usr/bin/ls']);
    expect(none.code).toBe(1);
    expect(none.doc.programs).toEqual([]);
    const ls = await rdepsOf('libc.so.6', null, ['/usr/bin/ls']);
    expect(ls.code).toBe(0);
    const libcPath = ls.doc.programs[0]!.via.at(-1)!.path!;
    const byPath = await rdepsOf(libcPath, null, ['/usr/bin/ls']);
    expect(byPath.programs).toEqual(['/usr/bin/ls']);
  });

  it('a LIB that matches nothing says what it may have meant: a longer name loaded, or the vDSO', async () => {
    const short = await runCli(['rdeps', 'libc.so', '/usr/bin/ls']);
    expect([short.code, short.stderr]).toEqual([1, 'loadgraph: no program loads a library named libc.so; did you mean libc.so.6?\n']);
    // The vDSO of this machine's loader model (x86-64: linux-vdso.so.1), which ldd lists and no file is.
    const vdso = await runCli(['rdeps', 'linux-vdso.so.1', '/usr/bin/ls']);
    expect([vdso.code, vdso.stderr]).toEqual([1, "loadgraph: linux-vdso.so.1 is the kernel's vDSO: the kernel maps it into every process; no program loads it from a file\n"]);
  });

  it('an unusable root is exit 2 with one line', async () => {
    const r = await runCli(['rdeps', '--root', '/nonexistent-root-dir', 'libc.so.6']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^loadgraph: \/nonexistent-root-dir: cannot be used as a root \(no such file or directory\)\n$/);
  });
});
