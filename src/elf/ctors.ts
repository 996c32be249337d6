// What an object runs at load time from its own dynamic section: DT_PREINIT_ARRAY, DT_INIT and DT_INIT_ARRAY
// targets (recovered through the relocation that fills each slot), named where a symbol table allows,
// and told apart from the toolchain's own entries (crti.o's _init, crtbegin.o's frame_dummy) by their code.
// Also the IRELATIVE relocations and the resolver each one calls. See docs/load-time-code.md.
import * as C from './constants.js';
import { type ElfImage, addrToOffset, dynValue } from './image.js';
import { type Layout, u64, word, wordAt } from './kit.js';
import { decodeUtf8 } from './utf8.js';
import { shdr } from './records.js';
import type { Reloc } from './records.js';
import type { ByteSource } from './source.js';
import { type DynamicSymbols, lowWords } from './symtab.js';
import { readStaticIplt } from './static-iplt.js';

export type Classification = 'toolchain' | 'real' | 'unknown';

export interface Constructor {
  readonly kind: 'DT_PREINIT_ARRAY' | 'DT_INIT' | 'DT_INIT_ARRAY';
  readonly index: number;
  /** Link-time address of the function; null when the slot cannot be read. */
  readonly address: number | null;
  readonly name: string | null;
  readonly classification: Classification;
  /** Why it was classified so (the toolchain routine recognised, or what was not). */
  readonly reason: string;
}

export interface IrelativeResolver {
  readonly address: number;
  readonly name: string | null;
  readonly relocOffset: number;
  /** Set when no dynamic tag led here: a static executable's table (static-iplt.ts says how it was found). */
  readonly via?: string;
}

/**
 * Names functions by address: .dynsym first, then .symtab when section headers survive (enrichment only):
 * the first .dynsym function at that address, else the last .symtab one. The addresses an object needs
 * named (its constructors, its IRELATIVE resolvers) are named together, in one pass over each table,
 * however many there are. .symtab is kept as bytes, its names decoded only when found.
 */
export class FunctionNamer {
  private readonly named = new Map<number, string | null>();
  private symtab: SymtabBytes | null | undefined;
  constructor(private readonly src: ByteSource, private readonly image: ElfImage, private readonly symbols: DynamicSymbols | null) {}

  nameOf(address: number): string | null {
    if (!this.named.has(address)) this.nameAll([address]);
    return this.named.get(address)!;
  }

  /** Names every address of `addresses` not named yet. */
  nameAll(addresses: Iterable<number>): void {
    const todo = new Set<number>();
    for (const a of addresses) if (!this.named.has(a)) todo.add(a);
    if (todo.size === 0) return;
    const s = this.symbols;
    if (s) {
      for (const [a, i] of s.functionsAt(todo)) {
        this.named.set(a, s.name(i));
        todo.delete(a);
      }
    }
    if (todo.size > 0) {
      this.symtab ??= readSymtab(this.src, this.image);
      const t = this.symtab;
      if (t) {
        for (const [a, i] of lastSymtabFunctionsAt(t, todo)) {
          const at = t.view.getUint32(i * t.size, t.layout.le);
          let end = t.strings.indexOf(0, at);
          if (end < 0) end = t.strings.length;
          this.named.set(a, decodeUtf8(t.strings.subarray(at, end)));
          todo.delete(a);
        }
      }
    }
    for (const a of todo) this.named.set(a, null);
  }
}

const symtabValue = (t: SymtabBytes, i: number) => (t.is64 ? u64(t.view, i * t.size + 8, t.layout) : t.view.getUint32(i * t.size + 4, t.layout.le));

/** For each address, the last .symtab function (STT_FUNC, nonzero value, name inside the string table) there. */
function lastSymtabFunctionsAt(t: SymtabBytes, addresses: ReadonlySet<number>): Map<number, number> {
  const out = new Map<number, number>();
  const lows = lowWords(addresses);
  const lowAt = t.is64 ? (t.layout.le ? 8 : 12) : 4;
  for (let i = t.count - 1; i >= 0 && out.size < addresses.size; i--) {
    if (lows !== null && !lows.has(t.view.getUint32(i * t.size + lowAt, t.layout.le))) continue;
    if ((t.view.getUint8(i * t.size + (t.is64 ? 4 : 12)) & 0xf) !== C.STT_FUNC || t.view.getUint32(i * t.size, t.layout.le) >= t.strings.length) continue;
    const v = symtabValue(t, i);
    if (v !== 0 && addresses.has(v) && !out.has(v)) out.set(v, i);
  }
  return out;
}

