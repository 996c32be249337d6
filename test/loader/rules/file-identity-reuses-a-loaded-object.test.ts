// glibc dl-load.c _dl_map_object_from_fd: a found file whose (st_dev, st_ino) is already loaded is reused.
import { linkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exe, fixtureDir, graphOf, ldd, lddOf, lib, rpath } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

describe('file-identity-reuses-a-loaded-object', () => {
  it('a hard link of a loaded library is not loaded twice', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'm1/libh.so', { soname: null }); // no SONAME: each link records the file name it used
    linkSync(`${d}/m1/libh.so`, `${d}/m1/libh2.so`);
    lib(d, 'm1/liby1.so', { args: [`-L${d}/m1`, '-l:libh2.so'] });
    const main = exe(d, 'main', [`-L${d}/m1`, '-l:libh.so', '-l:liby1.so', ...rpath(`${d}/m1`)]);
    const g = graphOf(main, d);
    const e = g.edges.find((x) => x.name === 'libh2.so')!;
    expect(e.reason).toEqual({ kind: 'already-loaded', by: 'file' });
    expect(g.objects.filter((o) => o.realPath === `${d}/m1/libh.so`)).toHaveLength(1);
    expect(lddOf(main, d)).toBe((await ldd(main, d)).stdout);
  });
});
