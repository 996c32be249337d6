// The dynamic symbol table as the loader uses it: symbols read in place from one buffer, names compared
// as bytes and decoded only when asked, and lookup by name through DT_GNU_HASH (bloom filter, bucket,
// chain) or DT_HASH, exactly as glibc's do_lookup_x walks them. No per-symbol objects.
import * as C from './constants.js';
import { type ElfImage, addrToOffset, dynValue } from './image.js';
import { type Layout, u64, wordsInPlace } from './kit.js';
import { decodeUtf8 } from './utf8.js';
import type { ByteSource } from './source.js';
import { StringTable } from './strings.js';
import { dynamicSymbolCount, gnuChainEnd } from './symbols.js';

const enc = new TextEncoder();

/** glibc _dl_new_hash (GNU) and _dl_elf_hash (SysV). */
export function gnuHash(name: Uint8Array): number {
  let h = 5381;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 33) + name[i]!) >>> 0;
  return h;
}
export function elfHash(name: Uint8Array): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) {
    h = ((h << 4) + name[i]!) >>> 0;
    const g = h & 0xf0000000;
    if (g) h ^= g >>> 24;
    h &= ~g >>> 0;
  }
  return h >>> 0;
}

/** A set of names held as bytes, for testing many in-place names without decoding or hashing them. */
export class NameSet {
  private readonly byLength = new Map<number, Uint8Array[]>();
  /** Marks the heads (first bytes, up to three, fewer for a shorter name) of the names: most names are rejected by theirs. */
  private readonly heads = new Uint8Array(1 << 16);
  add(name: Uint8Array): void {
    const list = this.byLength.get(name.length);
    if (!list) this.byLength.set(name.length, [name]);
    else if (!list.some((x) => sameBytes(x, name))) list.push(name);
    this.heads[headOf(name, 0, name.length)] = 1;
  }
  has(name: Uint8Array): boolean {
    return this.hasIn(name, 0, name.length);
  }
  /** Whether the NUL-terminated name at bytes[start] (ending at bytes.length at the latest) may be in the set: false means it is not. */
  mayHaveAt(bytes: Uint8Array, start: number): boolean {
    return this.heads[headOf(bytes, start, bytes.length)] === 1;
  }
  /** Whether bytes[start, end) is one of the names, compared in place. */
  hasIn(bytes: Uint8Array, start: number, end: number): boolean {
    const list = this.byLength.get(end - start);
    if (list) {
      for (let i = 0; i < list.length; i++) {
        const x = list[i]!;
        let k = 0;
        while (k < x.length && x[k] === bytes[start + k]) k++;
        if (k === x.length) return true;
      }
    }
    return false;
  }
}
/** A 16-bit digest of a name's first bytes (up to three, stopping at a NUL or at `end`). */
function headOf(bytes: Uint8Array, start: number, end: number): number {
  let h = 0;
  for (let k = start; k < start + 3 && k < end && bytes[k] !== 0; k++) h = (h * 31 + bytes[k]!) & 0xffff;
  return h;
}
const sameBytes = (a: Uint8Array, b: Uint8Array) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** A name to look up, hashed once for every object it is looked up in. */
export class LookupKey {
  private elf: number | undefined;
  readonly gnu: number;
  constructor(readonly bytes: Uint8Array) {
    this.gnu = gnuHash(bytes);
  }
  static of(name: string): LookupKey {
    return new LookupKey(enc.encode(name));
  }
  get sysv(): number {
    return (this.elf ??= elfHash(this.bytes));
  }
}

/**
 * The GNU table as 32-bit words in this machine's order (views of the file's bytes where they line up, else
 * copies): a lookup indexes them directly. A 64-bit bloom word is two entries, its low half first.
 */
interface GnuTable { nbuckets: number; symoffset: number; bloomWords: number; shift: number; bloom: Uint32Array; buckets: Uint32Array; chain: Uint32Array }
interface SysvTable { nbucket: number; nchain: number; words: DataView; wide: boolean }

export class DynamicSymbols {
  private readonly names = new Map<number, string>();
  private readonly layout: Layout;

