// `diff --root-a A --root-b B` without FILE: two builds of a whole system. The grouping rules on small
// synthetic records, then Debian bookworm against trixie (both fetched by scripts/fetch-sysroots.sh),
// checked against per-program `diff --root-a A --root-b B FILE` runs and per-program closures.
import { describe, expect, it } from 'vitest';
import { type Cause, type RootDiff, diffRoots, programKey } from '../../src/analyses/root-diff.js';
import type { ClosureEntry, ProgramRecord } from '../../src/analyses/scan.js';
import type { DiffResult } from '../../src/analyses/diff.js';
import { runCli } from '../support/cli.js';
import { sysroot } from '../support/corpus.js';
import { requires, sysrootOf } from '../support/prereq.js';

const lib = (name: string, needs: string[] = [], facts: Partial<ClosureEntry> = {}): ClosureEntry => ({
  name, path: `/usr/lib/x86_64-linux-gnu/${name}`, kind: 'library', relro: 'full', bindNow: true, textrel: false, execStack: false,
  constructors: 0, ifuncAtLoad: 0, needs, ...facts,
});
const prog = (path: string, needs: string[], closure: ClosureEntry[], status: ProgramRecord['status'] = 'ok'): ProgramRecord => ({
  schema: 'loadgraph.scan-program/1', path, status, closure, missing: [], constructors: 0, ifuncAtLoad: 0, needs,
});

