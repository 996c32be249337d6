// glibc dl-load.c: DF_1_NODEFLIB drops a cache hit under a system directory and skips the default directories.
import { describe, expect, it } from 'vitest';
import { exe, fixtureDir, graphOf, ldd, lddOf, lib } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

describe('nodeflib-skips-cache-and-system-dirs', () => {
  it('a -z nodefaultlib library cannot find libz.so.1 in /lib, but LD_LIBRARY_PATH still works', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'lib/libn.so.1', { args: ['-Wl,-z,nodefaultlib', '-lz'] });
    const main = exe(d, 'main', [`-L${d}/lib`, '-l:libn.so.1', `-Wl,-rpath,${d}/lib`]);
    const g = graphOf(main, d);
    const z = g.edges.find((e) => e.name === 'libz.so.1' && g.objects.find((o) => o.id === e.from)?.name === 'libn.so.1')!;
    expect(g.objects.find((o) => o.id === z.to)?.kind).toBe('missing');
    expect(z.trace).toContainEqual(expect.objectContaining({ source: 'ld.so.cache', outcome: 'nodeflib' }));
    expect(z.trace.some((c) => c.source === 'system-dir')).toBe(false);
    expect(lddOf(main, d)).toBe((await ldd(main, d)).stdout);
    const lp = '/lib/x86_64-linux-gnu';
    expect(lddOf(main, d, { libraryPath: lp })).toBe((await ldd(main, d, { LD_LIBRARY_PATH: lp })).stdout);
  });
});
