// The answer cache (src/cli/answers.ts): a whole-root command asked again about an unchanged root replays
// its answer without opening a file, and any change to what the first run looked at — a library appearing
// earlier in the search, a file rewritten, a link retargeted, a program losing its execute bit — gives
// exactly the answer a run without the cache gives. The store is used only when it is the user's own.
import { execaSync } from 'execa';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay, withoutNoCache } from '../../src/cli/answers.js';
import { replayKept } from '../../src/cli/replay-main.js';
import { run } from '../../src/cli/run.js';
import { answerStore } from '../../src/host/answer-store.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import { detectHostCpu } from '../../src/host/cpu.js';
import { withFileSource } from '../../src/host/file-source.js';
import type { FileSystem } from '../../src/loader/fs.js';
import { exe, lib } from '../support/fixtures.js';
import { CC, requires } from '../support/prereq.js';

interface Answer { code: number; stdout: string; stderr: string; debug: string; opens: number; stats: number }

/** What a store that trusts no file system was asked about (cli's `untrusted`). */
const probed: Array<[string, string]> = [];

/**
 * The CLI in-process with the real store in `cacheDir` (null: no cache) made for `build`, counting the
 * files it opens; opening a path that ends with `failing` fails with EIO.
 */
async function cli(argv: string[], cacheDir: string | null, { build = 'test-build', failing, untrusted = false, launcher = false }: { build?: string; failing?: string; untrusted?: boolean; launcher?: boolean } = {}): Promise<Answer> {
  let stdout = '', stderr = '', debug = '', opens = 0, stats = 0;
  const counting = (root: string): FileSystem => {
    const fs = confinedFs(root);
    return { ...fs, open: (p) => (opens++, failing !== undefined && p.endsWith(failing) ? { ok: false, errno: 'EIO' } : fs.open(p)), stat: (p) => (stats++, fs.stat(p)) };
  };
  const env = cacheDir === null ? { LOADGRAPH_CACHE: 'off' } : { LOADGRAPH_CACHE_DIR: cacheDir, LOADGRAPH_DEBUG: '1' };
  const store = answerStore(env, build);
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    progress: { write: (s: string) => (debug += s) },
    env,
    isTTY: false,
    withFile: withFileSource,
    graphFs: counting,
    cwd: process.cwd(),
    hostCpu: detectHostCpu,
    answers: store === null || !untrusted ? store : { ...store, keepsFor: (root: string, path: string) => (probed.push([root, path]), false) },
  };
  // As the launcher does (bin/loadgraph.js): its replay step first, in the same process; stats counted from the CLI's start.
  if (launcher && replay(argv[0]!, withoutNoCache(argv.slice(1)).args, io) !== null) throw new Error('replayed');
  stats = 0;
  const code = await run(argv, io);
  return { code, stdout, stderr, debug, opens, stats };
}

const CHANGES: Array<[string, (root: string) => void]> = [
  ['a library appears earlier in the search', (root) => {
    mkdirSync(join(root, 'usr/lib2'));
    copyFileSync(join(root, 'usr/lib/libA.so.1.0'), join(root, 'usr/lib2/libA.so.1'));
  }],
  ['a link is retargeted', (root) => {
    copyFileSync(join(root, 'usr/lib/libA.so.1.0'), join(root, 'usr/lib/libA.so.1.1'));
    rmSync(join(root, 'usr/lib/libA.so.1'));
    symlinkSync('libA.so.1.1', join(root, 'usr/lib/libA.so.1'));
  }],
  ['a library is rewritten in place, same size', (root) => {
    const p = join(root, 'usr/lib/libA.so.1.0');
    writeFileSync(p, Buffer.alloc(statSync(p).size));
  }],
  ['a program is added', (root) => copyFileSync(join(root, 'usr/bin/other'), join(root, 'usr/bin/third'))],
  ['a program loses its execute bit', (root) => chmodSync(join(root, 'usr/bin/other'), 0o644)],
];

