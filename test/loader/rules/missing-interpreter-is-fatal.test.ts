// Linux load_elf_binary opens PT_INTERP before any loader code runs: a missing interpreter makes execve
// fail with ENOENT, a short one with EIO, one of another class with ELIBBAD. ldd, which runs the
// architecture's standard ld.so whatever PT_INTERP says, still lists such a program, with the PT_INTERP
// name mapped to the loader it ran ("/nonexistent/ld.so => /lib64/ld-linux-x86-64.so.2"); with no loader of
// the program's class at all it says "not a dynamic executable". Oracles: the kernel (spawning the
// fixture fails before any of its code runs) and ldd, on cc-built fixtures.
import { execaSync } from 'execa';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { requires, setupProvides } from '../../support/prereq.js';
import { runCli } from '../../support/cli.js';
import { canBuild32, canBuildFixtures, exe, fixtureDir, graphOf, ldd, lddOf } from '../../support/fixtures.js';

/** The errno the kernel's execve returns for `file` (spawned directly, never through a shell). */
function execErrno(file: string): string {
  try {
    execaSync(file, [], { reject: true, timeout: 10_000 });
    return 'started';
  } catch (e) {
    const code = (e as { code?: string; errno?: number }).code ?? '';
    return code === 'Unknown system error -80' || (e as { errno?: number }).errno === -80 ? 'ELIBBAD' : code;
  }
}

describe('missing-interpreter-is-fatal', () => {
  beforeEach((ctx) => requires(ctx, setupProvides('cc and ldd on x86-64', canBuildFixtures)));
  const rows: Array<[string, string, string, string]> = [
    ['missing', '/nonexistent/ld.so', 'ENOENT', 'no such file or directory'],
    ['too short to be ELF', 'FAKE', 'EIO', 'file too short'],
  ];
  if (canBuild32) rows.push(['of the other class (the i386 loader for an x86-64 program)', '/lib/ld-linux.so.2', 'ELIBBAD', 'wrong ELF class']);
  else console.log('other-class PT_INTERP: SKIPPED — needs libc6-i386 (/lib/ld-linux.so.2; npm run test:setup installs gcc-multilib)');
  it.each(rows)('a PT_INTERP %s: execve fails, and every command says the program cannot start', async (_what, interp, errno, words) => {
    const d = fixtureDir();
    writeFileSync(`${d}/fake-ld.so`, 'not ELF\n', { mode: 0o755 });
    const path = interp === 'FAKE' ? `${d}/fake-ld.so` : interp;
    const main = exe(d, 'main', [`-Wl,--dynamic-linker=${path}`]);
    expect(execErrno(main)).toBe(errno);
    const g = graphOf(main, d);
    expect(g.fatal?.stage).toBe('exec');
    expect(g.fatal?.message).toMatch(new RegExp(`^${path.replace(/[.]/g, '\\.')}: .*${words}.*execve fails with ${errno}\\)$`));
    // ldd ran the standard loader: the same lines, PT_INTERP's name mapped to it.
    const theirs = await ldd(main, d);
    expect(theirs.stdout).toContain(`\t${path} => /lib64/ld-linux-x86-64.so.2\n`);
    expect(lddOf(main, d)).toBe(theirs.stdout);
    const tree = await runCli(['--no-code', main]);
    expect(tree.code).toBe(1);
    expect(tree.stdout).toMatch(/cannot start\n$/);
    const lddFmt = await runCli(['--format', 'ldd', main]);
    expect(lddFmt.code).toBe(1);
    expect(lddFmt.stdout).toBe(theirs.stdout);
  });

  it('an i386 program in a root without /lib/ld-linux.so.2: cannot start, and ldd would find no loader for it', async (ctx) => {
    requires(ctx, setupProvides('cc -m32 (gcc-multilib)', canBuild32));
    const d = fixtureDir();
    const main = exe(d, 'main', ['-m32']);
    const root = `${d}/root`;
    mkdirSync(`${root}/usr/bin`, { recursive: true });
    mkdirSync(`${root}/lib64`, { recursive: true });
    copyFileSync(main, `${root}/usr/bin/prog`);
    copyFileSync('/lib64/ld-linux-x86-64.so.2', `${root}/lib64/ld-linux-x86-64.so.2`); // a loader, but of the other class
    const tree = await runCli(['--root', root, '--no-code', '/usr/bin/prog']);
    expect(tree.code).toBe(1);
    expect(tree.stdout).toContain('fatal: /lib/ld-linux.so.2: no such file or directory (the program\'s PT_INTERP; execve fails with ENOENT)');
    const lddFmt = await runCli(['--root', root, '--format', 'ldd', '/usr/bin/prog']);
    expect([lddFmt.code, lddFmt.stdout]).toEqual([1, '']);
    expect(lddFmt.stderr).toMatch(/^\tnot a dynamic executable\n/);
    const json = JSON.parse((await runCli(['--root', root, '--format', 'json', '/usr/bin/prog'])).stdout);
    expect(json.fatal).toMatchObject({ stage: 'exec', object: 0 });
    // With the loader in the root, it starts.
    mkdirSync(`${root}/lib`, { recursive: true });
    copyFileSync('/lib/ld-linux.so.2', `${root}/lib/ld-linux.so.2`);
    expect((await runCli(['--root', root, '--format', 'json', '/usr/bin/prog'])).stdout).toContain('"fatal": null');
  });

  // The kernel maps such a file and jumps to its entry point in place of ld.so (load_elf_interp does not
  // look at the interpreter's own PT_INTERP): the program's main never runs. Oracle: the kernel kills it.
  const notLoaders: Array<[string, (d: string) => string, string]> = [
    ['another program', (d) => exe(d, 'other'), 'a program with a PT_INTERP of its own'],
    ['the program itself', (d) => `${d}/main`, 'a program with a PT_INTERP of its own'],
    ['a statically linked program', (d) => exe(d, 'static', ['-static']), 'a statically linked program \\(no PT_DYNAMIC\\)'],
    ['a truncated copy of ld.so', (d) => {
      writeFileSync(`${d}/ld-short.so`, readFileSync('/lib64/ld-linux-x86-64.so.2').subarray(0, 100_000), { mode: 0o755 });
      return `${d}/ld-short.so`;
    }, 'PT_LOAD .* runs past the end of the file'],
  ];
  it.each(notLoaders)('a PT_INTERP naming %s: the kernel would run it instead of ld.so, so the program cannot start', async (_what, make, words) => {
    const d = fixtureDir();
    const interp = make(d);
    const main = exe(d, 'main', [`-Wl,--dynamic-linker=${interp}`]);
    const ran = execaSync(main, [], { reject: false, timeout: 10_000 });
    expect(ran.signal ?? ran.exitCode).not.toBe(0);
    const g = graphOf(main, d);
    expect(g.fatal?.stage).toBe('exec');
    expect(g.fatal?.message).toMatch(new RegExp(`^${interp.replace(/[.]/g, '\\.')}: ${words}.*the program would not start\\)$`));
    const theirs = await ldd(main, d);
    expect(theirs.stdout).toContain(`\t${interp} => /lib64/ld-linux-x86-64.so.2\n`);
    expect(lddOf(main, d)).toBe(theirs.stdout);
    const tree = await runCli(['--no-code', main]);
    expect([tree.code, tree.stdout]).toEqual([1, expect.stringMatching(/cannot start\n$/)]);
  });
});
