// The subdirectories a program's own loader searches and its $PLATFORM, from the CPU it would run on and
// the loader's class and machine — an i386 program on an x86-64 machine is run by the i386 ld.so, which
// knows nothing of glibc-hwcaps/x86-64-v*. glibc 2.36: elf/dl-hwcaps.c _dl_important_hwcaps,
// sysdeps/x86/cpu-features.c init_cpu_features (dl_platform, dl_hwcap), sysdeps/x86/dl-hwcap.h and the
// Linux dl-procinfo.h files (HWCAP_IMPORTANT), sysdeps/x86_64/dl-hwcaps-subdirs.c.
import * as C from '../elf/constants.js';
import { releaseAtLeast } from './loader-dirs.js';
import type { TargetPreset } from './target.js';

/** /proc/cpuinfo's facts: the machine, the vendor (x86), the feature flags. */
export interface CpuFacts {
  readonly arch: 'x86_64' | 'aarch64';
  readonly intel: boolean;
  readonly flags: readonly string[];
}

export interface Capabilities {
  /** Active glibc-hwcaps subdirectories, most preferred first. */
  readonly hwcaps: readonly string[];
  /** 2.36's legacy names in _dl_important_hwcaps order: the masked AT_HWCAP bits by bit number, the platform, "tls". */
  readonly legacyHwcaps: readonly string[];
  readonly platform: string;
}

// sysdeps/x86/get-isa-level.h get_isa_level, by /proc/cpuinfo's names (the kernel lists avx and avx512*
// only when it has enabled their register state, as CPU_FEATURE_USABLE_P asks). LZCNT is "abm".
const V2 = ['cx16', 'lahf_lm', 'popcnt', 'pni', 'ssse3', 'sse4_1', 'sse4_2'];
const V3 = ['avx', 'avx2', 'f16c', 'fma', 'abm', 'movbe'];
const V4 = ['avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl'];

/**
 * The flags as ld.so's own CPUID would give them. A kernel can list fewer than a program sees: a PVM guest's
 * kernel leaves LZCNT ("abm") out of /proc/cpuinfo while CPUID in its programs has it (seen on AMD EPYC,
 * Linux 6.18). Every x86 processor with BMI1 has LZCNT (Intel and AMD brought BMI1 with or after it), so
 * BMI1 stands for it.
 */
const asCpuidShows = (flags: readonly string[]) => (flags.includes('bmi1') && !flags.includes('abm') ? [...flags, 'abm'] : flags);

/**
 * Whether a loader of this glibc release searches the legacy subdirectories ("tls", the platform, AT_HWCAP
 * names): 2.37 dropped them (NEWS; "elf: Remove legacy hwcaps support from the dynamic loader"), though
 * $PLATFORM still expands. A loader whose release is not known is taken for 2.36.
 */
export const searchesLegacy = (release: readonly [number, number] | null) => !releaseAtLeast(release, 2, 37);

/** The AT_HWCAP names every CPU gives the loader: an x86-64 ld.so (amd64, x32) sets HWCAP_X86_64 always (init_cpu_features). */
const alwaysHwcaps = (p: TargetPreset): string[] => (p.arch === 'amd64' || p.arch === 'x32' ? ['x86_64'] : []);

/** 2.36's legacy names for a given platform when the CPU is not known: the AT_HWCAP names every CPU has, the platform, "tls". */
export const legacyFor = (p: TargetPreset, platform: string): string[] => [...alwaysHwcaps(p), platform, 'tls'];

/** The loader's baseline: what is known without the CPU (a sysroot, or a program this CPU cannot run). */
export const baselineCapabilities = (p: TargetPreset): Capabilities => ({ hwcaps: [], legacyHwcaps: legacyFor(p, p.platform), platform: p.platform });

/** Whether `cpu` decides what `p`'s loader searches: it can run such programs (else the baseline applies). */
export const cpuDecides = (p: TargetPreset, cpu: CpuFacts | null): boolean =>
  (cpu?.arch === 'x86_64' && ['amd64', 'x32', 'i386'].includes(p.arch)) || (cpu?.arch === 'aarch64' && ['arm64', 'armhf', 'armel'].includes(p.arch));

/**
 * cpu_features->isa_1 of an x86 loader (amd64, x32, i386) on this CPU: GNU_PROPERTY_X86_ISA_1_* bits, as
 * get_isa_level makes them (baseline, which every x86-64 processor has, then v2, v3, v4, each on the one
 * before), and whether --hwcaps, which stands for the CPU of an x86-64 loader, gave them. Null: not an x86
 * loader, or no CPU to ask.
 */