let top = '';
const scan = ['scan', '--no-code', '--format', 'ndjson'];
const roots = new Map<string, string>();
/** A root of its own for each test: prog needs libA.so.1, searched in $ORIGIN/../lib2 (absent) and then $ORIGIN/../lib, where libA.so.1 is a link to libA.so.1.0. */
const rootFor = (name: string) => roots.get(name)!;

beforeAll(async () => {
  if (!CC.present) return;
  top = mkdtempSync(join(tmpdir(), 'loadgraph-answers-'));
  for (const name of ['replay', 'store', 'outside', 'context', 'hostile', 'bytes', 'stale', ...CHANGES.map(([what]) => what)]) {
    const root = join(top, name.replace(/\W+/g, '-'));
    const libDir = join(root, 'usr/lib');
    lib(libDir, 'libA.so.1.0', { soname: 'libA.so.1' });
    symlinkSync('libA.so.1.0', join(libDir, 'libA.so.1'));
    symlinkSync('libA.so.1.0', join(libDir, 'libA.so'));
    exe(root, 'usr/bin/prog', ['-L', libDir, '-lA', '-Wl,--disable-new-dtags,-rpath,$ORIGIN/../lib2:$ORIGIN/../lib']);
    exe(root, 'usr/bin/other');
    if (name === 'hostile') exe(root, 'usr/bin/p\x1b[2J\rx');
    // A program named in Latin-1 ("q\xe9", not UTF-8): bash writes the byte itself.
    if (name === 'bytes') execaSync('bash', ['-c', 'cp "$0/usr/bin/other" "$0/usr/bin/q"$\'\\xe9\'', root]);
    roots.set(name, root);
  }
  // Inputs changed in the two seconds before a run are not trusted to keep their timestamps through
  // another change (answers.ts RACY_MS): let the fixtures age past that.
  await sleep(2100);
}, 120_000);

afterAll(() => {
  if (top) rmSync(top, { recursive: true, force: true });
});

