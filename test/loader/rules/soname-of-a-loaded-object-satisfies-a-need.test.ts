// glibc dl-load.c _dl_map_object: before any search, a name equal to a loaded object's DT_SONAME reuses it.
import { describe, expect, it } from 'vitest';
import { exe, fixtureDir, graphOf, ldd, lddOf, lib, rpath } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

describe('soname-of-a-loaded-object-satisfies-a-need', () => {
  it('a DT_NEEDED naming only a SONAME, loaded earlier under another file name, needs no search', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    // At run time m2/libs.so.1 carries SONAME libsoname-only.so; no file has that name anywhere.
    lib(d, 'm2/libs.so.1', { soname: 'libsoname-only.so' });
    // Link-time stand-ins give main "NEEDED libs.so.1" and liby "NEEDED libsoname-only.so".
    lib(d, 'build/libs.so.1');
    lib(d, 'build/libsoname-only.so');
    lib(d, 'm1/liby.so', { args: [`-L${d}/build`, '-l:libsoname-only.so'] });
    const main = exe(d, 'main', [`-L${d}/build`, '-l:libs.so.1', `-L${d}/m1`, '-l:liby.so', ...rpath(`${d}/m2`, `${d}/m1`)]);
    const g = graphOf(main, d);
    const e = g.edges.find((x) => x.name === 'libsoname-only.so')!;
    expect(e.reason).toEqual({ kind: 'already-loaded', by: 'soname' });
    expect(e.trace).toEqual([]);
    expect(lddOf(main, d)).toBe((await ldd(main, d)).stdout);
  });
});
