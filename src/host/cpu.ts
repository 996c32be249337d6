// What this CPU makes ld.so search, read from /proc/cpuinfo (no code is run): the active glibc-hwcaps
// subdirectories (sysdeps/x86_64/dl-hwcaps-subdirs.c) and glibc 2.36's legacy hwcap names and platform
// (sysdeps/x86/cpu-features.c init_cpu_features).
import { readFileSync } from 'node:fs';

export interface HostCpu {
  readonly hwcaps: string[];
  readonly legacyHwcaps: string[];
  readonly platform: string;
}

const V2 = ['cx16', 'lahf_lm', 'popcnt', 'sse4_1', 'sse4_2', 'ssse3'];
const V3 = ['avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'abm', 'movbe', 'xsave'];
const V4 = ['avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl'];

export function x86HostCpu(cpuinfo: string): HostCpu {
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? []);
  const intel = /^vendor_id\s*:\s*GenuineIntel/m.test(cpuinfo);
  const all = (xs: string[]) => xs.every((x) => flags.has(x));
  const hwcaps: string[] = [];
  if (all(V2)) {
    if (all(V3)) {
      if (all(V4)) hwcaps.push('x86-64-v4');
      hwcaps.push('x86-64-v3');
    }
    hwcaps.push('x86-64-v2');
  }
  let platform = 'x86_64';
  let avx512_1 = false;
  if (intel) {
    if (flags.has('avx512er') && flags.has('avx512pf')) platform = 'xeon_phi';
    else {
      avx512_1 = all(V4);
      if (all(['avx2', 'fma', 'bmi1', 'bmi2', 'abm', 'movbe', 'popcnt'])) platform = 'haswell';
    }
  }
  return { hwcaps, legacyHwcaps: ['x86_64', ...(avx512_1 ? ['avx512_1'] : []), platform, 'tls'], platform };
}

/** The host CPU when it is x86-64, else null (other hosts: baseline). */
export function detectHostCpu(): HostCpu | null {
  if (process.arch !== 'x64') return null;
  try {
    return x86HostCpu(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return null;
  }
}