describe('answer cache', () => {
  it('takes --no-cache before any "--" only, and leaves the launcher\'s replay step to whole-root commands with the cache on', () => {
    expect(withoutNoCache(['--root', 'r', '--no-cache', 'LIB', '--', '--no-cache'])).toEqual({ args: ['--root', 'r', 'LIB', '--', '--no-cache'], noCache: true });
    expect(withoutNoCache(['LIB', '--', '--no-cache'])).toEqual({ args: ['LIB', '--', '--no-cache'], noCache: false });
    // Each of these goes on to the CLI: not a whole-root command, --no-cache, no command, and (as in every
    // test here unless a store is made) the cache turned off.
    expect(process.env.LOADGRAPH_CACHE).toBe('off');
    for (const argv of [['inspect', '/bin/true'], ['scan', '--no-cache', '/bin/true'], [], ['scan', '/bin/true']]) expect(replayKept(argv, 'test-build')).toBeNull();
  });

  it('keeps what was written, made safe for a terminal: a replay shows a hostile name escaped too', async (ctx) => {
    requires(ctx, [CC]);
    const root = rootFor('hostile');
    const cacheDir = join(top, 'cache-hostile');
    const fresh = await cli(['scan', '--no-code', '--root', root], null);
    expect(fresh.stdout).toContain('p\\u001b[2J\\u000dx');
    await cli(['scan', '--no-code', '--root', root], cacheDir);
    const again = await cli(['scan', '--no-code', '--root', root], cacheDir);
    expect(again.debug).toMatch(/answer cache: replayed/);
    expect([again.code, again.stdout, again.stderr]).toEqual([fresh.code, fresh.stdout, fresh.stderr]);
  });

  it('keeps the paths it looked at as bytes: a root with a name that is not UTF-8 replays, and its change is seen', async (ctx) => {
    requires(ctx, [CC]);
    const root = rootFor('bytes');
    const cacheDir = join(top, 'cache-bytes');
    const first = await cli([...scan, '--root', root], cacheDir);
    expect(first.stdout).toContain('"path":"/usr/bin/q\\udce9"');
    const again = await cli([...scan, '--root', root], cacheDir);
    expect(again.debug).toMatch(/answer cache: replayed/);
    expect([again.opens, again.stdout]).toEqual([0, first.stdout]);
    execaSync('bash', ['-c', 'rm "$0/usr/bin/q"$\'\\xe9\'', root]);
    const after = await cli([...scan, '--root', root], cacheDir);
    expect(after.debug).toMatch(/answer cache: \/usr\/bin changed: answering afresh/);
    expect(after.stdout).not.toContain('q\\udce9');
  });

  it('replays an unchanged root without opening a file, byte for byte', async (ctx) => {
    requires(ctx, [CC]);
    const root = rootFor('replay');
    const cacheDir = join(top, 'cache');
    const fresh = await cli([...scan, '--root', root], null);
    const first = await cli([...scan, '--root', root], cacheDir);
    expect(first.debug).toMatch(/answer cache: kept \(/);
    const again = await cli([...scan, '--root', root], cacheDir);
    expect(again.debug).toMatch(/answer cache: replayed/);
    expect(again.opens).toBe(0);
    expect(first.opens).toBeGreaterThan(0);
    for (const a of [first, again]) expect([a.code, a.stdout, a.stderr]).toEqual([fresh.code, fresh.stdout, fresh.stderr]);
    expect(fresh.stdout).toMatch(/libA\.so\.1\.0/);
    // --no-cache neither reads nor keeps.
    const off = await cli([...scan, '--no-cache', '--root', root], cacheDir);
    expect(off.debug).toBe('');
    expect(off.opens).toBe(first.opens);
    // Another question is another answer.
    const other = await cli(['scan', '--no-code', '--format', 'json', '--root', root], cacheDir);
    expect(other.debug).toMatch(/answer cache: kept \(/);
    expect(other.stdout).not.toBe(first.stdout);
  });

  // Each change to a root whose answer is kept, then the cache's answer against a run without it.
  for (const [what, change] of CHANGES) {
    it(`answers afresh when ${what}`, async (ctx) => {
      requires(ctx, [CC]);
      const root = rootFor(what);
      const cacheDir = join(top, 'cache');
      const before = await cli([...scan, '--root', root], cacheDir);
      expect(before.debug).toMatch(/answer cache: kept \(/);
      change(root);
      const cached = await cli([...scan, '--root', root], cacheDir);
      const fresh = await cli([...scan, '--root', root], null);
      expect(cached.debug).toMatch(/changed: answering afresh/);
      expect([cached.code, cached.stdout, cached.stderr]).toEqual([fresh.code, fresh.stdout, fresh.stderr]);
      expect(fresh.stdout).not.toBe(before.stdout);
    });
  }

  it('a kept answer the launcher found stale is not checked again by the CLI it starts', async (ctx) => {
    requires(ctx, [CC]);
    const root = rootFor('stale');
    const cacheDir = join(top, 'cache-stale');
    expect((await cli([...scan, '--root', root], cacheDir)).debug).toMatch(/answer cache: kept \(/);
    // A change: the kept entry is stale from now on (a run moments after a change keeps nothing new).
    copyFileSync(join(root, 'usr/bin/other'), join(root, 'usr/bin/third'));
    const unkept = await cli([...scan, '--root', root], join(top, 'cache-empty'));
    const byCli = await cli([...scan, '--root', root], cacheDir);
    const byLauncher = await cli([...scan, '--root', root], cacheDir, { launcher: true });
    for (const a of [byCli, byLauncher]) expect(a.debug).toMatch(/usr\/bin changed: answering afresh/);
    for (const a of [byCli, byLauncher]) expect([a.code, a.stdout]).toEqual([unkept.code, unkept.stdout]);
    // The CLI alone checks the entry's paths, then analyses; after the launcher's check it only analyses.
    expect(byCli.stats).toBeGreaterThan(unkept.stats);
    expect(byLauncher.stats).toBe(unkept.stats);
  });

  it('replays only for the same build, Node, user, groups and capabilities; keeps nothing after an I/O error', async (ctx) => {
    requires(ctx, [CC]);
    const root = rootFor('context');
    const cacheDir = join(top, 'context-cache');
    expect((await cli([...scan, '--root', root], cacheDir, { build: 'a' })).debug).toMatch(/answer cache: kept \(/);
    expect((await cli([...scan, '--root', root], cacheDir, { build: 'a' })).debug).toMatch(/replayed/);
    expect((await cli([...scan, '--root', root], cacheDir, { build: 'b' })).debug).toMatch(/answer cache: kept \(/);
    const store = answerStore({ LOADGRAPH_CACHE_DIR: cacheDir }, 'a')!;
    expect(JSON.parse(store.context)).toEqual(['a', process.version, process.versions.icu ?? null, process.geteuid!(), process.getegid!(),
      process.getgroups!().sort((x, y) => x - y), expect.stringMatching(/^[0-9a-f]{16}$/)]);
    // A file system whose client may cache attributes (NFS, FUSE, ...): one real path per device is asked about.
    const remote = await cli([...scan, '--root', root], join(top, 'remote-cache'), { untrusted: true });
    expect(remote.debug).toMatch(/not kept: \/\S* is on a network, FUSE or ownerless file system/);
    expect(probed.length).toBeGreaterThan(0);
    for (const [r, p] of probed) expect([r, p.startsWith('/')]).toEqual([root, true]);
    const failing = await cli([...scan, '--root', root], join(top, 'eio-cache'), { failing: 'libA.so.1' });
    expect(failing.stdout).not.toBe((await cli([...scan, '--root', root], null)).stdout); // libA.so.1's search list was given up
    expect(failing.debug).toMatch(/not kept: .*I\/O error/);
  });

  it('keeps nothing from a run that read a file outside the root', async (ctx) => {
    requires(ctx, [CC]);
    const policy = join(top, 'policy.json');
    writeFileSync(policy, '{}');
    const r = await cli(['check', '--policy', policy, '--root', rootFor('outside')], join(top, 'cache'));
    expect(r.debug).toMatch(/not kept: the run read files outside the roots/);
  });

  it('uses a store only when it is the user\'s own and closed to others', async (ctx) => {
    requires(ctx, [CC]);
    const open = join(top, 'open-cache');
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777);
    const root = rootFor('store');
    await cli([...scan, '--root', root], open);
    expect(readdirSync(open)).toEqual([]);

    // Nor under a directory others may write (not sticky): they could swap the cache for their own.
    const shared = join(top, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    await cli([...scan, '--root', root], join(shared, 'cache'));
    expect(readdirSync(join(shared, 'cache'))).toEqual([]);

    // A damaged entry is not replayed; it is answered afresh and replaced.
    const own = join(top, 'own-cache');
    const first = await cli([...scan, '--root', root], own);
    const [entry] = readdirSync(own);
    writeFileSync(join(own, entry!), '{"format":"loadgraph.answer/1"}\ngarbage', { mode: 0o600 });
    const damaged = await cli([...scan, '--root', root], own);
    expect(damaged.debug).not.toMatch(/replayed/);
    expect(damaged.stdout).toBe(first.stdout);

    // A temporary file left by a run killed an hour ago or more goes at the next write; a newer one stays.
    const stale = join(own, `.${entry}.1.x.tmp`), fresh = join(own, `.${entry}.2.y.tmp`);
    writeFileSync(stale, '');
    writeFileSync(fresh, '');
    utimesSync(stale, new Date(Date.now() - 7_200_000), new Date(Date.now() - 7_200_000));
    await cli(['scan', '--no-code', '--format', 'json', '--root', root], own);
    expect(readdirSync(own).filter((n) => n.endsWith('.tmp'))).toEqual([`.${entry}.2.y.tmp`]);

    // An entry someone else owns, or anyone may write, is not read (answered afresh, it is replaced by our own).
    for (const spoil of [() => chownSync(join(own, entry!), 65534, 65534), () => chmodSync(join(own, entry!), 0o666)]) {
      expect((await cli([...scan, '--root', root], own)).debug).toMatch(/replayed/);
      try {
        spoil();
      } catch {
        continue; // not root: chown is refused
      }
      const r = await cli([...scan, '--root', root], own);
      expect(r.debug).not.toMatch(/replayed/);
      expect(r.stdout).toBe(first.stdout);
    }
  });
});
