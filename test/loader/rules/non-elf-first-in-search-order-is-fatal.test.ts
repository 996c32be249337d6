// glibc dl-load.c open_verify: a linker script, a short file, a bad OS ABI or a directory first in the search
// order stops the load ("invalid ELF header", "file too short", …); ld.so does not skip them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exe, fixtureDir, graphOf, ldd, lddOf, lib } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

describe('non-elf-first-in-search-order-is-fatal', () => {
  it.for([
    ['a linker script', (p: string) => writeFileSync(p, '/* GNU ld script\n   Use the shared library, but some functions are only in the static library. */\nGROUP ( liba.so.1 )\n'), /invalid ELF header/],
    ['a linker script shorter than an ELF header', (p: string) => writeFileSync(p, 'GROUP ( liba.so.1 )\n'), /file too short/],
    ['an object with OS ABI FreeBSD', (p: string, real: string) => { const b = readFileSync(real); b[7] = 9; writeFileSync(p, b); }, /OS ABI invalid/],
    ['a directory', (p: string) => mkdirSync(p), /cannot read file data/],
  ] as const)('%s', async ([, make, message], ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    const real = lib(d, 'good/liba.so.1');
    mkdirSync(`${d}/bad`);
    (make as (p: string, real: string) => void)(`${d}/bad/liba.so.1`, real);
    const main = exe(d, 'main', [`-L${d}/good`, '-l:liba.so.1']);
    const lp = `${d}/bad:${d}/good`;
    const g = graphOf(main, d, { libraryPath: lp });
    expect(g.fatal?.message).toMatch(message);
    const theirs = await ldd(main, d, { LD_LIBRARY_PATH: lp });
    expect(theirs.stdout).toMatch(message);
    expect(lddOf(main, d, { libraryPath: lp })).toBe(theirs.stdout);
  });
});
