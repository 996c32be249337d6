// The dynamic symbol table: its size from the hash tables (there is no DT_SYMTAB size), symbols, and versions.
import * as C from './constants.js';
import type { Diagnostic } from './errors.js';
import { type ElfImage, addrToOffset, dynValue } from './image.js';
import { type Layout, type Rec, decodeOne, runParser, table, wideDec, wideHex } from './kit.js';
import { sym, u16rec, u32rec, verdaux, verdef, vernaux, verneed } from './records.js';
import type { ByteSource } from './source.js';
import { StringTable } from './strings.js';

export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: number;
  readonly size: number;
  readonly type: number;
  readonly bind: number;
  readonly visibility: number;
  readonly shndx: number;
}

const layoutOf = (image: ElfImage): Omit<Layout, 'base'> => ({ is64: image.header.class === 64, le: image.header.endian === 'little' });

/** `length` bytes at virtual address `addr`, or null with a diagnostic. */
export function bytesAt(src: ByteSource, image: ElfImage, addr: number, length: number, structure: string, diags: Diagnostic[]): { bytes: Uint8Array; offset: number } | null {
  const offset = addrToOffset(image, addr, Math.max(1, length));
  if (offset === null || !(offset + length <= src.size)) {
    diags.push({ code: 'ELF_TRUNCATED', structure, message: `${structure}: ${wideDec(length)} bytes at address ${wideHex(addr)} are not inside the file part of any PT_LOAD` });
    return null;
  }
  return { bytes: src.read(offset, length), offset };
}

/**
 * Number of dynamic symbols, as musl's count_syms and readelf derive it: DT_MIPS_SYMTABNO on MIPS,
 * else the GNU hash chains (preferred by glibc), else DT_HASH's nchain (64-bit words on s390x and alpha).
 */
export function dynamicSymbolCount(src: ByteSource, image: ElfImage, diags: Diagnostic[] = image.diagnostics): number {
  const layout = layoutOf(image);
  const mipsCount = image.header.machine === C.EM_MIPS ? dynValue(image, C.DT_MIPS_SYMTABNO) : undefined;
  if (mipsCount !== undefined) return mipsCount;
  const gnu = dynValue(image, C.DT_GNU_HASH);
  if (gnu !== undefined) {
    const n = gnuHashCount(src, image, layout, gnu, diags);
    if (n !== null) return n;
  }
  const sysv = dynValue(image, C.DT_HASH);
  if (sysv !== undefined) {
    const wide = layout.is64 && (image.header.machine === C.EM_S390 || image.header.machine === C.EM_ALPHA);
    const w = wide ? 8 : 4;
    const hdr = bytesAt(src, image, sysv, 2 * w, 'DT_HASH', diags);
    if (hdr) {
      const v = new DataView(hdr.bytes.buffer, hdr.bytes.byteOffset, hdr.bytes.byteLength);
      // nchain: the second word. A 64-bit count above 2^32 cannot be real in a file of this size.
      return wide ? (v.getUint32(layout.le ? 12 : 8, layout.le) === 0 ? v.getUint32(layout.le ? 8 : 12, layout.le) : 0)
        : v.getUint32(4, layout.le);
    }
  }
  if (image.dynamic && dynValue(image, C.DT_SYMTAB) !== undefined && gnu === undefined && sysv === undefined) {
    diags.push({ code: 'ELF_BAD_VALUE', structure: 'DT_SYMTAB', message: 'no DT_GNU_HASH or DT_HASH: the loader sees no symbols in this object' });
  }
  return 0;
}

function gnuHashCount(src: ByteSource, image: ElfImage, layout: Omit<Layout, 'base'>, addr: number, diags: Diagnostic[]): number | null {
  const hdr = bytesAt(src, image, addr, 16, 'DT_GNU_HASH', diags);
  if (!hdr) return null;
  const hv = new DataView(hdr.bytes.buffer, hdr.bytes.byteOffset, 16);
  const nbuckets = hv.getUint32(0, layout.le);
  const symoffset = hv.getUint32(4, layout.le);
  const bloomSize = hv.getUint32(8, layout.le);
  const bucketsAt = hdr.offset + 16 + bloomSize * (layout.is64 ? 8 : 4);
  if (!(bucketsAt + nbuckets * 4 <= src.size)) {
    diags.push({ code: 'ELF_BAD_COUNT', structure: 'DT_GNU_HASH.nbuckets', offset: hdr.offset, message: `GNU hash table (${nbuckets} buckets, ${bloomSize} bloom words) runs past the end of the file` });
    return null;
  }
  const buckets = runParser(table(nbuckets, u32rec), src.read(bucketsAt, nbuckets * 4), layout, bucketsAt);
  if (!buckets.ok) return null;
  let max = 0;
  for (const b of buckets.value) if (b > max) max = b;
  if (max === 0) return symoffset;
  if (max < symoffset) {
    diags.push({ code: 'ELF_BAD_VALUE', structure: 'DT_GNU_HASH', offset: hdr.offset, message: `GNU hash bucket ${max} is below symoffset ${symoffset}` });
    return null;
  }
  const chainAt = bucketsAt + nbuckets * 4;
  const end = gnuChainEnd(src, chainAt + (max - symoffset) * 4, layout.le);
  if (!(end + 4 <= src.size)) {
    diags.push({ code: 'ELF_TRUNCATED', structure: 'DT_GNU_HASH.chain', offset: end, message: 'GNU hash chain runs past the end of the file' });
    return null;
  }
  return symoffset + (end - chainAt) / 4 + 1;
}

