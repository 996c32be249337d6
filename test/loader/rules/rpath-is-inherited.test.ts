// glibc dl-load.c _dl_map_object: the DT_RPATH of the loader chain (and the executable) applies to grandchildren.
import { describe, expect, it } from 'vitest';
import { exe, fixtureDir, graphOf, ldd, lddOf, lib, rpath } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

describe('rpath-is-inherited', () => {
  it("finds a grandchild through the executable's DT_RPATH", async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'lib2/libb.so.1');
    lib(d, 'lib1/liba.so.1', { args: [`-L${d}/lib2`, '-l:libb.so.1'] });
    const main = exe(d, 'bin/main', [`-L${d}/lib1`, '-l:liba.so.1', ...rpath(`${d}/lib1`, `${d}/lib2`)]);
    const g = graphOf(main, d);
    const b = g.edges.find((e) => e.name === 'libb.so.1')!;
    expect(b.reason).toEqual({ kind: 'rpath', owner: 0 });
    expect(g.objects.find((o) => o.name === 'libb.so.1')?.path).toBe(`${d}/lib2/libb.so.1`);
    expect(lddOf(main, d)).toBe((await ldd(main, d)).stdout);
  });
});