export function x86IsaLevels(p: TargetPreset, cpu: CpuFacts | null, hwcaps?: readonly string[]): { bits: number; byHwcaps: boolean } | null {
  if (!['amd64', 'x32', 'i386'].includes(p.arch)) return null;
  let levels: readonly string[];
  const byHwcaps = hwcaps !== undefined && p.arch !== 'i386';
  if (byHwcaps) levels = hwcaps;
  else if (cpuDecides(p, cpu)) {
    const flags = asCpuidShows(cpu!.flags);
    const has = (xs: readonly string[]) => xs.every((x) => flags.includes(x));
    levels = has(V2) ? (has(V3) ? (has(V4) ? ['x86-64-v2', 'x86-64-v3', 'x86-64-v4'] : ['x86-64-v2', 'x86-64-v3']) : ['x86-64-v2']) : [];
  } else return null;
  return { bits: ISA_BITS.reduce((bits, [name, bit]) => (levels.includes(name) ? bits | bit : bits), C.GNU_PROPERTY_X86_ISA_1_BASELINE), byHwcaps };
}
const ISA_BITS = [['x86-64-v2', C.GNU_PROPERTY_X86_ISA_1_V2], ['x86-64-v3', C.GNU_PROPERTY_X86_ISA_1_V3], ['x86-64-v4', C.GNU_PROPERTY_X86_ISA_1_V4]] as const;

/** The names of ISA level bits, lowest first. */
export const isaLevelNames = (bits: number): string[] =>
  [[C.GNU_PROPERTY_X86_ISA_1_BASELINE, 'x86-64-baseline'] as const, ...ISA_BITS.map(([n, b]) => [b, n] as const)].filter(([b]) => (bits & b) !== 0).map(([, n]) => n);

export function capabilitiesFor(p: TargetPreset, cpu: CpuFacts | null): Capabilities {
  if (!cpuDecides(p, cpu)) return baselineCapabilities(p);
  const flags = cpu ? asCpuidShows(cpu.flags) : [];
  const has = (xs: readonly string[]) => xs.every((x) => flags.includes(x));
  const withTls = (hwcap: string[], platform: string): Capabilities => ({ hwcaps: [], legacyHwcaps: [...hwcap, platform, 'tls'], platform });
  if (cpu?.arch === 'x86_64') {
    if (p.arch === 'amd64' || p.arch === 'x32') {
      // Both are __x86_64__ builds: x86-64-v* subdirectories, HWCAP_X86_64, and on Intel haswell / xeon_phi.
      const hwcaps: string[] = [];
      if (has(V2)) {
        if (has(V3)) {
          if (has(V4)) hwcaps.push('x86-64-v4');
          hwcaps.push('x86-64-v3');
        }
        hwcaps.push('x86-64-v2');
      }
      let platform = 'x86_64';
      let avx512_1 = false;
      if (cpu.intel) {
        if (has(['avx512cd'])) {
          if (!has(['avx512er'])) avx512_1 = has(['avx512bw', 'avx512dq', 'avx512vl']);
          else if (has(['avx512pf'])) platform = 'xeon_phi';
        }
        if (platform === 'x86_64' && has(['avx2', 'fma', 'bmi1', 'bmi2', 'abm', 'movbe', 'popcnt'])) platform = 'haswell';
      }
      return { hwcaps, legacyHwcaps: ['x86_64', ...(avx512_1 ? ['avx512_1'] : []), platform, 'tls'], platform };
    }
    // The i386 ld.so: no glibc-hwcaps subdirectories; HWCAP_IMPORTANT is SSE2 alone; the kernel's AT_PLATFORM
    // for a 32-bit process is i686, which init_cpu_features keeps (every x86-64 CPU has CMOV).
    if (p.arch === 'i386') return withTls(has(['sse2']) ? ['sse2'] : [], 'i686');
  }
  if (cpu?.arch === 'aarch64') {
    // AArch64: HWCAP_IMPORTANT is HWCAP_ATOMICS. 32-bit ARM under an arm64 kernel: AT_PLATFORM "v8l",
    // HWCAP_IMPORTANT VFP | NEON (bits 6 and 12 of the compat AT_HWCAP, present with fp and asimd).
    if (p.arch === 'arm64') return withTls(has(['atomics']) ? ['atomics'] : [], 'aarch64');
    if (p.arch === 'armhf' || p.arch === 'armel') return withTls([...(has(['fp']) ? ['vfp'] : []), ...(has(['asimd']) ? ['neon'] : [])], 'v8l');
  }
  return baselineCapabilities(p);
}
