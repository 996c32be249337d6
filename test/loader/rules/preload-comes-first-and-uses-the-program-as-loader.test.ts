// glibc rtld.c do_preload: LD_PRELOAD objects load right after the program, searched as its needs (its RPATH).
import { describe, expect, it } from 'vitest';
import { exe, fixtureDir, graphOf, ldd, lddOf, lib, rpath } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

describe('preload-comes-first-and-uses-the-program-as-loader', () => {
  it('a preloaded name is found through the executable RPATH and listed before the needs', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'lib1/liba.so.1');
    lib(d, 'lib3/libc3.so.1');
    lib(d, 'lib2/libb.so.1');
    const main = exe(d, 'main', [`-L${d}/lib1`, '-l:liba.so.1', ...rpath(`${d}/lib1`, `${d}/lib3`)]);
    const preload = `libc3.so.1 ${d}/lib2/libb.so.1`;
    const g = graphOf(main, d, { preload, preloadFile: false });
    expect(g.edges.filter((e) => e.kind === 'preload').map((e) => e.reason.kind)).toEqual(['rpath', 'path']);
    expect(g.objects.map((o) => o.name).slice(2, 5)).toEqual(['libc3.so.1', `${d}/lib2/libb.so.1`, 'liba.so.1']);
    expect(lddOf(main, d, { preload })).toBe((await ldd(main, d, { LD_PRELOAD: preload })).stdout);
  });

  it('a preload that cannot be found is a warning, not a failure', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    const main = exe(d, 'main');
    const g = graphOf(main, d, { preload: 'libnope.so.9', preloadFile: false });
    expect(g.fatal).toBeNull();
    expect(g.warnings.join()).toMatch(/libnope\.so\.9.*cannot be preloaded/);
    expect(lddOf(main, d, { preload: 'libnope.so.9' })).toBe((await ldd(main, d, { LD_PRELOAD: 'libnope.so.9' })).stdout);
  });
});