describe('root diff rules', () => {
  const libc = lib('libc.so.6');
  const lzma = lib('liblzma.so.5', ['libc.so.6']);
  const sdA = lib('libsystemd.so.0', ['liblzma.so.5', 'libc.so.6']);
  const sdB = lib('libsystemd.so.0', ['libc.so.6']);

  it('groups a library that stopped needing another with every program it reaches, and matches /bin with /usr/bin', () => {
    const a = [prog('/usr/sbin/sshd', ['libsystemd.so.0', 'libc.so.6'], [sdA, lzma, libc]), prog('/bin/foo', ['libsystemd.so.0'], [sdA, lzma, libc])];
    const b = [prog('/usr/sbin/sshd', ['libsystemd.so.0', 'libc.so.6'], [sdB, libc]), prog('/usr/bin/foo', ['libsystemd.so.0'], [sdB, libc])];
    const d = diffRoots('A', 'B', a, b);
    expect(d.causes).toEqual([{ change: 'removed', from: 'libsystemd.so.0', to: 'liblzma.so.5', libraries: ['liblzma.so.5'], programs: ['/usr/bin/foo', '/usr/sbin/sshd'] }]);
    expect(d.programs.map((p) => [p.path, p.pathB, p.status, p.left])).toEqual([['/bin/foo', '/usr/bin/foo', 'changed', ['liblzma.so.5']], ['/usr/sbin/sshd', undefined, 'changed', ['liblzma.so.5']]]);
    expect(d.summary).toMatchObject({ added: 0, removed: 0, changed: 2, unchanged: 0 });
    expect(d.same).toBe(false);
  });

  it('pairs two versions of one library as a replacement, and groups the programs\' own DT_NEEDED', () => {
    const old = lib('libsystemd-shared-252.so', ['liblzma.so.5']), neu = lib('libsystemd-shared-257.so');
    const a = ['/usr/bin/x', '/usr/bin/y'].map((p) => prog(p, ['libsystemd-shared-252.so'], [old, lzma, libc]));
    const b = ['/usr/bin/x', '/usr/bin/y'].map((p) => prog(p, ['libsystemd-shared-257.so'], [neu, libc]));
    const [c, ...rest] = diffRoots('A', 'B', a, b).causes;
    expect(rest).toEqual([]);
    expect(c).toEqual({ change: 'replaced', from: null, to: 'libsystemd-shared-252.so', by: 'libsystemd-shared-257.so',
      libraries: ['liblzma.so.5', 'libsystemd-shared-252.so'], entered: ['libsystemd-shared-257.so'], programs: ['/usr/bin/x', '/usr/bin/y'] });
  });

  it('a library still needed but no longer found is its own cause, not a removed edge', () => {
    const a = [prog('/usr/bin/ssh', ['libcrypto.so.3', 'libc.so.6'], [lib('libcrypto.so.3'), libc])];
    const b = [{ ...prog('/usr/bin/ssh', ['libc.so.6'], [libc]), missing: ['libcrypto.so.3'] }];
    expect(diffRoots('A', 'B', a, b).causes).toEqual([{ change: 'not-found', from: null, to: 'libcrypto.so.3', libraries: ['libcrypto.so.3'], programs: ['/usr/bin/ssh'] }]);
    expect(diffRoots('B', 'A', b, a).causes).toEqual([{ change: 'found', from: null, to: 'libcrypto.so.3', libraries: ['libcrypto.so.3'], programs: ['/usr/bin/ssh'] }]);
  });

  it('blames the library that newly needs a name, not the new library the path to it passes through', () => {
    // B: x needs libshared-2 instead of libshared-1; libcrypto, which both load, now needs libz.
    const crypto = lib('libcrypto.so.3', ['libc.so.6']), cryptoB = lib('libcrypto.so.3', ['libz.so.1', 'libc.so.6']), z = lib('libz.so.1');
    const a = [prog('/usr/bin/x', ['libshared-1.so'], [lib('libshared-1.so', ['libcrypto.so.3']), crypto, libc]), prog('/usr/bin/y', ['libcrypto.so.3'], [crypto, libc])];
    const b = [prog('/usr/bin/x', ['libshared-2.so'], [lib('libshared-2.so', ['libcrypto.so.3']), cryptoB, z, libc]), prog('/usr/bin/y', ['libcrypto.so.3'], [cryptoB, z, libc])];
    expect(diffRoots('A', 'B', a, b).causes).toEqual([
      { change: 'added', from: 'libcrypto.so.3', to: 'libz.so.1', libraries: ['libz.so.1'], programs: ['/usr/bin/x', '/usr/bin/y'] },
      { change: 'replaced', from: null, to: 'libshared-1.so', by: 'libshared-2.so', libraries: ['libshared-1.so'], entered: ['libshared-2.so'], programs: ['/usr/bin/x'] },
    ]);
  });

  it('a program that only moved is "moved": across merged /usr, or to another directory under a name no other added or removed program has', () => {
    const a = [prog('/bin/cat', ['libc.so.6'], [libc]), prog('/lib/systemd/systemd-ac-power', ['libc.so.6'], [libc]),
      prog('/usr/lib/a/helper', ['libc.so.6'], [libc]), prog('/usr/lib/b/helper', ['libc.so.6'], [libc])];
    const b = [prog('/usr/bin/cat', ['libc.so.6'], [libc]), prog('/usr/bin/systemd-ac-power', ['libc.so.6'], [libc]), prog('/usr/libexec/helper', ['libc.so.6'], [libc])];
    const d = diffRoots('A', 'B', a, b);
    expect(d.programs.map((p) => [p.path, p.pathB, p.status])).toEqual([
      ['/bin/cat', '/usr/bin/cat', 'moved'], ['/lib/systemd/systemd-ac-power', '/usr/bin/systemd-ac-power', 'moved'],
      // Two helpers went, one came: which one it is cannot be told.
      ['/usr/lib/a/helper', undefined, 'removed'], ['/usr/lib/b/helper', undefined, 'removed'], ['/usr/libexec/helper', undefined, 'added'],
    ]);
    expect(d.summary).toMatchObject({ added: 1, removed: 2, changed: 0, moved: 2, unchanged: 0 });
  });

  it('shows a split: new programs named after one that carry what it no longer loads', () => {
    const pam = lib('libpam.so.0', ['libc.so.6']);
    const a = [prog('/usr/sbin/sshd', ['libpam.so.0', 'libc.so.6'], [pam, libc]), prog('/usr/sbin/sshdump', ['libc.so.6'], [libc])];
    const b = [prog('/usr/sbin/sshd', ['libc.so.6'], [libc]), prog('/usr/sbin/sshdump', ['libc.so.6'], [libc]),
      prog('/usr/lib/openssh/sshd-session', ['libpam.so.0', 'libc.so.6'], [pam, libc]), prog('/usr/lib/openssh/sshd-keygen-helper', ['libc.so.6'], [libc])];
    const d = diffRoots('A', 'B', a, b);
    expect(d.splits).toEqual([{ from: '/usr/sbin/sshd', into: ['/usr/lib/openssh/sshd-session'] }]);
    expect(d.programs.filter((p) => p.status === 'added').map((p) => p.path)).toEqual(['/usr/lib/openssh/sshd-keygen-helper', '/usr/lib/openssh/sshd-session']);
  });

  it('reports hardening regressions and load-time code growth with their reach; identical roots are the same', () => {
    const a = [prog('/usr/bin/x', ['libc.so.6'], [libc])];
    const b = [prog('/usr/bin/x', ['libc.so.6'], [{ ...libc, relro: 'partial', ifuncAtLoad: 3 }])];
    const d = diffRoots('A', 'B', a, b);
    expect(d.objects.map((o) => [o.library, o.what, o.a, o.b, o.worse, o.programs])).toEqual([
      ['libc.so.6', 'load-time-code', '0 constructors, no IFUNC resolvers at load', '0 constructors, up to 3 IFUNC resolvers at load', true, 1],
      ['libc.so.6', 'relro', 'full', 'partial', true, 1],
    ]);
    expect(diffRoots('A', 'A', a, a).same).toBe(true);
    // An x86 ISA level more: a CPU fewer starts what loads it.
    const v3 = diffRoots('A', 'B', a, [prog('/usr/bin/x', ['libc.so.6'], [{ ...libc, x86IsaNeeded: ['x86-64-v2', 'x86-64-v3'] }])]);
    expect(v3.objects.map((o) => [o.library, o.what, o.a, o.b, o.worse])).toEqual([['libc.so.6', 'x86-isa', 'baseline', 'x86-64-v2, x86-64-v3', true]]);
    expect(programKey('/usr/lib/x86_64-linux-gnu/x')).toBe(programKey('/lib/aarch64-linux-gnu/x'));
  });
});

