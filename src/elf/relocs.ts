// Dynamic relocation tables from PT_DYNAMIC (DT_RELA, DT_REL, DT_JMPREL, DT_RELR), decoded on demand.
import * as C from './constants.js';
import type { Diagnostic } from './errors.js';
import { type ElfImage, addrToOffset, dynValue } from './image.js';
import { record, runParser, sword, table, u32, wideDec, wideHex, word } from './kit.js';
import { type Reloc, reloc } from './records.js';
import type { ByteSource } from './source.js';

export type RelocTableKind = 'rela' | 'rel' | 'jmprel' | 'relr';

export interface RelocTable {
  readonly kind: RelocTableKind;
  /** Virtual address and file offset of the table. */
  readonly addr: number;
  readonly offset: number;
  readonly entries: readonly Reloc[];
}

/** The IRELATIVE relocation types per architecture (glibc sysdeps/<arch>/dl-machine.h). */
export const IRELATIVE_TYPES: ReadonlyMap<number, readonly number[]> = new Map([
  [C.EM_X86_64, [C.R_X86_64_IRELATIVE]],
  [C.EM_386, [C.R_386_IRELATIVE]],
  [C.EM_AARCH64, [C.R_AARCH64_IRELATIVE, C.R_AARCH64_P32_IRELATIVE]],
  [C.EM_ARM, [C.R_ARM_IRELATIVE]],
  [C.EM_S390, [C.R_390_IRELATIVE]],
  [C.EM_PPC, [C.R_PPC_IRELATIVE]],
  [C.EM_PPC64, [C.R_PPC64_IRELATIVE, C.R_PPC64_JMP_IREL]],
  [C.EM_RISCV, [C.R_RISCV_IRELATIVE]],
  [C.EM_LOONGARCH, [C.R_LARCH_IRELATIVE]],
]);

interface Range { kind: RelocTableKind; addr: number; size: number; entsize: number }

/** The relocation ranges the loader processes, with DT_JMPREL cut out of a DT_RELA/DT_REL range that contains it (glibc dynamic-link.h). */
function ranges(image: ElfImage, diags: Diagnostic[]): Range[] {
  const is64 = image.header.class === 64;
  const out: Range[] = [];
  const get = (t: number) => dynValue(image, t);
  const rela = get(C.DT_RELA), rel = get(C.DT_REL), jmp = get(C.DT_JMPREL), relr = get(C.DT_RELR);
  const pltrel = get(C.DT_PLTREL) ?? (get(C.DT_RELA) !== undefined ? C.DT_RELA : C.DT_REL);
  const jmpSize = get(C.DT_PLTRELSZ) ?? 0;
  const trim = (addr: number, size: number) =>
    jmp !== undefined && jmpSize > 0 && jmp >= addr && jmp + jmpSize === addr + size ? size - jmpSize : size;
  if (rela) out.push({ kind: 'rela', addr: rela, size: trim(rela, get(C.DT_RELASZ) ?? 0), entsize: is64 ? 24 : 12 });
  if (rel) out.push({ kind: 'rel', addr: rel, size: trim(rel, get(C.DT_RELSZ) ?? 0), entsize: is64 ? 16 : 8 });
  if (jmp !== undefined && jmpSize > 0) {
    if (pltrel !== C.DT_RELA && pltrel !== C.DT_REL) {
      diags.push({ code: 'ELF_BAD_VALUE', structure: 'DT_PLTREL', message: `DT_PLTREL is ${pltrel}, neither DT_RELA nor DT_REL` });
    } else {
      out.push({ kind: 'jmprel', addr: jmp, size: jmpSize, entsize: pltrel === C.DT_RELA ? (is64 ? 24 : 12) : (is64 ? 16 : 8) });
    }
  }
  if (relr) out.push({ kind: 'relr', addr: relr, size: get(C.DT_RELRSZ) ?? 0, entsize: is64 ? 8 : 4 });
  return out;
}

/** Every dynamic relocation table. JMPREL entries keep their REL/RELA shape (r_addend null for REL). */
export function readRelocations(src: ByteSource, image: ElfImage, diags: Diagnostic[] = image.diagnostics): RelocTable[] {
  const layout = { is64: image.header.class === 64, le: image.header.endian === 'little' };
  const mips64 = layout.is64 && image.header.machine === C.EM_MIPS;
  const out: RelocTable[] = [];
  for (const r of ranges(image, diags)) {
    const structure = `DT_${r.kind.toUpperCase()}`;
    if (r.size === 0) continue;
    const offset = addrToOffset(image, r.addr, r.size);
    if (offset === null || !(offset + r.size <= src.size) || r.size % r.entsize !== 0) {
      diags.push({ code: 'ELF_BAD_COUNT', structure, message: `${structure}: ${wideDec(r.size)} bytes at ${wideHex(r.addr)} are not a whole table inside the file` });
      continue;
    }
    const n = r.size / r.entsize;
    const bytes = src.read(offset, r.size);
    if (r.kind === 'relr') {
      const words = runParser(table(n, relrWord(layout.is64)), bytes, layout, offset);
      if (words.ok) out.push({ kind: 'relr', addr: r.addr, offset, entries: decodeRelr(words.value, layout.is64 ? 8 : 4).map((a) => ({ r_offset: a, r_sym: 0, r_type: -1, r_addend: null })) });
      continue;
    }
    const withAddend = r.entsize === (layout.is64 ? 24 : 12);
    const parsed = runParser(table(n, reloc({ ...layout, base: 0 }, withAddend, mips64)), bytes, layout, offset);
    if (parsed.ok) out.push({ kind: r.kind, addr: r.addr, offset, entries: parsed.value });
    else diags.push(parsed.error);
  }
  return out;
}

