// Each program's capability subdirectories and $PLATFORM come from its own loader (class, machine) and the
// CPU; its system directories and $LIB from that loader's own strings. Expected values are glibc 2.36's
// tables (sysdeps/x86/dl-hwcap.h, sysdeps/unix/sysv/linux/{arm,aarch64}/dl-procinfo.h) and, for the
// loader strings, what `ld.so --help` of the same loader prints (run on this machine's own loaders).
import { execaSync } from 'execa';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import { detectHostCpu, parseCpuinfo } from '../../src/host/cpu.js';
import { capabilitiesFor, searchesLegacy } from '../../src/loader/capabilities.js';
import { readLoaderDirs } from '../../src/loader/loader-dirs.js';
import { debianLib, debianSystemDirs, presetFor } from '../../src/loader/target.js';
import { ARCHES, sysroot } from '../support/corpus.js';
import { LDD, condition, requires, sysrootOf } from '../support/prereq.js';

const amd64 = presetFor({ class: 64, endian: 'little', machine: C.EM_X86_64, flags: 0 })!;
const x32 = presetFor({ class: 32, endian: 'little', machine: C.EM_X86_64, flags: 0 })!;
const i386 = presetFor({ class: 32, endian: 'little', machine: C.EM_386, flags: 0 })!;
const arm64 = presetFor({ class: 64, endian: 'little', machine: C.EM_AARCH64, flags: 0 })!;
const armhf = presetFor({ class: 32, endian: 'little', machine: C.EM_ARM, flags: 0x400 })!;
const intelV4 = parseCpuinfo('x64', 'vendor_id\t: GenuineIntel\nflags\t\t: sse2 pni cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3 avx avx2 bmi1 bmi2 f16c fma abm movbe xsave avx512f avx512bw avx512cd avx512dq avx512vl\n')!;
const amdV2 = parseCpuinfo('x64', 'vendor_id\t: AuthenticAMD\nflags\t\t: sse2 pni cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3\n')!;
const neoverse = parseCpuinfo('arm64', 'Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp\n')!;

describe('capabilities of the program\'s own loader', () => {
  it('x86-64 and x32 programs: glibc-hwcaps levels, x86_64, avx512_1 and haswell on Intel', () => {
    for (const p of [amd64, x32]) {
      expect(capabilitiesFor(p, intelV4)).toEqual({ hwcaps: ['x86-64-v4', 'x86-64-v3', 'x86-64-v2'], legacyHwcaps: ['x86_64', 'avx512_1', 'haswell', 'tls'], platform: 'haswell' });
      expect(capabilitiesFor(p, amdV2)).toEqual({ hwcaps: ['x86-64-v2'], legacyHwcaps: ['x86_64', 'x86_64', 'tls'], platform: 'x86_64' });
    }
  });
  it('x86-64 levels are get_isa_level\'s: BMI1/BMI2 and XSAVE not asked for v3, SSE3 asked for v2; LZCNT stands for itself or comes with BMI1', () => {
    const amd = (flags: string) => parseCpuinfo('x64', `vendor_id\t: AuthenticAMD\nflags\t\t: sse2 ${flags}\n`)!;
    const v2 = 'pni cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3';
    expect(capabilitiesFor(amd64, amd(`${v2} avx avx2 f16c fma abm movbe`)).hwcaps).toEqual(['x86-64-v3', 'x86-64-v2']);
    expect(capabilitiesFor(amd64, amd(v2.replace('pni ', ''))).hwcaps).toEqual([]);
    expect(capabilitiesFor(amd64, amd(`${v2} avx avx2 f16c fma movbe`)).hwcaps).toEqual(['x86-64-v2']);
    // A PVM guest's /proc/cpuinfo on AMD EPYC (Linux 6.18): no "abm", though CPUID in a program shows LZCNT
    // and that machine's ld.so --help has x86-64-v4, v3 and v2 "supported, searched".
    const pvm = amd('fpu cx8 cmov mmx fxsr sse pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand lahf_lm cr8_legacy misalignsse 3dnowprefetch bmi1 avx2 bmi2 avx512f avx512dq avx512cd avx512bw avx512vl');
    expect(capabilitiesFor(amd64, pvm)).toEqual({ hwcaps: ['x86-64-v4', 'x86-64-v3', 'x86-64-v2'], legacyHwcaps: ['x86_64', 'x86_64', 'tls'], platform: 'x86_64' });
  });
  it('Intel: avx512_1 needs AVX512CD, BW, DQ and VL and no AVX512ER; xeon_phi needs ER and PF; haswell otherwise', () => {
    const intel = (extra: string) => parseCpuinfo('x64', `vendor_id\t: GenuineIntel\nflags\t\t: ${intelV4.flags.join(' ')} ${extra}\n`)!;
    expect(capabilitiesFor(amd64, intel('avx512er avx512pf')).platform).toBe('xeon_phi');
    expect(capabilitiesFor(amd64, intel('avx512er')).legacyHwcaps).toEqual(['x86_64', 'haswell', 'tls']);
  });
  it('i386 programs on the same CPUs: no glibc-hwcaps, sse2, platform i686', () => {
    for (const cpu of [intelV4, amdV2]) expect(capabilitiesFor(i386, cpu)).toEqual({ hwcaps: [], legacyHwcaps: ['sse2', 'i686', 'tls'], platform: 'i686' });
  });
  it('arm64 and armhf programs on an AArch64 CPU: atomics/aarch64, and vfp/neon/v8l for the 32-bit loader', () => {
    expect(capabilitiesFor(arm64, neoverse)).toEqual({ hwcaps: [], legacyHwcaps: ['atomics', 'aarch64', 'tls'], platform: 'aarch64' });
    expect(capabilitiesFor(armhf, neoverse)).toEqual({ hwcaps: [], legacyHwcaps: ['vfp', 'neon', 'v8l', 'tls'], platform: 'v8l' });
  });
  it('a program this CPU cannot run, or no CPU (a sysroot): the loader\'s baseline', () => {
    expect(capabilitiesFor(arm64, intelV4)).toEqual({ hwcaps: [], legacyHwcaps: ['aarch64', 'tls'], platform: 'aarch64' });
    expect(capabilitiesFor(i386, neoverse)).toEqual({ hwcaps: [], legacyHwcaps: ['i686', 'tls'], platform: 'i686' });
    // HWCAP_X86_64 is set for every CPU an x86-64 ld.so runs on: its name is searched as on any such CPU.
    expect(capabilitiesFor(amd64, null)).toEqual({ hwcaps: [], legacyHwcaps: ['x86_64', 'x86_64', 'tls'], platform: 'x86_64' });
  });
});

