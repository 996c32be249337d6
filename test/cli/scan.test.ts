// `loadgraph scan`: every program's closure in one process with objects parsed once, checked against
// per-program `loadgraph --format ldd` runs (themselves checked against the real loader in
// test/loader/ldd-differential.test.ts) for every program of the Debian sysroots and a quarter of this machine's; the load-time code
// against per-program `--format json` runs; sharded NDJSON reducing to the same document as one run.
import { describe, expect, it } from 'vitest';
import { type ProgramRecord, type ScanDocument, reduceScan } from '../../src/analyses/scan.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import { runCli } from '../support/cli.js';
import { ARCHES, sysroot } from '../support/corpus.js';
import { requires, sysrootOf } from '../support/prereq.js';

const ndjson = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as ProgramRecord);

/**
 * Every `step`-th program of `root` (in-root paths): scan's closure and missing names against the program's
 * own `loadgraph --root R --format ldd` run (itself checked against the real loader by
 * test/loader/ldd-differential.test.ts). Returns the disagreements and how many programs were compared.
 */
async function scanAgainstLdd(root: string, step: number): Promise<{ bad: string[]; compared: number; stderr: string }> {
  const fs = confinedFs(root);
  const rootArgs = root === '/' ? [] : ['--root', root];
  const r = await runCli(['scan', ...rootArgs, '--no-code', '--format', 'ndjson']);
  const records = ndjson(r.stdout).filter((_, i) => i % step === 0);
  const bad: string[] = [];
  for (const rec of records) {
    const ldd = await runCli([...rootArgs, '--format', 'ldd', rec.path]);
    const theirs = ldd.stdout.split('\n').flatMap((l) => {
      const m = /^\t(\S+)(?: => (\S+))?$/.exec(l);
      if (!m || m[2] === 'not' || /^linux-(vdso|gate)/.test(m[1]!)) return [];
      const p = m[2] ?? m[1]!;
      const real = fs.realpath(p);
      return [real.ok ? real.value : p];
    }).sort();
    const missing = ldd.stdout.split('\n').flatMap((l) => /^\t(\S+) => not found$/.exec(l)?.[1] ?? []).sort();
    const ours = rec.closure.map((e) => e.path).sort();
    if (JSON.stringify([ours, [...rec.missing].sort()]) !== JSON.stringify([theirs, missing])) bad.push(`${rec.path}: scan ${ours.join(' ')} | ldd ${theirs.join(' ')}`);
    if ((rec.status === 'ok') === /error while loading/.test(ldd.stdout)) bad.push(`${rec.path}: scan says ${rec.status}, --format ldd says ${ldd.stdout.split('\n')[0]}`);
  }
  return { bad, compared: records.length, stderr: r.stderr };
}

describe('scan closures against per-program --format ldd runs', () => {
  it('every program of the Debian amd64 sysroot', async (ctx) => {
    requires(ctx, sysrootOf('amd64'));
    const r = await scanAgainstLdd(sysroot('amd64'), 1);
    expect(r.compared).toBeGreaterThan(100);
    expect(r.bad).toEqual([]);
    expect(r.stderr).toBe(''); // stderr is not a terminal: no progress
  }, 600_000);

  for (const name of [...ARCHES.filter((a) => a !== 'amd64'), 'trixie-amd64'] as const) {
    it(`every program of the Debian ${name} sysroot`, async (ctx) => {
      requires(ctx, sysrootOf(name));
      const r = await scanAgainstLdd(sysroot(name), 1);
      expect(r.compared).toBeGreaterThan(30);
      expect(r.bad).toEqual([]);
    }, 600_000);
  }

  // About 1,000 here: every fourth keeps the suite's time in bounds (the scan itself covers them all).
  it('every fourth program of this machine', async () => {
    const r = await scanAgainstLdd('/', 4);
    expect(r.compared).toBeGreaterThan(5);
    expect(r.bad).toEqual([]);
  }, 600_000);
});

