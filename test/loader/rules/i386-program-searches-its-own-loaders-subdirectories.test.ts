// An i386 program on an x86-64 machine is run by the i386 ld.so: glibc 2.36 builds its capability
// subdirectories from its own HWCAP_IMPORTANT (SSE2 only), the 32-bit AT_PLATFORM (i686) and "tls", and it
// has no glibc-hwcaps subdirectories (elf/dl-hwcaps.c, sysdeps/x86/dl-hwcap.h, sysdeps/x86/cpu-features.c).
// Its system directories and $LIB are its own build's (Debian's biarch libc6-i386: /lib32, "lib32").
// Fixtures built with cc -m32 and compared with the machine's own i386 ld.so in trace mode.
import { beforeEach, describe, expect, it } from 'vitest';
import { requires, setupProvides } from '../../support/prereq.js';
import { canRun32, exe, fixtureDir, graphOf, ldd32, lddOf32, lib, rpath } from '../../support/fixtures.js';

const m32 = ['-m32'];

describe('i386-program-searches-its-own-loaders-subdirectories', () => {
  beforeEach((ctx) => requires(ctx, setupProvides('qemu-i386 running the i386 ld.so (gcc-multilib, qemu-user)', canRun32)));
  it.each([
    ['the platform subdirectory i686', ['i686'], 'i686'],
    ['the SSE2 capability subdirectory', ['sse2'], 'sse2'],
    ['tls', ['tls'], 'tls'],
    ['i686/sse2 (the power set: most names first, platform before capability) over i686', ['i686', 'sse2', 'i686/sse2'], 'i686/sse2'],
    ['not glibc-hwcaps/x86-64-v2 or x86_64, which only the x86-64 loader searches', ['glibc-hwcaps/x86-64-v2', 'x86_64', 'haswell'], ''],
  ])('%s', async (_what, copies, chosen) => {
    const d = fixtureDir();
    lib(d, 'lp/liba.so.1', { args: m32 });
    for (const c of copies) lib(d, `lp/${c}/liba.so.1`, { args: m32 });
    const main = exe(d, 'main', [...m32, `-L${d}/lp`, '-l:liba.so.1']);
    const lp = `${d}/lp`;
    const g = graphOf(main, d, { libraryPath: lp });
    expect(g.env.hwcaps).toEqual([]);
    expect(g.env.legacyHwcaps).toEqual(['sse2', 'i686', 'tls']);
    expect(g.objects.find((o) => o.name === 'liba.so.1')?.path).toBe(`${d}/lp/${chosen ? `${chosen}/` : ''}liba.so.1`);
    expect(lddOf32(main, d, { libraryPath: lp })).toBe(await ldd32(main, d, { LD_LIBRARY_PATH: lp }));
  });

  it('$PLATFORM and $LIB are the i386 loader\'s (i686, lib32), and its system directories are /lib32 first', async () => {
    const d = fixtureDir();
    lib(d, 'i686/libp.so', { args: m32 });
    lib(d, 'lib32/libl.so', { args: m32 });
    const main = exe(d, 'main', [...m32, `-L${d}/i686`, `-L${d}/lib32`, '-lp', '-ll', ...rpath('$ORIGIN/$PLATFORM', '$ORIGIN/$LIB')]);
    const g = graphOf(main, d);
    expect([g.env.platform, g.env.lib]).toEqual(['i686', 'lib32']);
    expect(g.env.systemDirs).toEqual(['/lib32/', '/usr/lib32/', '/lib/', '/usr/lib/']);
    expect(g.objects.find((o) => o.name === 'libp.so')?.path).toBe(`${d}/i686/libp.so`);
    expect(g.objects.find((o) => o.name === 'libl.so')?.path).toBe(`${d}/lib32/libl.so`);
    expect(lddOf32(main, d)).toBe(await ldd32(main, d));
  });
});
