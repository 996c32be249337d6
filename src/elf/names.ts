// Total stringifiers for ELF numbers: every value gets a name, known ones as in elf.h, unknown ones
// relative to their range (`DT_LOOS+0x5`) or as `PREFIX0x…`. Tables are derived from ./constants.ts.
import * as C from './constants.js';
import { wideHex } from './kit.js';

const isMarker = (name: string) => /_(LO|HI)(OS|PROC|USER|RESERVE)$/.test(name) || name.endsWith('_NIDENT');

/** value → name for every constant whose name starts with `prefix` and is not excluded. */
function tableOf(prefix: string, exclude: (name: string) => boolean = () => false): Map<number, string> {
  const m = new Map<number, string>();
  for (const [name, value] of Object.entries(C)) {
    if (!name.startsWith(prefix) || isMarker(name) || exclude(name) || typeof value !== 'number') continue;
    if (!m.has(value)) m.set(value, name);
  }
  return m;
}

const hex = wideHex;

/** Tables are built on first use: the loader's hot path never needs names. */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

interface Ranges {
  readonly os?: readonly [number, number, string];
  readonly proc?: readonly [number, number, string];
}
function nameIn(tables: ReadonlyArray<Map<number, string> | undefined>, prefix: string, ranges: Ranges, v: number): string {
  for (const t of tables) {
    const n = t?.get(v);
    if (n !== undefined) return n;
  }
  for (const r of [ranges.os, ranges.proc]) {
    if (r && v >= r[0] && v <= r[1]) return `${r[2]}+${hex(v - r[0])}`;
  }
  return `${prefix}${hex(v)}`;
}

// Processor-specific names share values across machines, so they are looked up per e_machine.
const procPrefix: ReadonlyMap<number, string> = new Map([
  [C.EM_MIPS, 'MIPS_'],
  [C.EM_PPC, 'PPC_'],
  [C.EM_PPC64, 'PPC64_'],
  [C.EM_AARCH64, 'AARCH64_'],
  [C.EM_ARM, 'ARM_'],
]);
const PROC_FAMILIES = [...new Set(procPrefix.values())];
const isProc = (kind: string) => (name: string) => PROC_FAMILIES.some((p) => name.startsWith(kind + p));
const perMachine = (kind: string) =>
  new Map([...procPrefix].map(([m, p]) => [m, tableOf(kind + p)] as const));

const dtGeneric = lazy(() => tableOf('DT_', isProc('DT_')));
const dtMachine = lazy(() => perMachine('DT_'));
const ptGeneric = lazy(() => tableOf('PT_', isProc('PT_')));
const ptMachine = lazy(() => perMachine('PT_'));

export function dynTagName(tag: number, machine = C.EM_NONE): string {
  const proc = tag >= C.DT_LOPROC && tag <= C.DT_HIPROC ? dtMachine().get(machine) : undefined;
  return nameIn([proc, dtGeneric()], 'DT_', {
    os: [C.DT_LOOS, C.DT_HIOS, 'DT_LOOS'],
    proc: [C.DT_LOPROC, C.DT_HIPROC, 'DT_LOPROC'],
  }, tag);
}

export function segmentTypeName(type: number, machine = C.EM_NONE): string {
  const proc = type >= C.PT_LOPROC && type <= C.PT_HIPROC ? ptMachine().get(machine) : undefined;
  return nameIn([proc, ptGeneric()], 'PT_', {
    os: [C.PT_LOOS, C.PT_HIOS, 'PT_LOOS'],
    proc: [C.PT_LOPROC, C.PT_HIPROC, 'PT_LOPROC'],
  }, type);
}

const emNames = lazy(() => tableOf('EM_'));
const etNames = lazy(() => tableOf('ET_'));
const osabiNames = lazy(() => tableOf('ELFOSABI_'));
const sttNames = lazy(() => tableOf('STT_'));
const stbNames = lazy(() => tableOf('STB_'));
const stvNames = lazy(() => tableOf('STV_'));

export const machineName = (m: number) => nameIn([emNames()], 'EM_', {}, m);
export const fileTypeName = (t: number) =>
  nameIn([etNames()], 'ET_', { os: [0xfe00, 0xfeff, 'ET_LOOS'], proc: [0xff00, 0xffff, 'ET_LOPROC'] }, t);
export const osabiName = (o: number) => nameIn([osabiNames()], 'ELFOSABI_', {}, o);
export const symbolTypeName = (t: number) => nameIn([sttNames()], 'STT_', { os: [10, 12, 'STT_LOOS'], proc: [13, 15, 'STT_LOPROC'] }, t);
export const symbolBindName = (b: number) => nameIn([stbNames()], 'STB_', { os: [10, 12, 'STB_LOOS'], proc: [13, 15, 'STB_LOPROC'] }, b);
export const symbolVisibilityName = (v: number) => nameIn([stvNames()], 'STV_', {}, v);

/** The relocation-name prefix of an architecture (R_X86_64_, R_386_, …); x32 shares x86-64's numbers. */
const relocPrefix: ReadonlyMap<number, string> = new Map([
  [C.EM_X86_64, 'R_X86_64_'],
  [C.EM_386, 'R_386_'],
  [C.EM_AARCH64, 'R_AARCH64_'],
  [C.EM_ARM, 'R_ARM_'],
  [C.EM_S390, 'R_390_'],
  [C.EM_PPC, 'R_PPC_'],
  [C.EM_PPC64, 'R_PPC64_'],
  [C.EM_MIPS, 'R_MIPS_'],
  [C.EM_RISCV, 'R_RISCV_'],
  [C.EM_LOONGARCH, 'R_LARCH_'],
]);
const relocTables = new Map([...relocPrefix].map(([m, p]) => [m, lazy(() => tableOf(p))] as const));

export function relocTypeName(machine: number, type: number): string {
  const prefix = relocPrefix.get(machine) ?? `R_${machineName(machine).replace(/^EM_/, '')}_`;
  return nameIn([relocTables.get(machine)?.()], prefix, {}, type);
}

/** Names of the bits set in `value`, with leftover unknown bits as one hex value. */
function flagNames(prefix: string, value: number): string[] {
  const out: string[] = [];
  let rest = value >>> 0;
  for (const [name, bit] of Object.entries(C)) {
    if (!name.startsWith(prefix) || typeof bit !== 'number' || bit === 0) continue;
    if (/^DF_1_/.test(name) && prefix === 'DF_') continue;
    if ((rest & bit) === bit) {
      out.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) out.push(`${prefix}${hex(rest)}`);
  return out;
}
export const dynFlagNames = (v: number) => flagNames('DF_', v);
export const dynFlag1Names = (v: number) => flagNames('DF_1_', v);
export const segmentFlagNames = (v: number) => flagNames('PF_', v);
