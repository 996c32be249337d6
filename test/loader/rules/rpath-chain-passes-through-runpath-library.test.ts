// glibc dl-load.c _dl_map_object: the RPATH walk follows l_loader through an object that has DT_RUNPATH.
import { describe, expect, it } from 'vitest';
import { exe, fixtureDir, graphOf, ldd, lddOf, lib, rpath, runpath } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

describe('rpath-chain-passes-through-runpath-library', () => {
  it("exe(RPATH dA:dX) → liba(RUNPATH dB) → libb → libc_ finds libc_ through the executable's RPATH", async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'dX/libc_.so.1');
    lib(d, 'dB/libb.so.1', { args: [`-L${d}/dX`, '-l:libc_.so.1'] });
    lib(d, 'dA/liba.so.1', { args: [`-L${d}/dB`, '-l:libb.so.1', ...runpath(`${d}/dB`)] });
    const main = exe(d, 'main', [`-L${d}/dA`, '-l:liba.so.1', ...rpath(`${d}/dA`, `${d}/dX`)]);
    const g = graphOf(main, d);
    expect(g.edges.find((e) => e.name === 'libc_.so.1')?.reason).toEqual({ kind: 'rpath', owner: 0 });
    expect(lddOf(main, d)).toBe((await ldd(main, d)).stdout);
  });
});
