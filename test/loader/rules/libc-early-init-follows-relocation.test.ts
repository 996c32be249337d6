// glibc 2.36 rtld.c dl_main, elf/dl-call-libc-early-init.c: once every object is relocated, ld.so calls
// __libc_early_init@GLIBC_PRIVATE of the first libc.so.6 it mapped, found by _dl_lookup_direct; a libc.so.6
// without it (an older glibc's, another build's) fails the assertion there. Checked against the real loader
// on a stand-in libc.so.6 with the versions a program asks for, with and without that symbol.
import { execa, execaSync } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { exe, fixtureDir, ldd, loadOf, rpath } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

const ASSERTION = "_dl_call_libc_early_init: Assertion `sym != NULL' failed!";

/** A libc.so.6 in `d` defining what a C program's start-up code binds, at the versions it asks for; `early`: __libc_early_init@GLIBC_PRIVATE too. */
function standIn(d: string, early: boolean): void {
  writeFileSync(join(d, 'libc.c'), `int __libc_start_main(int (*m)(int, char **, char **), int c, char **v) { return m(c, v, 0); }\nvoid __cxa_finalize(void *p) {}\n${early ? 'void __libc_early_init(_Bool initial) {}\n' : ''}`);
  writeFileSync(join(d, 'v.map'), 'GLIBC_2.2.5 { global: __cxa_finalize; };\nGLIBC_2.34 { global: __libc_start_main; } GLIBC_2.2.5;\nGLIBC_PRIVATE { global: __libc_early_init; local: *; };\n');
  execaSync('cc', ['-shared', '-fPIC', '-nostdlib', '-o', join(d, 'libc.so.6'), join(d, 'libc.c'), '-Wl,-soname,libc.so.6', `-Wl,--version-script=${join(d, 'v.map')}`]);
}

describe('libc-early-init-follows-relocation', () => {
  it.for([[false], [true]] as Array<[boolean]>)('a libc.so.6 with __libc_early_init: %s', async ([early], ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    const main = exe(d, 'main', rpath(d));
    standIn(d, early);
    const run = await execa(main, [], { cwd: d, reject: false, extendEnv: false, env: {} });
    // Past the early initialisation the stand-in's start-up code is no libc's: only the assertion matters here.
    expect(run.stderr.includes(ASSERTION)).toBe(!early);
    for (const g of [loadOf(main, d).graph, JSON.parse((await runCli(['--format', 'json', main])).stdout)]) {
      if (early) expect(g.fatal).toBeNull();
      else expect(g.fatal).toMatchObject({ stage: 'relocation', message: expect.stringMatching(new RegExp(`^${d}/libc\\.so\\.6: it has no __libc_early_init@GLIBC_PRIVATE, .*${ASSERTION.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)) });
    }
    // Trace mode stops before it: ldd lists the program either way.
    expect((await runCli(['--format', 'ldd', main])).stdout).toBe((await ldd(main, d)).stdout);
  });
});
