// glibc 2.36 rtld: under ldd (an explicit ld.so run) the program's $ORIGIN is the directory of the path as
// typed, not of the symlink's target (_dl_get_origin is used only on direct exec); libraries use l_name.
import { symlinkSync, mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exe, fixtureDir, graphOf, ldd, lddOf, lib, rpath } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

describe('origin-is-the-path-as-given', () => {
  it('$ORIGIN through a symlinked program follows the link name', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'lib1/liba.so.1');
    const main = exe(d, 'bin/main', [`-L${d}/lib1`, '-l:liba.so.1', ...rpath('$ORIGIN/../lib1')]);
    mkdirSync(`${d}/other/linkdir`, { recursive: true });
    symlinkSync(main, `${d}/other/linkdir/main_link`);
    // Through the real path: found.
    expect(graphOf(main, d).objects.find((o) => o.name === 'liba.so.1')?.path).toBe(`${d}/bin/../lib1/liba.so.1`);
    expect(lddOf(main, d)).toBe((await ldd(main, d)).stdout);
    // Through the link, relative to the process's directory: $ORIGIN is other/linkdir, so not found.
    const g = graphOf('other/linkdir/main_link', d);
    expect(g.objects.find((o) => o.name === 'liba.so.1')?.kind).toBe('missing');
    expect(g.edges.find((e) => e.name === 'liba.so.1')?.trace[0]?.path).toMatch(new RegExp(`^${d}/other/linkdir/\\.\\./lib1/`));
    expect(lddOf('other/linkdir/main_link', d)).toBe((await ldd('other/linkdir/main_link', d)).stdout);
  });
});