interface SymtabBytes { view: DataView; count: number; size: number; is64: boolean; layout: Layout; strings: Uint8Array }

/** .symtab and its string table as bytes, found through the section headers; null when there is none. */
function readSymtab(src: ByteSource, image: ElfImage): SymtabBytes | null {
  const h = image.header;
  const layout = { is64: h.class === 64, le: h.endian === 'little', base: 0 };
  const rec = shdr(layout);
  if (h.shoff === 0 || h.shnum === 0 || h.shentsize !== rec.size || !(h.shoff + h.shnum * rec.size <= src.size)) return null;
  // Read in place: of all the headers, only .symtab's and its string table's offset, size and link.
  const b = src.read(h.shoff, h.shnum * rec.size);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const w = layout.is64 ? 8 : 4;
  const section = (k: number) => ({ sh_offset: word(v, k * rec.size + 8 + 2 * w, layout), sh_size: word(v, k * rec.size + 8 + 3 * w, layout), sh_link: v.getUint32(k * rec.size + 8 + 4 * w, layout.le) });
  let k = 0;
  while (k < h.shnum && v.getUint32(k * rec.size + 4, layout.le) !== C.SHT_SYMTAB) k++;
  const symtab = k < h.shnum ? section(k) : undefined;
  const strtab = symtab && symtab.sh_link < h.shnum ? section(symtab.sh_link) : undefined;
  const size = layout.is64 ? 24 : 16;
  if (!symtab || !strtab || !(symtab.sh_offset + symtab.sh_size <= src.size) || !(strtab.sh_offset + strtab.sh_size <= src.size)) return null;
  const count = Math.floor(symtab.sh_size / size);
  const bytes = src.read(symtab.sh_offset, count * size);
  return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), count: Math.floor(bytes.length / size), size, is64: layout.is64, layout, strings: src.read(strtab.sh_offset, strtab.sh_size) };
}

/** Bytes of code at a link-time address (at most `n`), or an empty array. */
function codeAt(src: ByteSource, image: ElfImage, addr: number, n: number): Uint8Array {
  for (let len = n; len >= 4; len >>= 1) {
    const off = addrToOffset(image, addr, len);
    if (off !== null) return src.read(off, len);
  }
  return new Uint8Array(0);
}

const startsWith = (b: Uint8Array, at: number, pattern: ReadonlyArray<number | null>) =>
  at + pattern.length <= b.length && pattern.every((p, i) => p === null || b[at + i] === p);
const X = null;

/** Landing pads a function may start with: x86 endbr64/endbr32, AArch64 bti c / paciasp / nop. */
function skipLandingPad(machine: number, b: Uint8Array, le: boolean): number {
  if ((machine === C.EM_X86_64 || machine === C.EM_386) && startsWith(b, 0, [0xf3, 0x0f, 0x1e, X]) && (b[3] === 0xfa || b[3] === 0xfb)) return 4;
  if (machine === C.EM_AARCH64 && b.length >= 4) {
    const w = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0, le);
    // bti c, paciasp, or the nop that BTI-aware toolchains leave in their place.
    if (w === 0xd503245f || w === 0xd503233f || w === 0xd503201f) return 4;
  }
  return 0;
}

/** crtbegin.o's frame_dummy: nothing but a tail jump to register_tm_clones, which sits just before it. */
function isFrameDummy(machine: number, b: Uint8Array, le: boolean, addr: number): boolean {
  const at = skipLandingPad(machine, b, le);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let target: number | null = null;
  if (machine === C.EM_X86_64 || machine === C.EM_386) {
    if (b[at] === 0xe9 && at + 5 <= b.length) target = addr + at + 5 + v.getInt32(at + 1, true);
    else if (b[at] === 0xeb && at + 2 <= b.length) target = addr + at + 2 + v.getInt8(at + 1);
  } else if (machine === C.EM_AARCH64 && at + 4 <= b.length) {
    const w = v.getUint32(at, le);
    if ((w & 0xfc000000) === 0x14000000) target = addr + at + (((w & 0x03ffffff) << 6) >> 4);
  } else if (machine === C.EM_ARM && (addr & 1) && at + 2 <= b.length) {
    // Thumb (the address has bit 0 set): B (T2, 16-bit) or B.W (T4, 32-bit); pc reads as address + 4.
    const pc = addr - 1 + 4;
    const hw1 = v.getUint16(0, le);
    if ((hw1 & 0xf800) === 0xe000) target = pc + (((hw1 & 0x7ff) << 21) >> 20);
    else if ((hw1 & 0xf800) === 0xf000 && b.length >= 4) {
      const hw2 = v.getUint16(2, le);
      if ((hw2 & 0xd000) === 0x9000) {
        const s = (hw1 >> 10) & 1, i1 = ~((hw2 >> 13) ^ s) & 1, i2 = ~((hw2 >> 11) ^ s) & 1;
        target = pc + ((((s << 24) | (i1 << 23) | (i2 << 22) | ((hw1 & 0x3ff) << 12) | ((hw2 & 0x7ff) << 1)) << 7) >> 7);
      }
    }
    addr -= 1;
  } else if (machine === C.EM_ARM && at + 4 <= b.length) {
    const w = v.getUint32(at, le);
    if (((w & 0xff000000) >>> 0) === 0xea000000) target = addr + at + 8 + (((w & 0x00ffffff) << 8) >> 6);
  }
  return target !== null && target < addr && addr - target <= 0x100;
}

