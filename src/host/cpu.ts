// What this CPU offers, read from /proc/cpuinfo (no code is run). Which subdirectories that makes a
// particular program's ld.so search depends on the program's own loader: loader/capabilities.ts.
import { readFileSync } from 'node:fs';
import type { CpuFacts } from '../loader/capabilities.js';

export type { CpuFacts };

/** x86-64 (flags, vendor_id) and AArch64 (Features) /proc/cpuinfo; null for anything else. */
export function parseCpuinfo(arch: string, cpuinfo: string): CpuFacts | null {
  if (arch === 'x64') {
    const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? [];
    return { arch: 'x86_64', intel: /^vendor_id\s*:\s*GenuineIntel/m.test(cpuinfo), flags };
  }
  if (arch === 'arm64') {
    const flags = /^Features\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? [];
    return { arch: 'aarch64', intel: false, flags };
  }
  return null;
}

/** This machine's CPU, or null when its /proc/cpuinfo is not one we read (then: baseline). */
export function detectHostCpu(): CpuFacts | null {
  try {
    return parseCpuinfo(process.arch, readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return null;
  }
}