  private constructor(
    readonly count: number,
    private readonly v: DataView,
    private readonly is64: boolean,
    private readonly le: boolean,
    private readonly strtab: Uint8Array,
    private readonly gnu: GnuTable | null,
    private readonly sysv: SysvTable | null,
    private readonly mips: boolean,
  ) {
    this.layout = { le, is64, base: 0 };
  }

  /** `referenced`: one past the highest symbol index a relocation uses (the hash tables may count fewer). */
  static read(src: ByteSource, image: ElfImage, referenced = 0): DynamicSymbols | null {
    const symtab = dynValue(image, C.DT_SYMTAB);
    if (symtab === undefined) return null;
    const is64 = image.header.class === 64;
    const le = image.header.endian === 'little';
    const size = is64 ? 24 : 16;
    // The GNU table, read once, also gives the symbol count (its chains end at the last symbol). With one,
    // _dl_setup_hash never looks at DT_HASH, even when the GNU table is unusable (then nothing is found).
    const gnuAt = gnuTableAt(image);
    const gnu = readGnu(src, image, is64, le);
    const count = Math.max(gnu?.count ?? dynamicSymbolCount(src, image, []), referenced);
    const off = addrToOffset(image, symtab, Math.max(1, count * size));
    if (off === null || !(off + count * size <= src.size)) return null;
    const bytes = src.read(off, count * size);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const strings = StringTable.fromDynamic(src, { ...image, diagnostics: [] });
    // Names as ld.so reads them, past DT_STRSZ too (st_name is each symbol's first word).
    let names = 0;
    for (let i = 1; i < count; i++) names = Math.max(names, v.getUint32(i * size, le) + 1);
    // A plain Uint8Array, not a Buffer: a name's end is then found by the built-in TypedArray indexOf, and a
    // view of it made without Buffer's own constructor (both per reference bound).
    const strtab = strings?.covering(names) ?? new Uint8Array(0);
    return new DynamicSymbols(count, v, is64, le, new Uint8Array(strtab.buffer, strtab.byteOffset, strtab.byteLength), gnu, gnuAt === undefined ? readSysv(src, image, is64, le) : null, image.header.machine === C.EM_MIPS);
  }

  private at(i: number) { return i * (this.is64 ? 24 : 16); }
  nameOffset(i: number): number { return this.v.getUint32(this.at(i), this.le); }
  info(i: number): number { return this.v.getUint8(this.at(i) + (this.is64 ? 4 : 12)); }
  type(i: number): number { return this.info(i) & 0xf; }
  bind(i: number): number { return this.info(i) >> 4; }
  other(i: number): number { return this.v.getUint8(this.at(i) + (this.is64 ? 5 : 13)); }
  visibility(i: number): number { return this.other(i) & 3; }
  shndx(i: number): number { return this.v.getUint16(this.at(i) + (this.is64 ? 6 : 14), this.le); }
  value(i: number): number {
    const a = this.at(i);
    if (!this.is64) return this.v.getUint32(a + 4, this.le);
    return u64(this.v, a + 8, this.layout);
  }

  /**
   * check_match's first tests of a symbol a lookup reaches (elf/dl-lookup.c, and dl-lookup-direct.c's for
   * one object): it has a value, or is SHN_ABS or TLS; elf_machine_sym_no_match lets it match (on MIPS an
   * undefined symbol only with STO_MIPS_PLT: its value is then the canonical PLT entry, otherwise a lazy
   * binding stub); and it is code or data (STT_NOTYPE, OBJECT, FUNC, COMMON, TLS, GNU_IFUNC).
   */
  matchable(i: number): boolean {
    const shndx = this.shndx(i), type = this.type(i);
    if (this.value(i) === 0 && shndx !== C.SHN_ABS && type !== C.STT_TLS) return false;
    if (this.mips && shndx === C.SHN_UNDEF && (this.other(i) & C.STO_MIPS_PLT) === 0) return false;
    return MATCHABLE_TYPES[type] === 1;
  }