/** Architectures whose frame_dummy tail jump isFrameDummy decodes. */
const FRAME_DUMMY_DECODED: ReadonlySet<number> = new Set([C.EM_X86_64, C.EM_386, C.EM_AARCH64, C.EM_ARM]);

/** crti.o's _init (with crtn.o's epilogue): call __gmon_start__ if it is defined, and return. */
function isCrtiInit(machine: number, b: Uint8Array, le: boolean): boolean | null {
  const at = skipLandingPad(machine, b, le);
  if (machine === C.EM_X86_64) {
    return startsWith(b, at, [0x48, 0x83, 0xec, 0x08, 0x48, 0x8b, 0x05, X, X, X, X, 0x48, 0x85, 0xc0, 0x74, 0x02, 0xff, 0xd0, 0x48, 0x83, 0xc4, 0x08, 0xc3]);
  }
  if (machine === C.EM_ARM && at + 12 <= b.length) {
    // ARM-mode crti/crtn: push {r3, lr}; bl call_weak_fn; pop {r3, pc}.
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return v.getUint32(at, le) === 0xe92d4008 && ((v.getUint32(at + 4, le) & 0xff000000) >>> 0) === 0xeb000000 && v.getUint32(at + 8, le) === 0xe8bd8008;
  }
  if (machine === C.EM_AARCH64 && at + 20 <= b.length) {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const w = (i: number) => v.getUint32(at + 4 * i, le);
    return w(0) === 0xa9bf7bfd && w(1) === 0x910003fd && ((w(2) & 0xfc000000) >>> 0) === 0x94000000 && w(3) === 0xa8c17bfd && w(4) === 0xd65f03c0;
  }
  return null; // no signature for this architecture
}

function classify(kind: Constructor['kind'], index: number, machine: number, code: Uint8Array, le: boolean, addr: number, nameOf: () => string | null): Pick<Constructor, 'classification' | 'reason'> {
  if (kind === 'DT_INIT') {
    const crti = isCrtiInit(machine, code, le);
    if (crti === true) return { classification: 'toolchain', reason: "crti.o's _init: only calls __gmon_start__ if defined" };
    if (crti === null) return { classification: 'unknown', reason: 'no crti.o signature for this architecture' };
    return { classification: 'real', reason: "DT_INIT does more than crti.o's _init" };
  }
  if (kind === 'DT_INIT_ARRAY' && index === 0) {
    if (isFrameDummy(machine, code, le, addr) || nameOf() === 'frame_dummy') return { classification: 'toolchain', reason: "crtbegin.o's frame_dummy: a tail jump to register_tm_clones" };
    if (!FRAME_DUMMY_DECODED.has(machine)) return { classification: 'unknown', reason: 'no crtbegin.o signature for this architecture' };
  }
  return { classification: 'real', reason: 'not a toolchain routine' };
}

export interface ConstructorSlot {
  readonly kind: Constructor['kind'];
  readonly index: number;
  /** Address of the array slot (null for DT_INIT, whose value is the function itself). */
  readonly slot: number | null;
  /** The word stored in the file (DT_INIT: its value). */
  readonly raw: number | null;
}