/** A RELR word as exact 32-bit halves: bitmaps use bit 63, which a double cannot hold exactly. */
export type RelrWord = readonly [lo: number, hi: number];
const relrWord = (is64: boolean) =>
  record(is64 ? 'Elf64_Relr' : 'Elf32_Relr', is64 ? 8 : 4, (v, at, l): RelrWord =>
    !is64 ? [u32(v, at, l), 0] : l.le ? [u32(v, at, l), u32(v, at + 4, l)] : [u32(v, at + 4, l), u32(v, at, l)]);

/** DT_RELR: even words are addresses, odd words bitmaps of the following (8·w − 1) words (glibc ELF_DYNAMIC_DO_RELR). */
export function decodeRelr(words: readonly RelrWord[], wordSize: number): number[] {
  const out: number[] = [];
  const bits = 8 * wordSize - 1;
  let next = 0;
  for (const [lo, hi] of words) {
    if ((lo & 1) === 0) {
      next = hi * 0x100000000 + lo;
      out.push(next);
      next += wordSize;
      continue;
    }
    for (let k = 1; k <= bits; k++) {
      const bit = k < 32 ? (lo >>> k) & 1 : (hi >>> (k - 32)) & 1;
      if (bit) out.push(next + (k - 1) * wordSize);
    }
    next += bits * wordSize;
  }
  return out;
}

/**
 * Visits every REL/RELA/JMPREL entry without building an object per entry: the loader's stages need only
 * a few of a large library's tens of thousands of relative relocations. `r_addend` is null for REL.
 */
export function scanRelocations(src: ByteSource, image: ElfImage,
  visit: (kind: RelocTableKind, r_offset: number, r_sym: number, r_type: number, r_addend: number | null) => void,
  diags: Diagnostic[] = image.diagnostics, opts: { skipRelativePrefix?: boolean } = {}): void {
  const is64 = image.header.class === 64, le = image.header.endian === 'little';
  const l = { is64, le, base: 0 };
  const mips64 = is64 && image.header.machine === C.EM_MIPS;
  for (const r of ranges(image, diags)) {
    if (r.kind === 'relr' || r.size === 0) continue;
    const offset = addrToOffset(image, r.addr, r.size);
    if (offset === null || !(offset + r.size <= src.size) || r.size % r.entsize !== 0) continue;
    const rela = r.entsize === (is64 ? 24 : 12);
    // glibc's elf_dynamic_do_Rel applies the first DT_RELACOUNT/DT_RELCOUNT entries as relative, without a
    // symbol (x86 asserts their type: loader/verify.ts); callers that only care about the others skip them.
    const skip = opts.skipRelativePrefix && r.kind !== 'jmprel' ? Math.min(relativeCount(image, r.kind), r.size / r.entsize) : 0;
    const bytes = src.read(offset + skip * r.entsize, r.size - skip * r.entsize);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // The same field layout as records.reloc, read in place.
    for (let at = 0; at + r.entsize <= bytes.length; at += r.entsize) {
      let sym: number, type: number;
      if (!is64) {
        const info = v.getUint32(at + 4, le);
        sym = info >>> 8;
        type = info & 0xff;
      } else if (mips64) {
        sym = v.getUint32(at + 8, le);
        type = v.getUint8(at + 15);
      } else {
        sym = v.getUint32(le ? at + 12 : at + 8, le);
        type = v.getUint32(le ? at + 8 : at + 12, le);
      }
      visit(r.kind, word(v, at, l), sym, type, rela ? sword(v, at + 2 * (is64 ? 8 : 4), l) : null);
    }
  }
}

const relativeCount = (image: ElfImage, kind: RelocTableKind) => dynValue(image, kind === 'rela' ? C.DT_RELACOUNT : C.DT_RELCOUNT) ?? 0;

/**
 * The addends of the relative relocations (the DT_RELACOUNT prefix of DT_RELA, sorted by address as
 * the linker writes it) that fill the given addresses, found by binary search; unsorted tables or
 * addresses not found simply give no entry.
 */
export function relativeAddendsAt(src: ByteSource, image: ElfImage, addresses: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  const at = dynValue(image, C.DT_RELA);
  const n = Math.min(relativeCount(image, 'rela'), Math.floor((dynValue(image, C.DT_RELASZ) ?? 0) / (image.header.class === 64 ? 24 : 12)));
  if (at === undefined || n === 0 || addresses.length === 0) return out;
  const is64 = image.header.class === 64;
  const l = { is64, le: image.header.endian === 'little', base: 0 };
  const size = is64 ? 24 : 12;
  const offset = addrToOffset(image, at, n * size);
  if (offset === null || !(offset + n * size <= src.size)) return out;
  // A small table in one read (each probe would be a system call); a large one probed entry by entry (a
  // whole libcrypto prefix is most of a megabyte for the two or three slots asked about).
  const whole = n * size <= 64 << 10 ? src.read(offset, n * size) : null;
  const wholeView = whole ? new DataView(whole.buffer, whole.byteOffset, whole.byteLength) : null;
  const entry = (i: number) => {
    let v = wholeView;
    let at = i * size;
    if (!v) {
      const b = src.read(offset + i * size, size);
      v = new DataView(b.buffer, b.byteOffset, b.byteLength);
      at = 0;
    }
    return { r_offset: word(v, at, l), r_addend: sword(v, at + 2 * (is64 ? 8 : 4), l) };
  };
  for (const want of addresses) {
    let lo = 0, hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = entry(mid);
      if (e.r_offset === want) {
        out.set(want, e.r_addend);
        break;
      }
      if (e.r_offset < want) lo = mid + 1;
      else hi = mid - 1;
    }
  }
  return out;
}
