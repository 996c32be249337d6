// glibc rtld.c process_envvars and dl-load.c: for a set-user-ID program run by another user (AT_SECURE),
// LD_LIBRARY_PATH is ignored. The oracle is the fixture program itself, run as nobody: it prints which
// liba it got. (ldd cannot show this: it runs the loader as root, where AT_SECURE is not set.)
import { chmodSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { execa, execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { fixtureDir, graphOf, lib, runpath } from '../../support/fixtures.js';
import { FIXTURES, ROOT_SETPRIV, requires } from '../../support/prereq.js';

describe('secure-mode-ignores-library-path', () => {
  it('a set-user-ID program run by nobody takes liba from its RUNPATH, not from LD_LIBRARY_PATH (searched before RUNPATH otherwise)', async (ctx) => {
    requires(ctx, FIXTURES, ROOT_SETPRIV);
    const d = fixtureDir();
    chmodSync(d, 0o755);
    lib(d, 'good/liba.so.1', { source: 'const char *which(void) { return "runpath"; }\n' });
    lib(d, 'evil/liba.so.1', { source: 'const char *which(void) { return "LD_LIBRARY_PATH"; }\n' });
    writeFileSync(`${d}/main.c`, '#include <stdio.h>\nconst char *which(void);\nint main(void) { puts(which()); return 0; }\n');
    execaSync('cc', ['-o', `${d}/main`, `${d}/main.c`, `-L${d}/good`, '-l:liba.so.1', ...runpath(`${d}/good`)]);
    chmodSync(`${d}/main`, 0o4755);
    const run = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', `${d}/main`], { env: { LD_LIBRARY_PATH: `${d}/evil` }, extendEnv: false, reject: false });
    expect(run.stdout).toBe('runpath');
    const g = graphOf(`${d}/main`, d, { libraryPath: `${d}/evil` });
    expect(g.env.secure).toBe(true);
    expect(g.objects.find((o) => o.name === 'liba.so.1')?.path).toBe(`${d}/good/liba.so.1`);
    // The CLI: secure mode from the set-user-ID bit by default; --no-secure forces it off, --secure on.
    const liba = async (...flags: string[]) => /liba\.so\.1 => (\S+)/.exec((await runCli(['--format', 'ldd', '--library-path', `${d}/evil`, ...flags, `${d}/main`])).stdout)?.[1];
    expect(await liba()).toBe(`${d}/good/liba.so.1`);
    expect(await liba('--no-secure')).toBe(`${d}/evil/liba.so.1`);
    // Not secure: the same environment picks the LD_LIBRARY_PATH copy, for the loader and for us.
    chmodSync(`${d}/main`, 0o755);
    const plain = await execa(`${d}/main`, [], { env: { LD_LIBRARY_PATH: `${d}/evil` }, extendEnv: false });
    expect(plain.stdout).toBe('LD_LIBRARY_PATH');
    expect(graphOf(`${d}/main`, d, { libraryPath: `${d}/evil` }).objects.find((o) => o.name === 'liba.so.1')?.path).toBe(`${d}/evil/liba.so.1`);
    expect(await liba()).toBe(`${d}/evil/liba.so.1`);
    expect(await liba('--secure')).toBe(`${d}/good/liba.so.1`);
  });
});
