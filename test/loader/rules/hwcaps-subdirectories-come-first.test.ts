// glibc dl-load.c open_path with _dl_important_hwcaps: in every search directory, glibc-hwcaps/<level>/ and
// (glibc 2.36) the legacy tls/platform/hwcap subdirectories are tried before the directory itself.
import { describe, expect, it } from 'vitest';
import { detectHostCpu } from '../../../src/host/cpu.js';
import { capabilitiesFor } from '../../../src/loader/capabilities.js';
import { presetFor } from '../../../src/loader/target.js';
import * as C from '../../../src/elf/constants.js';
import { exe, fixtureDir, graphOf, ldd, lddOf, lib } from '../../support/fixtures.js';
import { FIXTURES, condition, requires } from '../../support/prereq.js';

const host = detectHostCpu();
const cpu = host && capabilitiesFor(presetFor({ class: 64, endian: 'little', machine: C.EM_X86_64, flags: 0 })!, host);
// _dl_important_hwcaps lists the levels most preferred first (x86-64-v4, v3, v2).
const level = () => condition('a CPU with at least one glibc-hwcaps level (x86-64-v2 or above)',
  (cpu?.hwcaps.length ?? 0) > 0, 'run the tests on an x86-64 CPU with SSE4.2 and POPCNT');

describe('hwcaps-subdirectories-come-first', () => {
  it.for([
    ['the most preferred supported glibc-hwcaps level', (): string => `glibc-hwcaps/${cpu!.hwcaps[0]}`, level()],
    ['the least preferred supported glibc-hwcaps level', (): string => `glibc-hwcaps/${cpu!.hwcaps.at(-1)}`, level()],
    ['a legacy tls subdirectory', (): string => 'tls', null],
    ['a legacy platform subdirectory', (): string => cpu!.platform, null],
  ] as const)('%s', async ([, subdir, needs], ctx) => {
    requires(ctx, FIXTURES, condition('the host CPU read from /proc/cpuinfo (x86-64)', cpu !== null, 'run the tests on x86-64 Linux'), ...(needs ? [needs] : []));
    const sub = subdir();
    expect(sub).toMatch(/^(glibc-hwcaps\/x86-64-v\d|tls|[\w-]+)$/);
    const d = fixtureDir();
    lib(d, 'lp/liba.so.1');
    lib(d, `lp/${sub}/liba.so.1`);
    const main = exe(d, 'main', [`-L${d}/lp`, '-l:liba.so.1']);
    const lp = `${d}/lp`;
    expect(graphOf(main, d, { libraryPath: lp }).objects.find((o) => o.name === 'liba.so.1')?.path).toBe(`${d}/lp/${sub}/liba.so.1`);
    const theirs = (await ldd(main, d, { LD_LIBRARY_PATH: lp })).stdout;
    expect(theirs).toContain(`${d}/lp/${sub}/liba.so.1`);
    expect(lddOf(main, d, { libraryPath: lp })).toBe(theirs);
  });
});