  /** How many defined symbols other objects can bind to (global or weak, default or protected visibility) there are of each type, by STT_ value: one pass over the table in place. */
  exportedTypes(): Uint32Array {
    const out = new Uint32Array(16);
    const size = this.is64 ? 24 : 16, infoAt = this.is64 ? 4 : 12, shndxAt = this.is64 ? 6 : 14;
    for (let a = size; a < this.count * size; a += size) {
      if (this.v.getUint16(a + shndxAt, this.le) === C.SHN_UNDEF) continue;
      const info = this.v.getUint8(a + infoAt), vis = this.v.getUint8(a + infoAt + 1) & 3;
      if (info >> 4 !== C.STB_LOCAL && vis !== C.STV_HIDDEN && vis !== C.STV_INTERNAL) out[info & 0xf]!++;
    }
    return out;
  }

  /** For each address, the first defined function (STT_FUNC or STT_GNU_IFUNC) there, in one pass. */
  functionsAt(addresses: ReadonlySet<number>): Map<number, number> {
    const out = new Map<number, number>();
    const lows = lowWords(addresses);
    const size = this.is64 ? 24 : 16;
    const lowAt = this.is64 ? (this.le ? 8 : 12) : 4;
    for (let i = 1; i < this.count && out.size < addresses.size; i++) {
      if (lows !== null && !lows.has(this.v.getUint32(i * size + lowAt, this.le))) continue;
      const t = this.type(i);
      if ((t !== C.STT_FUNC && t !== C.STT_GNU_IFUNC) || this.shndx(i) === C.SHN_UNDEF) continue;
      const v = this.value(i);
      if (addresses.has(v) && !out.has(v)) out.set(v, i);
    }
    return out;
  }

  /** The name's bytes, in place (no copy, no decoding). */
  nameBytes(i: number): Uint8Array {
    const start = this.nameOffset(i);
    if (start >= this.strtab.length) return new Uint8Array(0);
    let end = this.strtab.indexOf(0, start);
    if (end < 0) end = this.strtab.length;
    return this.strtab.subarray(start, end);
  }

  /** Whether symbol i's name is in `set`, without making a view of it. */
  nameIn(set: NameSet, i: number): boolean {
    const start = this.nameOffset(i);
    if (start >= this.strtab.length) return set.hasIn(this.strtab, 0, 0);
    if (!set.mayHaveAt(this.strtab, start)) return false;
    let end = this.strtab.indexOf(0, start);
    if (end < 0) end = this.strtab.length;
    return set.hasIn(this.strtab, start, end);
  }

  name(i: number): string {
    let n = this.names.get(i);
    if (n === undefined) {
      n = decodeUtf8(this.nameBytes(i));
      this.names.set(i, n);
    }
    return n;
  }

  private nameIs(i: number, want: Uint8Array): boolean {
    const s = this.nameOffset(i);
    if (s + want.length >= this.strtab.length) return false;
    for (let k = 0; k < want.length; k++) if (this.strtab[s + k] !== want[k]) return false;
    return this.strtab[s + want.length] === 0;
  }

  /**
   * The first position in `scope` from `from` on whose table may define `key` (its GNU bloom filter lets the
   * name pass, or it has only DT_HASH), else scope.length: a lookup passes most objects of a scope by, and
   * here that costs one call per object (calls are what costs in V8's baseline tier).
   */
  static nextCandidate(scope: ReadonlyArray<DynamicSymbols | null>, key: LookupKey, from: number): number {
    const h = key.gnu;
    for (let k = from; k < scope.length; k++) {
      const s = scope[k];
      if (s && (s.gnu ? s.bloomPasses(s.gnu, h) : s.sysv !== null)) return k;
    }
    return scope.length;
  }

  /**
   * do_lookup_x's bloom test: word (hash / ELF_NATIVE_CLASS) & l_gnu_bitmask_idxbits, bits hash and hash >>
   * l_gnu_shift (a shift of 32 or more is undefined in C; x86-64's ld.so takes it mod 32, as >>> does: a test
   * holds it).
   */
  private bloomPasses(t: GnuTable, h: number): boolean {
    const bloom = t.bloom;
    if (this.is64) {
      const w = 2 * ((h >>> 6) & (t.bloomWords - 1)), a = h & 63, b = (h >>> t.shift) & 63;
      return ((a < 32 ? bloom[w]! >>> a : bloom[w + 1]! >>> (a - 32)) & (b < 32 ? bloom[w]! >>> b : bloom[w + 1]! >>> (b - 32)) & 1) === 1;
    }
    const word = bloom[(h >>> 5) & (t.bloomWords - 1)]!;
    return ((word >>> (h & 31)) & (word >>> ((h >>> t.shift) & 31)) & 1) === 1;
  }

