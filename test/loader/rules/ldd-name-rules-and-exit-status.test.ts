// The ldd script's own rules, which --format ldd follows: a FILE without '/' is run as ./FILE (so ld.so's
// l_name and every $ORIGIN keep the "./": "liba.so => /dir/./lib/liba.so"), and a file with no
// PT_DYNAMIC gets "not a dynamic executable" on stderr and exit status 1. Checked against ldd.
import { execaSync } from 'execa';
import { existsSync, writeFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { requires, setupProvides } from '../../support/prereq.js';
import { runCli } from '../../support/cli.js';
import { canBuildFixtures, exe, fixtureDir, graphOf, ldd, lddOf, lib, rpath, runpath } from '../../support/fixtures.js';

const hasLibcA = existsSync('/usr/lib/x86_64-linux-gnu/libc.a');
if (!hasLibcA) console.log('static program under ldd: SKIPPED — needs libc.a (apt-get install libc6-dev)');

/** Runs the CLI with `dir` as the current directory (it reads process.cwd()). */
async function cliIn(dir: string, argv: string[]) {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await runCli(argv);
  } finally {
    process.chdir(before);
  }
}

describe('ldd-name-rules-and-exit-status', () => {
  beforeEach((ctx) => requires(ctx, setupProvides('cc and ldd on x86-64', canBuildFixtures)));
  it.each([['RUNPATH', runpath], ['RPATH', rpath]] as const)('a program named without a slash keeps ./ in $ORIGIN (%s)', async (_tag, flavour) => {
    const d = fixtureDir();
    lib(d, 'lib/liba.so');
    exe(d, 'main', [`-L${d}/lib`, '-la', ...flavour('$ORIGIN/lib')]);
    const theirs = await ldd('main', d);
    expect(theirs.stdout).toContain(`\tliba.so => ${d}/./lib/liba.so\n`);
    expect(lddOf('main', d)).toBe(theirs.stdout);
    expect(graphOf('main', d).program).toBe('./main');
    const cli = await cliIn(d, ['--format', 'ldd', 'main']);
    expect([cli.code, cli.stdout]).toEqual([0, theirs.stdout]);
    // With a slash, as given.
    expect(lddOf('./main', d)).toBe((await ldd('./main', d)).stdout);
    expect(lddOf(`${d}/main`, d)).toBe((await ldd(`${d}/main`, d)).stdout);
  });

  it('a static program: nothing on stdout, "not a dynamic executable" on stderr, exit 1, as ldd', async (ctx) => {
    requires(ctx, setupProvides('the static libc, libc.a (libc6-dev)', hasLibcA));
    const d = fixtureDir();
    const main = `${d}/static`;
    writeFileSync(`${d}/static.c`, 'int main(void) { return 0; }\n');
    execaSync('cc', ['-static', '-o', main, `${d}/static.c`]);
    const theirs = await ldd(main, d);
    const ours = await runCli(['--format', 'ldd', main]);
    expect([ours.code, ours.stdout, ours.stderr]).toEqual([theirs.exitCode, theirs.stdout, theirs.stderr + '\n']);
    expect(theirs.exitCode).toBe(1);
    // The tree view is not ldd: a static program loads nothing and that is not a failure.
    expect((await runCli(['--no-code', main])).code).toBe(0);
  });
});
