// glibc dl-load.c open_path: a search directory, and each capability subdirectory of it, that turns out not
// to exist (stat after a failed open) is not tried again for any later name or list that names it
// (r_search_path_elem status, shared through GL(dl_all_dirs)); a subdirectory named twice ("x86_64/" as
// platform and as hwcap) is two entries, each tried. The candidates, in order, are LD_DEBUG=libs's.
import { describe, expect, it } from 'vitest';
import { exe, fixtureDir, graphOf, ldd, lddOf, lib, rpath, triedBy, triedIn } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

describe('a-missing-search-dir-is-tried-once', () => {
  it("tries the candidates ld.so tries, in its order, and no others", async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'lib/liba.so.1');
    lib(d, 'lib/libb.so.1');
    lib(d, 'lib/libc2.so.1', { args: [`-L${d}/lib`, '-l:libb.so.1'] });
    const main = exe(d, 'bin/main', [`-L${d}/lib`, '-l:liba.so.1', '-l:libc2.so.1', ...rpath(`${d}/none1`, `${d}/lib`, `${d}/none2`, `${d}/none1`)]);
    const theirs = await triedBy(main, d);
    expect(triedIn(graphOf(main, d))).toEqual(theirs);
    // liba's search tried none1 in every subdirectory; libc2's and libb's tried none of it again.
    expect(theirs.filter((p) => p.startsWith(`${d}/none1/`) && p.endsWith('/liba.so.1')).length).toBeGreaterThan(0);
    expect(theirs.filter((p) => p.startsWith(`${d}/none1/`) && !p.endsWith('/liba.so.1'))).toEqual([]);
    expect(lddOf(main, d)).toBe((await ldd(main, d)).stdout);
  });
});