describe('scan on the Debian amd64 sysroot', () => {
  const root = sysroot('amd64');
  const fs = confinedFs(root);

  it('load-time code per object equals per-program `--format json` runs (shared tables change nothing)', async (ctx) => {
    requires(ctx, sysrootOf('amd64'));
    const programs = ['/usr/sbin/sshd', '/bin/systemctl', '/usr/bin/ssh', '/bin/journalctl', '/usr/bin/curl'].filter((p) => fs.stat(p).ok);
    expect(programs.length).toBeGreaterThan(2);
    const r = await runCli(['scan', '--root', root, '--format', 'ndjson', ...programs]);
    for (const rec of ndjson(r.stdout)) {
      const one = JSON.parse((await runCli(['--root', root, '--format', 'json', rec.path])).stdout) as {
        objects: Array<{ id: number; kind: string; realPath: string | null; path: string | null }>;
        loadTime: { objects: Array<{ id: number; realConstructors: number; ifuncAtLoad: number }> };
      };
      const expected = one.objects.filter((o) => o.kind === 'library' || o.kind === 'interp').map((o) => {
        const lt = one.loadTime.objects.find((x) => x.id === o.id);
        return [o.realPath ?? o.path, lt?.realConstructors ?? 0, lt?.ifuncAtLoad ?? 0];
      });
      expect({ program: rec.path, code: rec.closure.map((e) => [e.path, e.constructors, e.ifuncAtLoad]) }).toEqual({ program: rec.path, code: expected });
    }
  }, 600_000);

  it('shards concatenated reduce to the one-run JSON document, and the table counts the same programs', async (ctx) => {
    requires(ctx, sysrootOf('amd64'));
    const dirs = ['/bin', '/usr/sbin'];
    const whole = JSON.parse((await runCli(['scan', '--root', root, '--no-code', '--format', 'json', ...dirs])).stdout) as ScanDocument;
    const parts = await Promise.all([0, 1, 2].map((i) => runCli(['scan', '--root', root, '--no-code', '--format', 'ndjson', '--shard', `${i}/3`, ...dirs])));
    const shards = parts.map((p) => ndjson(p.stdout));
    expect(shards.every((s) => s.length > 0)).toBe(true);
    expect(reduceScan(root, shards.flat(), whole.diagnostics)).toEqual(whole);
    // Objects once: libc.so.6 is one object that nearly every program refers to.
    const libc = whole.objects.findIndex((o) => o.name === 'libc.so.6');
    expect(whole.objects.filter((o) => o.name === 'libc.so.6')).toHaveLength(1);
    expect(whole.objects[libc]!.programs).toBe(whole.programs.filter((p) => p.closure.includes(libc)).length);
    const table = (await runCli(['scan', '--root', root, '--no-code', ...dirs])).stdout;
    expect(table).toContain(`${whole.summary.programs} programs (`);
    expect(table).toMatch(new RegExp(`│ libc\\.so\\.6 +│ [^│]+│ ${whole.objects[libc]!.programs} `));
  }, 600_000);
});

describe('scan usage', () => {
  it('progress goes to stderr only when stderr is a terminal, and --quiet silences it', async () => {
    // runCli's stderr is not a terminal unless told: nothing there (the sysroot test checks that too).
    const { run } = await import('../../src/cli/run.js');
    const io = (tty: boolean) => {
      const out = { stdout: '', stderr: '' };
      return { out, io: { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) }, env: {}, isTTY: false, stderrIsTTY: tty,
        withFile: () => { throw new Error('unused'); }, graphFs: confinedFs, cwd: process.cwd(), hostHwcaps: () => null, hostCpu: () => null } };
    };
    const a = io(true);
    expect(await run(['scan', '--no-code', '--format', 'ndjson', '/usr/bin/ls'], a.io)).toBe(0);
    expect(a.out.stderr).toContain('1/1 /usr/bin/ls');
    const b = io(true);
    await run(['scan', '--no-code', '--quiet', '--format', 'ndjson', '/usr/bin/ls'], b.io);
    expect(b.out.stderr).toBe('');
    expect(ndjson(b.out.stdout).map((r) => r.path)).toEqual(['/usr/bin/ls']);
  });

  it('a bad --shard is a usage error', async () => {
    expect((await runCli(['scan', '--shard', '3/3'])).code).toBe(2);
    expect((await runCli(['scan', '--shard', 'x'])).stderr).toMatch(/--shard takes I\/N/);
  });
});
