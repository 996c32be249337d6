// The process entry: src/cli/main.ts wires the real streams and turns a bug into one line and exit 70 (the
// stack only with LOADGRAPH_DEBUG); bin/loadgraph.js (the loadgraph command) starts the built CLI.
import { execa, execaSync } from 'execa';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

const repo = join(import.meta.dirname, '../..');

/** Imports main.ts afresh with `argv`, capturing what it writes and the exit code it sets. */
async function main(argv: string[], env: Record<string, string> = {}) {
  let stdout = '', stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  const saved = { argv: process.argv, env: { ...process.env } };
  process.argv = ['node', 'loadgraph', ...argv];
  Object.assign(process.env, env);
  try {
    vi.resetModules();
    await (await import('../../src/cli/main.js')).done;
    return { code: process.exitCode, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.argv = saved.argv;
    for (const k of Object.keys(env)) if (!(k in saved.env)) delete process.env[k];
    process.exitCode = 0;
  }
}

describe('src/cli/main.ts', () => {
  afterEach(() => vi.doUnmock('../../src/cli/run.js'));

  it('runs the CLI with the real streams and sets the exit code', async () => {
    const v = await main(['--version']);
    expect(v).toMatchObject({ code: 0, stdout: expect.stringMatching(/^loadgraph \d+\.\d+\.\d+\n$/), stderr: '' });
    const bad = await main(['inspect', '/nonexistent/file']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/\/nonexistent\/file: no such file or directory/);
  });

  it('an internal error is one line and exit 70; LOADGRAPH_DEBUG adds the stack', async () => {
    vi.doMock('../../src/cli/run.js', () => ({ run: async () => { throw new Error('boom'); } }));
    const plain = await main(['x']);
    expect(plain).toMatchObject({ code: 70, stdout: '', stderr: 'loadgraph: internal error: boom\n' });
    const debug = await main(['x'], { LOADGRAPH_DEBUG: '1' });
    expect(debug.code).toBe(70);
    expect(debug.stderr).toMatch(/^loadgraph: internal error: boom\nError: boom\n\s+at /);
  });
});

/** The launcher and these files of the build, in a directory of their own (to alter without touching the build). */
function builtCopy(distFiles: string[]): string {
  const copy = mkdtempSync(join(tmpdir(), 'lg-launch-'));
  mkdirSync(join(copy, 'bin'));
  mkdirSync(join(copy, 'dist'));
  for (const f of ['loadgraph.js', 'package.json']) copyFileSync(join(repo, 'bin', f), join(copy, 'bin', f));
  for (const f of distFiles) cpSync(join(repo, 'dist', f), join(copy, 'dist', f));
  return copy;
}

describe('bin/loadgraph.js', () => {
  beforeAll(() => {
    execaSync('npm', ['run', '-s', 'build'], { cwd: repo });
  }, 300_000);

  it('starts the built CLI: --version, a load graph, and exit codes', async () => {
    const bin = join(repo, 'bin/loadgraph.js');
    const v = await execa('node', [bin, '--version'], { reject: false });
    expect(v).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^loadgraph \d+\.\d+\.\d+$/) });
    const g = await execa('node', [bin, '--format', 'ldd', '/bin/true'], { reject: false });
    expect(g.exitCode).toBe(0);
    expect(g.stdout).toMatch(/libc\.so\.6 => /);
    expect((await execa('node', [bin], { reject: false })).exitCode).toBe(2);
  });

  it('as the loadgraph command (sh runs it, through a link as npm installs it) starts Node without NODE_EXTRA_CA_CERTS, its arguments and exit status unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-command-'));
    try {
      const command = join(dir, 'loadgraph');
      symlinkSync(join(repo, 'bin/loadgraph.js'), command);
      // Node 20 reads the certificates the variable names as it starts, and warns on stderr when it cannot:
      // the warning shows whether it did.
      const env = { NODE_EXTRA_CA_CERTS: join(dir, 'absent.pem') };
      const program = join(dir, 'a program *');
      copyFileSync('/bin/true', program);
      const direct = await execa('node', [join(repo, 'bin/loadgraph.js'), '--format', 'ldd', program], { reject: false, env });
      expect(direct.stderr).toMatch(/^Warning: Ignoring extra certs from `[^`]*absent\.pem`/);
      const ran = await execa(command, ['--format', 'ldd', program], { reject: false, env });
      expect([ran.exitCode, ran.stderr, ran.stdout]).toEqual([0, '', direct.stdout]);
      expect(ran.stdout).toMatch(/libc\.so\.6 => /);
      const inTree = await execa(command, ['--no-code', '--no-runtime', '--no-color', program], { reject: false, env });
      expect(inTree.stdout.split('\n')[0]).toBe(program);
      expect((await execa(command, ['', program], { reject: false, env })).exitCode).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops quietly when its reader does (`loadgraph scan | head`): no EPIPE trace, exit 0', async () => {
    // /usr/bin's records run to far more than a pipe holds, so writes go on after the reader has gone.
    const dir = mkdtempSync(join(tmpdir(), 'lg-pipe-'));
    try {
      const r = await execa('bash', ['-c', 'node "$0" scan --quiet --no-code --format ndjson /usr/bin 2>"$1" | head -c 1; echo " ${PIPESTATUS[0]}"; cat "$1"',
        join(repo, 'bin/loadgraph.js'), join(dir, 'stderr')], { reject: false });
      expect(r.stdout).toBe('{ 0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the same bytes to a file, /dev/null and a pipe; a failed write is one line and exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-out-'));
    try {
      const bin = join(repo, 'bin/loadgraph.js');
      const args = ['scan', '--no-cache', '--quiet', '--no-code', '--format', 'ndjson', '/bin/true', '/bin/ls'];
      const piped = await execa('node', [bin, ...args], { reject: false });
      expect(piped.stdout).toMatch(/"path":"\/(usr\/)?bin\/ls"/);
      const file = join(dir, 'out');
      const toFile = await execa('bash', ['-c', 'node "$@" > "$OUT"; echo $?', 'sh', bin, ...args], { reject: false, env: { OUT: file } });
      expect([toFile.stdout, readFileSync(file, 'utf8')]).toEqual([String(piped.exitCode), `${piped.stdout}\n`]);
      const toNull = await execa('bash', ['-c', 'node "$@" > /dev/null; echo $?', 'sh', bin, ...args], { reject: false });
      expect(toNull.stdout).toBe(String(piped.exitCode));
      // Linux's /dev/full: every write fails with ENOSPC.
      const full = await execa('bash', ['-c', 'node "$@" > /dev/full', 'sh', bin, ...args], { reject: false });
      expect([full.exitCode, full.stderr]).toEqual([2, 'loadgraph: cannot write the output: ENOSPC: no space left on device, write']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs under the whole-root V8 flags exactly the commands that keep answers (answers.ts ANSWERED)', async () => {
    // The launcher chooses the flags before either bundle is loaded, so it lists the commands itself.
    const listed = /const wholeRoot = \[([^\]]*)\]/.exec(readFileSync(join(repo, 'bin/loadgraph.js'), 'utf8'))![1]!;
    const { ANSWERED } = await import('../../src/cli/answers.js');
    expect(listed.split(',').map((s) => s.trim().replace(/^'|'$/g, '')).sort()).toEqual([...ANSWERED].sort());
  });

  it('says it is not built, in one line with exit 2, when the bundle is missing or not a file', async () => {
    const copy = builtCopy([]);
    try {
      const launch = () => execa('node', [join(copy, 'bin/loadgraph.js'), 'scan', '/bin/true'], { reject: false });
      const expected = [2, '', "loadgraph: not built yet; run 'npm run build' first"];
      const missing = await launch();
      expect([missing.exitCode, missing.stdout, missing.stderr]).toEqual(expected);
      mkdirSync(join(copy, 'dist/loadgraph.cjs'));
      const directory = await launch();
      expect([directory.exitCode, directory.stdout, directory.stderr]).toEqual(expected);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('takes an argument that is not UTF-8 as the bytes it is (Node would have decoded it to U+FFFD)', async () => {
    const bin = join(repo, 'bin/loadgraph.js');
    const d = mkdtempSync(join(tmpdir(), 'lg-bytes-'));
    // bash writes the byte itself: Latin-1 "mé" (0x6d 0xe9), not UTF-8.
    const run = (...args: string[]) => execa('bash', ['-c', 'cp /bin/true "$1"/m$\'\\xe9\' && exec node "$0" "${@:2}" "$1"/m$\'\\xe9\'', bin, d, ...args], { reject: false });
    const tree = await run('--no-code', '--no-runtime', '--no-color');
    expect([tree.exitCode, tree.stderr]).toEqual([0, '']);
    expect(tree.stdout.split('\n')[0]).toBe(`${d}/m\\xe9`);
    const json = JSON.parse((await run('--format', 'json', '--no-code')).stdout);
    expect(json.program).toBe(`${d}/m\udce9`);
    expect((await run('--format', 'ldd')).stdout).toBe((await execa('node', [bin, '--format', 'ldd', '/bin/true'])).stdout);
  });

  it('works from a current directory that was removed: absolute paths resolve, relative ones are missing, no trace', async () => {
    const bin = join(repo, 'bin/loadgraph.js');
    // Inside a directory removed after entering it, as a shell left in it would be.
    const inGone = (...args: string[]) =>
      execa('bash', ['-c', 'cd "$D" && rmdir "$D" && exec node "$@"', 'sh', bin, ...args], { reject: false, env: { D: mkdtempSync(join(tmpdir(), 'lg-gone-')) } });
    const ldd = await inGone('--format', 'ldd', '/bin/true');
    expect([ldd.exitCode, ldd.stderr]).toEqual([0, '']);
    expect(ldd.stdout).toMatch(/libc\.so\.6 => /);
    const scan = await inGone('scan', '--no-cache', '--quiet', '--no-code', '--format', 'ndjson', '/bin/true');
    expect([scan.exitCode, scan.stderr]).toEqual([0, '']);
    const relative = await inGone('--format', 'ldd', 'true');
    expect(relative.exitCode).toBe(2);
    expect(relative.stderr).toMatch(/^loadgraph: [^\n]*true: no such file or directory$/);
  });

  it('keeps and replays whole-root answers only for the build it runs, before loading the CLI', async () => {
    const copy = builtCopy(['loadgraph.cjs', 'replay.cjs']);
    // Whether the CLI bundle was loaded at all (the launcher compiles it with node:vm).
    const hook = join(copy, 'hook.cjs');
    writeFileSync(hook, "process.on('exit', () => process.stderr.write(`vm loaded: ${process.moduleLoadList.includes('NativeModule vm')}\\n`));");
    try {
      const env = { LOADGRAPH_CACHE: 'on', LOADGRAPH_CACHE_DIR: join(copy, 'cache'), LOADGRAPH_DEBUG: '1' };
      const scan = () => execa('node', ['-r', hook, join(copy, 'bin/loadgraph.js'), 'scan', '--no-code', '--format', 'ndjson', '/bin/true'], { reject: false, env });
      const first = await scan();
      expect(first.stderr).toMatch(/answer cache: kept[^]*vm loaded: true/);
      const again = await scan();
      expect(again.stderr).toMatch(/answer cache: replayed[^]*vm loaded: false/);
      expect([again.exitCode, again.stdout]).toEqual([first.exitCode, first.stdout]);
      // One byte of the code changed under the same stamp: another build, whose answers are its own.
      const bundle = join(copy, 'dist/loadgraph.cjs');
      writeFileSync(bundle, readFileSync(bundle, 'latin1').replace('loadgraph.scan-program/1', 'loadgraph.scan-program/1 '), 'latin1');
      const altered = await scan();
      expect(altered.stderr).toMatch(/answer cache: kept/);
      expect(altered.stderr).not.toMatch(/replayed/);
      expect(altered.stdout).not.toBe(first.stdout);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('uses the code cache the build wrote (one per mode), and compiles as usual when it is stale or damaged', async () => {
    const copy = builtCopy(['loadgraph.cjs', 'loadgraph.cjs.one.cache', 'loadgraph.cjs.whole-root.cache']);
    try {
      const launch = () => execa('node', [join(copy, 'bin/loadgraph.js'), '--format', 'ldd', '/bin/true'], { reject: false, env: { LOADGRAPH_DEBUG: '1' } });
      const used = await launch();
      expect(used).toMatchObject({ exitCode: 0, stderr: '' });
      // A whole-root command runs under other V8 flags, with the cache made under them.
      const scan = await execa('node', [join(copy, 'bin/loadgraph.js'), 'scan', '--quiet', '--no-code', '/bin/true'], { reject: false, env: { LOADGRAPH_DEBUG: '1' } });
      expect(scan).toMatchObject({ exitCode: 0, stderr: '' });
      // Another build: the cache is not offered to V8 at all.
      const bundle = join(copy, 'dist/loadgraph.cjs');
      const source = readFileSync(bundle, 'latin1');
      writeFileSync(bundle, source.replace(/loadgraph-build [0-9a-f]+/, 'loadgraph-build 0123456789abcdef'), 'latin1');
      const stale = await launch();
      expect(stale).toMatchObject({ exitCode: 0, stdout: used.stdout, stderr: 'loadgraph: code cache absent or made from another build: compiling' });
      // The right stamp over bytes V8 does not accept.
      writeFileSync(join(copy, 'dist/loadgraph.cjs.one.cache'), '0123456789abcdef\nnot a code cache');
      const damaged = await launch();
      expect(damaged).toMatchObject({ exitCode: 0, stdout: used.stdout, stderr: 'loadgraph: code cache rejected by this Node: compiling' });
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
