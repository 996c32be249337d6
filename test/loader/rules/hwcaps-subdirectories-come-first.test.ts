// glibc dl-load.c open_path with _dl_important_hwcaps: in every search directory, glibc-hwcaps/<level>/ and
// (glibc 2.36) the legacy tls/platform/hwcap subdirectories are tried before the directory itself.
import { describe, expect, it } from 'vitest';
import { detectHostCpu } from '../../../src/host/cpu.js';
import { capabilitiesFor } from '../../../src/loader/capabilities.js';
import { presetFor } from '../../../src/loader/target.js';
import * as C from '../../../src/elf/constants.js';
import { canBuildFixtures, exe, fixtureDir, graphOf, ldd, lddOf, lib } from '../../support/fixtures.js';

const host = detectHostCpu();
const cpu = host && capabilitiesFor(presetFor({ class: 64, endian: 'little', machine: C.EM_X86_64, flags: 0 })!, host);

describe.skipIf(!canBuildFixtures || !cpu)('hwcaps-subdirectories-come-first', () => {
  it.each([
    ['the most preferred supported glibc-hwcaps level', () => cpu!.hwcaps.at(-1) && `glibc-hwcaps/${cpu!.hwcaps.at(-1)}`],
    ['a legacy tls subdirectory', () => 'tls'],
    ['a legacy platform subdirectory', () => cpu!.platform],
  ])('%s', async (_what, subdir) => {
    const sub = subdir();
    if (!sub) return;
    const d = fixtureDir();
    lib(d, 'lp/liba.so.1');
    lib(d, `lp/${sub}/liba.so.1`);
    const main = exe(d, 'main', [`-L${d}/lp`, '-l:liba.so.1']);
    const lp = `${d}/lp`;
    expect(graphOf(main, d, { libraryPath: lp }).objects.find((o) => o.name === 'liba.so.1')?.path).toBe(`${d}/lp/${sub}/liba.so.1`);
    expect(lddOf(main, d, { libraryPath: lp })).toBe((await ldd(main, d, { LD_LIBRARY_PATH: lp })).stdout);
  });
});