/**
 * File offset of the first GNU hash chain word at or after `from` with its low bit set (a chain's end),
 * read in bounded chunks; if the file ends first, the offset where no whole word is left.
 */
export function gnuChainEnd(src: ByteSource, from: number, le: boolean): number {
  let at = from;
  for (;;) {
    const chunk = src.read(at, Math.max(0, Math.min(4096, src.size - at)) & ~3);
    if (chunk.length === 0) return at;
    const v = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let k = 0; k < chunk.length; k += 4, at += 4) if (v.getUint32(k, le) & 1) return at;
  }
}

/**
 * All dynamic symbols, named through DT_STRTAB; symbol 0 included. The hash tables count only what they
 * hash (an executable that exports nothing has GNU hash symoffset 1), so `referenced` — one past the
 * highest symbol index any relocation uses — extends the count to every symbol the loader will look at.
 */
export function readDynamicSymbols(src: ByteSource, image: ElfImage, referenced = 0, diags: Diagnostic[] = image.diagnostics): ElfSymbol[] {
  const symtab = dynValue(image, C.DT_SYMTAB);
  if (symtab === undefined) return [];
  const count = Math.max(dynamicSymbolCount(src, image, diags), referenced);
  if (count === 0) return [];
  const layout = layoutOf(image);
  const rec = sym({ ...layout, base: 0 });
  const offset = addrToOffset(image, symtab);
  if (offset === null || !(offset + count * rec.size <= src.size)) {
    diags.push({ code: 'ELF_BAD_COUNT', structure: `${rec.structure}[${count}]`, ...(offset === null ? {} : { offset }),
      message: `${count} dynamic symbols at ${wideHex(symtab)} do not fit in the file` });
    return [];
  }
  const raw = runParser(table(count, rec), src.read(offset, count * rec.size), layout, offset);
  if (!raw.ok) {
    diags.push(raw.error);
    return [];
  }
  const strings = StringTable.fromDynamic(src, { ...image, diagnostics: [] }, true);
  let badNames = 0;
  const out = raw.value.map((s, index) => {
    const n = s.st_name === 0 ? { text: '' } : strings?.lookup(s.st_name);
    if (!n) badNames++;
    return {
      index, name: n?.text ?? '', value: s.st_value, size: s.st_size,
      type: s.st_info & 0xf, bind: s.st_info >> 4, visibility: s.st_other & 0x3, shndx: s.st_shndx,
    };
  });
  if (badNames) {
    diags.push({ code: 'ELF_BAD_VALUE', structure: `${rec.structure}.st_name`, offset, message: `${badNames} dynamic symbol names point outside DT_STRTAB` });
  }
  return out;
}

export interface VersionNeed {
  /** vn_version (glibc accepts only 1). */
  readonly version: number;
  readonly file: string;
  readonly versions: ReadonlyArray<{ name: string; hash: number; flags: number; index: number; hidden: boolean }>;
}
export interface VersionDef {
  /** vd_version (glibc accepts only 1). */
  readonly version: number;
  readonly index: number;
  readonly flags: number;
  readonly hash: number;
  /** The version's name first, then the names of its parents. */
  readonly names: readonly string[];
}
export interface SymbolVersions {
  /** DT_VERSYM: one entry per dynamic symbol, or null when absent. */
  readonly versym: readonly number[] | null;
  readonly needs: readonly VersionNeed[];
  readonly defs: readonly VersionDef[];
}

/**
 * DT_VERSYM, DT_VERNEED and DT_VERDEF, walked as glibc's _dl_check_map_versions and match_symbol walk them:
 * by vn_next, vna_next and vd_next until a zero, whatever DT_VERNEEDNUM, DT_VERDEFNUM and vn_cnt say; a
 * Verdef's first Verdaux is its name even when vd_cnt is 0 (the rest, its parents, are vd_cnt long).
 */
