// glibc dl-load.c _dl_map_object: DT_RUNPATH applies to the object's own DT_NEEDED only.
import { describe, expect, it } from 'vitest';
import { exe, fixtureDir, graphOf, ldd, lddOf, lib, runpath } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

describe('runpath-is-not-inherited', () => {
  it("does not find a grandchild through the executable's DT_RUNPATH", async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'lib2/libb.so.1');
    lib(d, 'lib1/liba.so.1', { args: [`-L${d}/lib2`, '-l:libb.so.1'] });
    const main = exe(d, 'bin/main', [`-L${d}/lib1`, '-l:liba.so.1', ...runpath(`${d}/lib1`, `${d}/lib2`)]);
    const g = graphOf(main, d);
    expect(g.edges.find((e) => e.name === 'liba.so.1')?.reason).toEqual({ kind: 'runpath', owner: 0 });
    const b = g.edges.find((e) => e.name === 'libb.so.1')!;
    expect(g.objects.find((o) => o.id === b.to)?.kind).toBe('missing');
    // The places tried: the cache had nothing, then the system directories.
    expect(b.trace.every((c) => c.source === 'system-dir' && c.outcome === 'missing')).toBe(true);
    expect(lddOf(main, d)).toBe((await ldd(main, d)).stdout);
  });
});
