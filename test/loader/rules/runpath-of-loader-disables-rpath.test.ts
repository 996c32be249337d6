// glibc dl-load.c _dl_map_object: when the requesting object has DT_RUNPATH, no DT_RPATH is searched at all.
import { describe, expect, it } from 'vitest';
import { exe, fixtureDir, graphOf, ldd, lddOf, lib, rpath, runpath } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

describe('runpath-of-loader-disables-rpath', () => {
  it("exe(RPATH dA:dX) → liba(RUNPATH dB) → libc_ does not find libc_ in dX", async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'dX/libc_.so.1');
    lib(d, 'dA/liba.so.1', { args: [`-L${d}/dX`, '-l:libc_.so.1', ...runpath(`${d}/dB`)] });
    const main = exe(d, 'main', [`-L${d}/dA`, '-l:liba.so.1', ...rpath(`${d}/dA`, `${d}/dX`)]);
    const g = graphOf(main, d);
    const e = g.edges.find((x) => x.name === 'libc_.so.1')!;
    expect(g.objects.find((o) => o.id === e.to)?.kind).toBe('missing');
    expect(e.trace.some((c) => c.source === 'rpath')).toBe(false);
    expect(e.trace[0]).toMatchObject({ path: expect.stringMatching(new RegExp(`^${d}/dB/`)), source: 'runpath' });
    expect(lddOf(main, d)).toBe((await ldd(main, d)).stdout);
  });
});