describe('this machine\'s capabilities against its own ld.so --help', () => {
  it('glibc-hwcaps levels, and the legacy subdirectories as a set (none from glibc 2.37 on), from /proc/cpuinfo', (ctx) => {
    requires(ctx, LDD);
    const help = runLoader('/lib64/ld-linux-x86-64.so.2');
    const block = (title: string) => (help!.includes(title) ? help!.slice(help!.indexOf(title)).split('\n\n')[0]! : '');
    const searched = (title: string) => [...block(title).matchAll(/^ {2}(\S+) \((?:AT_PLATFORM; )?supported, searched\)$/gm)].map((m) => m[1]!);
    const caps = capabilitiesFor(amd64, detectHostCpu());
    expect(caps.hwcaps).toEqual(searched('Subdirectories of glibc-hwcaps directories'));
    const legacy = searchesLegacy(readLoaderDirs(confinedFs('/'), '/lib64/ld-linux-x86-64.so.2')!.release) ? caps.legacyHwcaps : [];
    expect([...legacy].sort()).toEqual(searched('Legacy HWCAP subdirectories').sort());
  });
});

describe('system directories and $LIB from the loader\'s own strings', () => {
  const PACKAGE: Record<string, string> = { '/lib64/ld-linux-x86-64.so.2': 'libc6 (amd64)', '/lib/ld-linux.so.2': 'libc6-i386', '/libx32/ld-linux-x32.so.2': 'libc6-x32' };
  it.for(Object.keys(PACKAGE))('%s agrees with its own --help (a loader of this machine)', (ld, ctx) => {
    requires(ctx, condition(ld, existsSync(ld), `apt-get install ${PACKAGE[ld]} (gcc-multilib brings the 32-bit ones)`));
    const help = runLoader(ld);
    requires(ctx, condition(`a way to run ${ld}`, help !== null, 'a kernel that runs it, or qemu-user for an i386 loader (npm run test:setup); nothing runs an x32 loader on a kernel without x32 support'));
    const dirs = [...help!.matchAll(/^ {2}(\S+) \(system search path\)$/gm)].map((m) => `${m[1]}/`);
    expect(dirs.length).toBeGreaterThan(1);
    const r = readLoaderDirs(confinedFs('/'), ld)!;
    expect(r.systemDirs).toEqual(dirs);
    expect(r.lib).toBe(dirs[0]!.slice(1, -1));
    // Its release as its own --version says it.
    expect(r.release?.join('.')).toBe(/ release version (\d+\.\d+)\./.exec(runLoader(ld, '--version') ?? '')?.[1]);
  });
  it.for(ARCHES)('the Debian %s sysroot\'s ld.so: Debian\'s multiarch directories, glibc 2.36', (arch, ctx) => {
    requires(ctx, sysrootOf(arch));
    const root = sysroot(arch);
    const p = ARCH_PRESET[arch];
    const r = readLoaderDirs(confinedFs(root), p.interp);
    expect(r).toEqual({ systemDirs: debianSystemDirs(p), lib: debianLib(p), release: [2, 36] });
  });
});

/** `ld.so --help` (or another option), natively or (an i386 loader on a kernel without 32-bit support) under qemu-i386. */
function runLoader(ld: string, option = '--help'): string | null {
  for (const argv of [[ld, option], ...(ld === '/lib/ld-linux.so.2' ? [['qemu-i386', ld, option]] : [])]) {
    try {
      return execaSync(argv[0]!, argv.slice(1)).stdout;
    } catch {
      // next way, if any
    }
  }
  return null;
}

const ARCH_PRESET = {
  amd64, i386, arm64, armhf,
  s390x: presetFor({ class: 64, endian: 'big', machine: C.EM_S390, flags: 0 })!,
  ppc64el: presetFor({ class: 64, endian: 'little', machine: C.EM_PPC64, flags: 2 })!,
  mips64el: presetFor({ class: 64, endian: 'little', machine: C.EM_MIPS, flags: 0 })!,
};