export function readSymbolVersions(src: ByteSource, image: ElfImage, symbolCount: number, diags: Diagnostic[] = image.diagnostics): SymbolVersions {
  const layout = layoutOf(image);
  const strings = StringTable.fromDynamic(src, { ...image, diagnostics: [] });
  const name = (i: number) => strings?.lookup(i)?.text ?? '';

  let versym: number[] | null = null;
  const vs = dynValue(image, C.DT_VERSYM);
  if (vs !== undefined && symbolCount > 0) {
    const b = bytesAt(src, image, vs, symbolCount * 2, 'DT_VERSYM', diags);
    if (b) {
      const r = runParser(table(symbolCount, u16rec), b.bytes, layout, b.offset);
      if (r.ok) versym = r.value;
    }
  }

  const needs: VersionNeed[] = [];
  walkTable(src, image, dynValue(image, C.DT_VERNEED), verneed, 'DT_VERNEED', diags, (vn, at) => {
    const versions: Array<VersionNeed['versions'][number]> = [];
    walk(src, image, at + vn.vn_aux, vernaux, 'Vernaux', diags, (v) => {
      versions.push({ name: name(v.vna_name), hash: v.vna_hash, flags: v.vna_flags, index: v.vna_other & 0x7fff, hidden: (v.vna_other & C.VERSYM_HIDDEN) !== 0 });
      return v.vna_next;
    });
    needs.push({ version: vn.vn_version, file: name(vn.vn_file), versions });
    return vn.vn_next;
  });

  const defs: VersionDef[] = [];
  walkTable(src, image, dynValue(image, C.DT_VERDEF), verdef, 'DT_VERDEF', diags, (vd, at) => {
    const names: string[] = [];
    let aux = at + vd.vd_aux;
    for (let k = 0; (k === 0 || k < vd.vd_cnt) && aux + 8 <= src.size; k++) {
      const a = decodeOne(verdaux, src.read(aux, 8), layout, aux);
      if (!a) break;
      names.push(name(a.vda_name));
      if (a.vda_next === 0) break;
      aux += a.vda_next;
    }
    defs.push({ version: vd.vd_version, index: vd.vd_ndx, flags: vd.vd_flags, hash: vd.vd_hash, names });
    return vd.vd_next;
  });

  return { versym, needs, defs };
}

/** DT_VERNEED and DT_VERDEF alone (what the loader's version check reads), or null when the object has neither. */
export function readVersionTables(src: ByteSource, image: ElfImage): SymbolVersions | null {
  if (dynValue(image, C.DT_VERNEED) === undefined && dynValue(image, C.DT_VERDEF) === undefined) return null;
  return readSymbolVersions(src, image, 0, []);
}

/** walk() from the table at virtual address `addr`, when the object has one. */
function walkTable<T>(src: ByteSource, image: ElfImage, addr: number | undefined, rec: Rec<T>, structure: string, diags: Diagnostic[],
  visit: (r: T, at: number) => number): void {
  if (addr === undefined) return;
  const at = addrToOffset(image, addr, rec.size);
  if (at === null) diags.push({ code: 'ELF_BAD_VALUE', structure, message: `${structure} ${wideHex(addr)} is not inside the file part of any PT_LOAD` });
  else walk(src, image, at, rec, structure, diags, visit);
}

/**
 * Walk a vn_next/vd_next/vna_next list from file offset `at` until a zero next, as glibc does (a next
 * only goes forward: the walk ends); a 65,536th entry ends it with a diagnostic (a hostile list of
 * millions would cost as much memory).
 */
function walk<T>(src: ByteSource, image: ElfImage, at: number, rec: Rec<T>, structure: string, diags: Diagnostic[],
  visit: (r: T, at: number) => number): void {
  const layout = layoutOf(image);
  for (let k = 0; ; k++) {
    if (k === 0x10000) {
      diags.push({ code: 'ELF_BAD_COUNT', structure, message: `the ${structure} list has more than 65536 entries: the rest are not read` });
      return;
    }
    if (!(at + rec.size <= src.size)) {
      diags.push({ code: 'ELF_TRUNCATED', structure: `${structure}[${k}]`, offset: at, message: `${structure} entry ${k} runs past the end of the file` });
      return;
    }
    const r = decodeOne(rec, src.read(at, rec.size), layout, at);
    if (!r) return;
    const next = visit(r, at);
    if (next === 0) return;
    at += next;
  }
}