  /** Indices of the symbols named `key` that the loader can reach through the hash table, in chain order. */
  lookup(key: LookupKey): readonly number[] {
    const want = key.bytes;
    let out: number[] | null = null;
    if (this.gnu) {
      const t = this.gnu;
      const h = key.gnu;
      // The bloom filter rejects most names an object does not define (most lookups): no allocation there.
      if (!this.bloomPasses(t, h)) return NONE;
      let i = t.buckets[h % t.nbuckets]!;
      if (i === 0 || i < t.symoffset) return NONE;
      const chain = t.chain;
      for (; i - t.symoffset < chain.length && i < this.count; i++) {
        const ch = chain[i - t.symoffset]!;
        if (((ch ^ h) >>> 1) === 0 && this.nameIs(i, want)) (out ??= []).push(i);
        if (ch & 1) break;
      }
      return out ?? NONE;
    }
    if (this.sysv) {
      const t = this.sysv;
      let i = sysvWord(t, 2 + (key.sysv % t.nbucket), this.le);
      // A chain that loops is reported by sysvChainLoop; here it ends after nchain steps.
      for (let steps = 0; i !== 0 && i < t.nchain && i < this.count && steps < t.nchain; steps++) {
        if (this.nameIs(i, want)) (out ??= []).push(i);
        i = sysvWord(t, 2 + t.nbucket + i, this.le);
      }
    }
    return out ?? NONE;
  }
}

const NONE: readonly number[] = Object.freeze([]);

/** By STT_ value: the types check_match's ALLOWED_STT accepts. */
const MATCHABLE_TYPES = new Uint8Array(16);
for (const t of [C.STT_NOTYPE, C.STT_OBJECT, C.STT_FUNC, C.STT_COMMON, C.STT_TLS, C.STT_GNU_IFUNC]) MATCHABLE_TYPES[t] = 1;

/**
 * The low 32 bits of each address, to pass over most symbols without decoding their value; null when an
 * address is wider than a double holds exactly (then every value is decoded and compared).
 */
export function lowWords(addresses: ReadonlySet<number>): Set<number> | null {
  const lows = new Set<number>();
  for (const a of addresses) {
    if (!(a <= Number.MAX_SAFE_INTEGER)) return null;
    lows.add(a % 0x100000000);
  }
  return lows;
}

/**
 * Where the table _dl_setup_hash prefers to DT_HASH is: DT_GNU_HASH, except on MIPS, where glibc takes
 * DT_MIPS_XHASH's entry instead and ignores DT_GNU_HASH (XHASH lookups are not modelled: DT_HASH, which
 * indexes the same symbols, is searched there).
 */
const gnuTableAt = (image: ElfImage) => (image.header.machine === C.EM_MIPS ? undefined : dynValue(image, C.DT_GNU_HASH));

/** The GNU hash table's header words as _dl_setup_hash reads them, and their file offset; null without the table or when they cannot be read. */
export function gnuHashHeader(src: ByteSource, image: ElfImage): { nbuckets: number; symoffset: number; bloomWords: number; shift: number; offset: number } | null {
  const addr = gnuTableAt(image);
  const off = addr === undefined ? null : addrToOffset(image, addr, 16);
  if (off === null || off + 16 > src.size) return null;
  const le = image.header.endian === 'little';
  const b = src.read(off, 16);
  const hv = new DataView(b.buffer, b.byteOffset, 16);
  return { nbuckets: hv.getUint32(0, le), symoffset: hv.getUint32(4, le), bloomWords: hv.getUint32(8, le), shift: hv.getUint32(12, le), offset: off };
}

