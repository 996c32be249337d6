// glibc 2.36 elf/dl-lookup.c check_match: a reference that asks for a symbol version and reaches a
// definition in an object without DT_VERSYM is accepted — unless that object is the one the reference's
// DT_VERNEED entry names: then "a symbol must not simply disappear", and ld.so aborts on the assertion
// while relocating. Checked against the real loader, on a stand-in libc.so.6 built without symbol versions.
import { execa, execaSync } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confinedFs } from '../../../src/host/confined-fs.js';
import { bindSymbols } from '../../../src/loader/bind.js';
import { runCli } from '../../support/cli.js';
import { exe, fixtureDir, ldd, lib, loadOf, rpath, traceLdso } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

const ASSERTION = "check_match: Assertion `version->filename == NULL || ! _dl_name_match_p (version->filename, map)' failed!";

describe('versioned-reference-to-an-unversioned-object', () => {
  it('the object the DT_VERNEED names, without DT_VERSYM: ld.so aborts while relocating; ldd still lists it', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    // A libc.so.6 with what a C program's start-up code asks of it, and no symbol versions at all.
    writeFileSync(join(d, 'libc.c'), 'int __libc_start_main(int (*m)(int, char **, char **), int c, char **v) { return m(c, v, 0); }\nvoid __cxa_finalize(void *p) {}\n');
    execaSync('cc', ['-shared', '-fPIC', '-nostdlib', '-o', join(d, 'libc.so.6'), join(d, 'libc.c'), '-Wl,-soname,libc.so.6']);
    // Linked against the real libc (its references are versioned), run against the stand-in.
    const main = exe(d, 'main', rpath(d));
    const run = await execa(main, [], { cwd: d, reject: false, extendEnv: false, env: {} });
    expect(run.exitCode).toBe(127);
    expect(run.stderr).toContain(ASSERTION);
    const json = await runCli(['--format', 'json', main]);
    const g = JSON.parse(json.stdout);
    // Relocating stops there; trace mode has printed the list by then, as a relocation failure's.
    expect(g.fatal).toMatchObject({ stage: 'relocation', message: expect.stringContaining(ASSERTION) });
    expect(g.fatal.message).toMatch(/^\S+main: __libc_start_main@GLIBC_2\.34 is found first in \S+\/libc\.so\.6, which has no symbol versions/);
    expect(json.code).toBe(1);
    // Trace mode lists it (no relocation): ldd's lines, not the abort.
    expect((await runCli(['--format', 'ldd', main])).stdout).toBe((await ldd(main, d)).stdout);
  });

  it('any other object without DT_VERSYM that defines the name first is accepted: the reference binds there', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    // An unversioned puts() preloaded ahead of libc; the program's puts@GLIBC_2.2.5 names libc.so.6.
    const preload = lib(d, 'libputs.so', { source: 'int puts(const char *s) { return 7; }\n', args: ['-nostdlib'] });
    const main = exe(d, 'main', [], '#include <stdio.h>\nint main(void) { return puts("x") == 7 ? 0 : 1; }\n');
    expect(execaSync('readelf', ['--dyn-syms', '-W', main]).stdout).toMatch(/puts@GLIBC_2\.2\.5/);
    const trace = await traceLdso(main, d, { LD_PRELOAD: preload, LD_WARN: 'yes', LD_BIND_NOW: 'yes', LD_DEBUG: 'bindings' });
    expect(trace.stderr).toMatch(new RegExp(`binding file ${main} \\[0\\] to ${preload} \\[0\\]: normal symbol \`puts' \\[GLIBC_2\\.2\\.5\\]`));
    const { graph, images } = loadOf(main, d, { preload });
    const bound = bindSymbols(confinedFs('/'), graph, images, { bindNow: true });
    const puts = bound.bindings.find((x) => x.symbol === 'puts' && x.from === graph.objects.find((o) => o.kind === 'program')!.id)!;
    expect(graph.objects.find((o) => o.id === puts.to)!.path).toBe(preload);
    expect(bound.failsAtStart).toBeNull();
  });
});
