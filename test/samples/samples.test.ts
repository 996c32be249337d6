// The native sd_notify and sd_listen_fds samples work against the real protocol peers: an AF_UNIX datagram
// receiver at a filesystem and at an abstract address, and descriptors really inherited at fd 3 and 4.
// The demo daemon built both ways is the before/after pair: only the libsystemd build loads libsystemd.
import { join } from 'node:path';
import { execa, execaSync } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir } from '../support/fixtures.js';
import { runCli } from '../support/cli.js';
import { CC, SAMPLES, X86_64, haveAll, requires } from '../support/prereq.js';

const samples = join(import.meta.dirname, '../../samples');
const support = join(import.meta.dirname, '../support');

describe('samples', () => {
  const d = fixtureDir();
  beforeAll(() => {
    if (!haveAll(CC)) return;
    execaSync('bash', [join(samples, 'build.sh'), d]);
    execaSync('cc', ['-o', `${d}/receiver`, join(support, 'notify-receiver.c')]);
    execaSync('cc', ['-o', `${d}/listen-check`, join(support, 'listen-check.c'), join(samples, 'sd_listen_fds.c')]);
  });

  it.for([['a filesystem socket', () => `${d}/notify.sock`], ['an abstract socket', () => `@loadgraph-test-${process.pid}`]] as const)('sd_notify reaches %s', async ([, address], ctx) => {
    requires(ctx, CC);
    const receiver = execa(`${d}/receiver`, [address()]);
    await new Promise<void>((resolve) => receiver.stdout!.once('data', () => resolve()));
    const demo = await execa(`${d}/demo-native`, [], { extendEnv: false, env: { NOTIFY_SOCKET: address() } });
    expect(demo.stdout).toBe('listen_fds=0 notify=1');
    const { stdout } = await receiver;
    expect(stdout).toBe('ready\nREADY=1\nSTATUS=demo daemon up');
  });

  it('sd_notify does nothing and succeeds without NOTIFY_SOCKET, and rejects a relative address', async (ctx) => {
    requires(ctx, CC);
    expect((await execa(`${d}/demo-native`, [], { extendEnv: false, env: {} })).stdout).toBe('listen_fds=0 notify=0');
    expect((await execa(`${d}/demo-native`, [], { extendEnv: false, env: { NOTIFY_SOCKET: 'relative.sock' }, reject: false })).stdout).toBe('listen_fds=0 notify=-22');
  });

  it('sd_listen_fds takes inherited descriptors only when LISTEN_PID is ours, and marks them close-on-exec', async (ctx) => {
    requires(ctx, CC);
    const run = (pid: string) => execa('sh', ['-c', `LISTEN_PID=${pid} LISTEN_FDS=2 exec "$0" 3</dev/null 4</dev/null`, `${d}/listen-check`], { extendEnv: false, env: { PATH: '/usr/bin:/bin' } });
    expect((await run('$$')).stdout).toBe('2 1 1');
    expect((await run('1')).stdout).toBe('0 0 0');
  });

  it('the native build does not load libsystemd', async (ctx) => {
    requires(ctx, CC, X86_64);
    const native = await runCli(['--format', 'ldd', `${d}/demo-native`]);
    expect(native.stdout).toMatch(/libc\.so\.6 => /);
    expect(native.stdout).not.toMatch(/libsystemd/);
  });

  it('the libsystemd build loads libsystemd, loadgraph suggests the samples, and --no-suggest hides that', async (ctx) => {
    requires(ctx, SAMPLES);
    const before = await runCli([`${d}/demo-libsystemd`]);
    expect(before.stdout).toMatch(/libsystemd\.so\.0 \[ld\.so\.cache\]/);
    expect(before.stdout).toMatch(/suggestion \[LGS001\] demo-libsystemd → libsystemd\.so\.0 is used only for sd_listen_fds, sd_notify: .*samples\/sd_notify\.c/);
    const quiet = (await runCli(['--no-suggest', `${d}/demo-libsystemd`])).stdout;
    expect(quiet).toMatch(/libsystemd\.so\.0 \[ld\.so\.cache\]/);
    expect(quiet).not.toMatch(/suggestion/);
    expect(JSON.parse((await runCli(['--format', 'json', '--no-suggest', `${d}/demo-libsystemd`])).stdout).suggestions).toBeUndefined();
    const json = JSON.parse((await runCli(['--format', 'json', `${d}/demo-libsystemd`])).stdout);
    expect(json.suggestions.map((s: { rule: string }) => s.rule)).toEqual(['LGS001']);
  });
});