describe('root diff of Debian bookworm and trixie (amd64)', () => {
  const A = sysroot('amd64'), B = sysroot('trixie-amd64');

  it('each program\'s left/entered equal its own per-program diff, and every change has a cause', async (ctx) => {
    requires(ctx, sysrootOf('amd64'), sysrootOf('trixie-amd64'));
    const r = await runCli(['diff', '--root-a', A, '--root-b', B, '--format', 'json']);
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout) as RootDiff;
    expect(d.schema).toBe('loadgraph.rootdiff/1');
    // OpenSSH 10 in trixie: sshd became a listener; sshd-session and sshd-auth carry the rest.
    expect(d.splits).toContainEqual({ from: '/usr/sbin/sshd', into: ['/usr/lib/openssh/sshd-auth', '/usr/lib/openssh/sshd-session'] });
    const sshd = d.programs.find((p) => p.path === '/usr/sbin/sshd')!;
    expect(sshd.left).toContain('liblzma.so.5');
    expect(d.causes).toContainEqual(expect.objectContaining({ change: 'removed', from: null, to: 'libsystemd.so.0', programs: ['/usr/sbin/sshd'] }));
    // trixie's libcrypto.so.3 needs libz.so.1 and its libsystemd-shared-257.so does not (readelf -d): libz
    // enters journalctl with libcrypto, which bookworm's journalctl loaded too.
    expect(d.causes.find((c) => c.change === 'added' && c.from === 'libcrypto.so.3' && c.to === 'libz.so.1')?.programs).toContain('/usr/bin/journalctl');
    expect(d.causes.filter((c) => c.change === 'replaced' && c.entered?.includes('libz.so.1'))).toEqual([]);
    // The loader itself: glibc 2.36 → 2.41 (read from each ld.so's banner), in every program of B.
    expect(d.objects).toContainEqual({ library: 'ld-linux-x86-64.so.2', what: 'release', a: '2.36', b: '2.41', worse: false, programs: d.summary.programsB });
    const changed = d.programs.filter((p) => p.status === 'changed');
    expect(changed.length).toBeGreaterThan(50);
    const mismatches: string[] = [];
    // Every second program (and sshd) against its own per-program diff: all of them take a minute on 2 cores.
    // (A program that moved to another directory has no one path in both roots for `diff FILE`: its causes are still checked.)
    for (const p of changed.filter((x, i) => i % 2 === 0 || x.path === '/usr/sbin/sshd')) {
      if (programKey(p.path) === programKey(p.pathB ?? p.path)) {
        const one = await runCli(['diff', '--root-a', A, '--root-b', B, '--format', 'json', p.path]);
        const items = (JSON.parse(one.stdout) as DiffResult).items;
        const names = (kind: string) => items.filter((i) => i.kind === kind && !i.subject.startsWith('missing:')).map((i) => i.subject).sort();
        const got = { left: names('object-left'), entered: names('object-entered') };
        if (JSON.stringify(got) !== JSON.stringify({ left: p.left, entered: p.entered })) mismatches.push(`${p.path}: root diff ${JSON.stringify({ left: p.left, entered: p.entered })}, per-program ${JSON.stringify(got)}`);
      }
      // Every name that left or entered is explained by a cause naming the program.
      const explained = (n: string, kinds: string[], libs: (c: Cause) => readonly string[]) =>
        d.causes.some((c) => kinds.includes(c.change) && c.programs.includes(p.pathB ?? p.path) && libs(c).includes(n));
      for (const n of p.left) if (!explained(n, ['removed', 'replaced', 'not-found'], (c) => c.libraries)) mismatches.push(`${p.path}: no cause for ${n} leaving`);
      for (const n of p.entered) if (!explained(n, ['added', 'found', 'replaced'], (c) => (c.change === 'replaced' ? c.entered ?? [] : c.libraries))) mismatches.push(`${p.path}: no cause for ${n} entering`);
    }
    expect(mismatches).toEqual([]);
    // The summary a person reads, and Markdown with the same facts.
    const human = await runCli(['diff', '--root-a', A, '--root-b', B]);
    expect(human.stdout).toContain('/usr/sbin/sshd → also sshd-auth, sshd-session');
    expect(human.stdout).toMatch(/^  ld-linux-x86-64\.so\.2: glibc release 2\.36 → 2\.41 \(\d+ programs load it\)$/m);
    expect(human.stdout.split('\n').length).toBeLessThan(120);
    const md = await runCli(['diff', '--root-a', A, '--root-b', B, '--format', 'markdown']);
    expect(md.stdout).toMatch(/^# /);
    expect(md.stdout).toContain('| `/usr/sbin/sshd` | changed |');
  }, 600_000);

  it("one program's diff across the releases reads in a minute: closure changes grouped by cause, symbol changes counted", async (ctx) => {
    requires(ctx, sysrootOf('amd64'), sysrootOf('trixie-amd64'));
    const r = await runCli(['diff', '--root-a', A, '--root-b', B, '/usr/sbin/sshd']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^- no longer loads libsystemd\.so\.0, [^\n]*liblzma\.so\.5 \(1 real constructor\)[^\n]*\n {4}lost edge sshd → libsystemd\.so\.0, used for sd_listen_fds, sd_notify$/m);
    expect(r.stdout).toMatch(/^~ what edges are used for: \d+ use fewer symbols, \d+ use more \(--verbose lists them\)$/m);
    const verbose = await runCli(['diff', '--verbose', '--root-a', A, '--root-b', B, '/usr/sbin/sshd']);
    expect(r.stdout.split('\n').length).toBeLessThan(50);
    expect(verbose.stdout.split('\n').length).toBeGreaterThan(r.stdout.split('\n').length * 2);
  }, 120_000);

  it('a root compared with itself is the same (exit 0), and PATHs narrow both walks', async (ctx) => {
    requires(ctx, sysrootOf('amd64'));
    const same = await runCli(['diff', '--root-a', A, '--root-b', A, '--format', 'json', '/usr/sbin', '/usr/bin/ssh']);
    const d = JSON.parse(same.stdout) as RootDiff;
    expect(same.code).toBe(0);
    expect(d.same).toBe(true);
    expect(d.summary.unchanged).toBe(d.summary.programsA);
    expect(d.summary.programsA).toBeLessThan(40);
  }, 120_000);
});