/** DT_PREINIT_ARRAY (executables only), DT_INIT and DT_INIT_ARRAY, in the order glibc's call_init uses them. */
export function constructorSlots(src: ByteSource, image: ElfImage): ConstructorSlot[] {
  const h = image.header;
  const layout = { is64: h.class === 64, le: h.endian === 'little', base: 0 };
  const w = layout.is64 ? 8 : 4;
  const out: ConstructorSlot[] = [];
  const array = (tag: number, sizeTag: number, kind: Constructor['kind']) => {
    const at = dynValue(image, tag);
    if (at === undefined) return;
    const n = Math.min(Math.floor((dynValue(image, sizeTag) ?? 0) / w), 4096);
    for (let i = 0; i < n; i++) {
      const off = addrToOffset(image, at + i * w, w);
      out.push({ kind, index: i, slot: at + i * w, raw: off === null ? null : wordAt(src, off, layout) });
    }
  };
  if (h.type === C.ET_EXEC || ((dynValue(image, C.DT_FLAGS_1) ?? 0) & C.DF_1_PIE) !== 0) array(C.DT_PREINIT_ARRAY, C.DT_PREINIT_ARRAYSZ, 'DT_PREINIT_ARRAY');
  const init = dynValue(image, C.DT_INIT);
  if (init !== undefined) out.push({ kind: 'DT_INIT', index: 0, slot: null, raw: init });
  array(C.DT_INIT_ARRAY, C.DT_INIT_ARRAYSZ, 'DT_INIT_ARRAY');
  return out;
}

/** What fills a slot at load time: a RELA addend, a symbol, or (REL, RELR, nothing) the word in the file. */
export type SlotFill = { readonly addend: number | null; readonly sym: number };

/** Each constructor's target, name and classification. `fills`: the non-PLT relocations at slot addresses. */
export function readConstructors(src: ByteSource, image: ElfImage, slots: readonly ConstructorSlot[], fills: ReadonlyMap<number, SlotFill>,
  symbols: DynamicSymbols | null, namer = new FunctionNamer(src, image, symbols)): Constructor[] {
  const h = image.header;
  const le = h.endian === 'little';
  const targets = slots.map((s) => {
    const f = s.slot === null ? undefined : fills.get(s.slot);
    const symValue = f && f.sym !== 0 && symbols ? symbols.value(f.sym) : 0;
    const address = f && f.addend !== null ? symValue + f.addend : s.raw === null ? null : symValue + s.raw;
    // Thumb function pointers have bit 0 set; the code starts one byte lower.
    const code = address === null ? null : codeAt(src, image, h.machine === C.EM_ARM ? address - (address & 1) : address, 32);
    // A toolchain routine recognised by its code alone (classified without a name) needs no name.
    const byCode = code === null ? false : classify(s.kind, s.index, h.machine, code, le, address!, () => null).classification === 'toolchain';
    return { s, address, code, byCode };
  });
  // Only the others need a name (a symbol-table scan), all of them in one pass.
  namer.nameAll(targets.filter((t) => t.address !== null && !t.byCode).map((t) => t.address!));
  return targets.map(({ s, address, code }) => {
    if (address === null) return { kind: s.kind, index: s.index, address, name: null, classification: 'unknown' as const, reason: 'slot not readable' };
    const how = classify(s.kind, s.index, h.machine, code!, le, address, () => namer.nameOf(address));
    const name = how.classification === 'toolchain' ? (s.kind === 'DT_INIT' ? '_init' : 'frame_dummy') : namer.nameOf(address);
    return { kind: s.kind, index: s.index, address, name, ...how };
  });
}

/** IRELATIVE relocations: each calls the resolver at base + addend (or the word in place, for REL). */
export function readIrelative(src: ByteSource, image: ElfImage, entries: readonly Reloc[], namer: FunctionNamer, via?: string): IrelativeResolver[] {
  const layout = { is64: image.header.class === 64, le: image.header.endian === 'little', base: 0 };
  const addresses = entries.map((r) => {
    if (r.r_addend !== null) return r.r_addend;
    const off = addrToOffset(image, r.r_offset, layout.is64 ? 8 : 4);
    return (off === null ? null : wordAt(src, off, layout)) ?? 0;
  });
  namer.nameAll(addresses);
  return entries.map((r, k) => ({ address: addresses[k]!, name: namer.nameOf(addresses[k]!), relocOffset: r.r_offset, ...(via ? { via } : {}) }));
}

/** A static executable's IFUNC resolvers, applied by libc's static start-up code (static-iplt.ts). */
export function staticResolvers(src: ByteSource, image: ElfImage, namer: FunctionNamer): IrelativeResolver[] {
  const t = readStaticIplt(src, image);
  return t ? readIrelative(src, image, t.entries, namer, t.via) : [];
}