function readGnu(src: ByteSource, image: ElfImage, is64: boolean, le: boolean): (GnuTable & { count: number }) | null {
  const header = gnuHashHeader(src, image);
  if (!header) return null;
  const { nbuckets, symoffset, bloomWords, shift, offset: off } = header;
  const bloomSize = bloomWords * (is64 ? 8 : 4);
  const chainAt = off + 16 + bloomSize + nbuckets * 4;
  // No buckets: do_lookup_x passes the object by. No bloom words: ld.so's lookups read outside the table
  // (the loader reports it, loader/verify.ts); nothing is found here.
  if (nbuckets === 0 || bloomWords === 0 || !(chainAt <= src.size)) return null;
  const head = src.read(off + 16, bloomSize + nbuckets * 4);
  const buckets = words(head.subarray(bloomSize), le);
  let max = 0;
  for (let i = 0; i < nbuckets; i++) max = Math.max(max, buckets[i]!);
  // The last chain ends at the last symbol (its low bit set): read the chain up to there.
  let n = 0;
  if (max >= symoffset) {
    const end = gnuChainEnd(src, chainAt + (max - symoffset) * 4, le);
    if (!(end + 4 <= src.size)) return null;
    n = (end - chainAt) / 4 + 1;
  }
  let bloom = words(head.subarray(0, bloomSize), le);
  if (is64 && !le) {
    // A big-endian 64-bit word has its high half first: the low one is put first (in a copy: a view is the file's bytes).
    const lowFirst = new Uint32Array(bloom.length);
    for (let k = 0; k < bloom.length; k += 2) [lowFirst[k], lowFirst[k + 1]] = [bloom[k + 1]!, bloom[k]!];
    bloom = lowFirst;
  }
  return { nbuckets, symoffset, bloomWords, shift, count: max === 0 ? symoffset : symoffset + n, bloom, buckets, chain: words(src.read(chainAt, n * 4), le) };
}

/** The bytes as 32-bit words of the file's byte order: a view when they line up with this machine's, else a copy. */
function words(b: Uint8Array, le: boolean): Uint32Array {
  const inPlace = wordsInPlace(b, le);
  if (inPlace) return inPlace;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Uint32Array(b.byteLength >>> 2);
  for (let k = 0; k < out.length; k++) out[k] = v.getUint32(k * 4, le);
  return out;
}

/** Word k of a DT_HASH table (nbucket, nchain, buckets, chains): 64 bits wide on s390x and Alpha. */
const sysvWord = (t: SysvTable, k: number, le: boolean) => (t.wide ? t.words.getUint32(k * 8 + (le ? 0 : 4), le) : t.words.getUint32(k * 4, le));

/**
 * The first DT_HASH bucket whose chain comes back on itself, or null. do_lookup_x follows a chain until
 * index 0, without a bound: a lookup that walks such a chain never returns. (With a GNU table DT_HASH is
 * never read.)
 */
export function sysvChainLoop(src: ByteSource, image: ElfImage): number | null {
  if (gnuTableAt(image) !== undefined) return null;
  const le = image.header.endian === 'little';
  const t = readSysv(src, image, image.header.class === 64, le);
  if (!t) return null;
  // 1: on the walk from this bucket; 2: known to end.
  const state = new Uint8Array(t.nchain);
  for (let b = 0; b < t.nbucket; b++) {
    const walked: number[] = [];
    for (let i = sysvWord(t, 2 + b, le); i !== 0 && i < t.nchain && state[i] !== 2; i = sysvWord(t, 2 + t.nbucket + i, le)) {
      if (state[i] === 1) return b;
      state[i] = 1;
      walked.push(i);
    }
    for (const i of walked) state[i] = 2;
  }
  return null;
}

function readSysv(src: ByteSource, image: ElfImage, is64: boolean, le: boolean): SysvTable | null {
  const addr = dynValue(image, C.DT_HASH);
  if (addr === undefined) return null;
  const wide = is64 && (image.header.machine === C.EM_S390 || image.header.machine === C.EM_ALPHA);
  const w = wide ? 8 : 4;
  const off = addrToOffset(image, addr, 2 * w);
  if (off === null) return null;
  const head = src.read(off, 2 * w);
  if (head.length < 2 * w) return null;
  const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const nbucket = hv.getUint32(wide && !le ? 4 : 0, le), nchain = hv.getUint32(wide ? (le ? 8 : 12) : 4, le);
  if (nbucket === 0 || !(off + (2 + nbucket + nchain) * w <= src.size)) return null;
  const all = src.read(off, (2 + nbucket + nchain) * w);
  return { nbucket, nchain, words: new DataView(all.buffer, all.byteOffset, all.byteLength), wide };
}
