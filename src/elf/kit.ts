// The project's parse kit on arcsecond: bounds-checked seek, fused fixed-size records, zero-safe tables,
// bounded C strings. Class and byte order live in the parser's data (a Layout), chosen once from e_ident.
import { Parser, withData } from 'arcsecond/index.mjs';
import type { ParserState } from 'arcsecond';
import { type ElfFormatError, ElfAbort, elfError } from './errors.js';
import type { ByteSource } from './source.js';
import { decodeUtf8 } from './utf8.js';

export interface Layout {
  readonly le: boolean;
  readonly is64: boolean;
  /** File offset of the first byte of the window being parsed, so errors carry file offsets. */
  readonly base: number;
}

export type ElfParser<T> = Parser<T, ElfFormatError, Layout>;
type State = ParserState<unknown, ElfFormatError, Layout>;

// 64-bit values of 2^52 and above (IA-64's region addresses 0x4000000000000000 and 0x6000000000000000,
// fuzzed fields) cannot be held exactly in a double. Each distinct high word gets a 2^32-wide window in
// [2^52, 2^53): the value stays an exact, ordered number inside its window (so the loader's l_addr-style
// arithmetic — address minus segment address — is exact), and wideHex/wideDec print the original value.
// Windows are shared by the whole process; no file is 2^52 bytes long, so every wide offset or size fails
// the bounds checks the way a too-large value should.
/** Smallest encoded wide value; also the bound no file offset or size reaches. */
export const WIDE_BASE = 2 ** 52;
const WINDOW = 2 ** 32;
const MAX_WINDOWS = 2 ** 20;
const windowHi: number[] = [];
const windowOf = new Map<number, number>();

function wide(hi: number, lo: number): number {
  let k = windowOf.get(hi);
  if (k === undefined) {
    // A run never meets a million distinct high words; if one does, start over rather than overflow.
    if (windowHi.length >= MAX_WINDOWS) resetWideValues();
    k = windowHi.length;
    windowHi.push(hi);
    windowOf.set(hi, k);
  }
  return WIDE_BASE + k * WINDOW + lo;
}

/** Forget the windows (between independent runs of one process, e.g. fuzz cases). */
export function resetWideValues(): void {
  windowHi.length = 0;
  windowOf.clear();
}

/** The 64-bit value behind a number read by u64/i64, as an unsigned BigInt (two's complement for negatives). */
export function wideValue(n: number): bigint {
  if (n >= WIDE_BASE && Number.isInteger(n)) {
    const k = Math.floor((n - WIDE_BASE) / WINDOW);
    if (k < windowHi.length) return (BigInt(windowHi[k]!) << 32n) | BigInt(n - WIDE_BASE - k * WINDOW);
  }
  return Number.isInteger(n) ? BigInt.asUintN(64, BigInt(n)) : 0n;
}

/** "0x…" of an address or offset read from a file, exact for wide values. */
export function wideHex(n: number): string {
  return n < 0 ? '-0x' + (-n).toString(16) : '0x' + (n < WIDE_BASE ? n.toString(16) : wideValue(n).toString(16));
}

/** Decimal text of a value read from a file, exact for wide values. */
export function wideDec(n: number): string {
  return n < WIDE_BASE ? String(n) : wideValue(n).toString();
}

/** JSON.stringify replacer: wide values become exact hexadecimal strings (JSON numbers are doubles). */
export function exactJson(_key: string, value: unknown): unknown {
  return typeof value === 'number' && value >= WIDE_BASE && Number.isInteger(value) ? wideHex(value) : value;
}

const HOST_LE = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The bytes as 32-bit words of byte order `le`, in place: a view when they line up with this machine's words and byte order, else null. */
export function wordsInPlace(b: Uint8Array, le: boolean): Uint32Array | null {
  return le === HOST_LE && b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.byteLength >>> 2) : null;
}

export function u8(v: DataView, at: number): number {
  return v.getUint8(at);
}
export function u16(v: DataView, at: number, l: Layout): number {
  return v.getUint16(at, l.le);
}
export function u32(v: DataView, at: number, l: Layout): number {
  return v.getUint32(at, l.le);
}
export function u64(v: DataView, at: number, l: Layout): number {
  const hi = v.getUint32(l.le ? at + 4 : at, l.le);
  const lo = v.getUint32(l.le ? at : at + 4, l.le);
  // Most values fit in 32 bits: returned as they are, no floating-point product is made (and boxed).
  if (hi === 0) return lo;
  return hi < 0x100000 ? hi * 0x100000000 + lo : wide(hi, lo);
}
export function i64(v: DataView, at: number, l: Layout): number {
  const hi = v.getInt32(l.le ? at + 4 : at, l.le);
  const lo = v.getUint32(l.le ? at : at + 4, l.le);
  if (hi === 0) return lo;
  return hi >= -0x100000 && hi < 0x100000 ? hi * 0x100000000 + lo : wide(hi >>> 0, lo);
}
/** An Elf_Addr/Elf_Off/Elf_Xword: 32 or 64 bits by class. */
export function word(v: DataView, at: number, l: Layout): number {
  return l.is64 ? u64(v, at, l) : v.getUint32(at, l.le);
}
export function sword(v: DataView, at: number, l: Layout): number {
  return l.is64 ? i64(v, at, l) : v.getInt32(at, l.le);
}
/** The address-sized word at a file offset, or null past the end of the file. */
export function wordAt(src: ByteSource, off: number, layout: Layout): number | null {
  const n = layout.is64 ? 8 : 4;
  const b = src.read(off, n);
  return b.length < n ? null : word(new DataView(b.buffer, b.byteOffset, b.byteLength), 0, layout);
}

export function viewOf(bytes: Uint8Array): DataView {
  // arcsecond's run(typedArray) ignores byteOffset; a DataView built here does not.
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function fail<T>(state: State, error: ElfFormatError): ParserState<T, ElfFormatError, Layout> {
  return { ...state, isError: true, error } as ParserState<T, ElfFormatError, Layout>;
}
function ok<T>(state: State, result: T, index: number): ParserState<T, ElfFormatError, Layout> {
  return { ...state, result, index } as ParserState<T, ElfFormatError, Layout>;
}

/** A fixed-size record decoded by one function straight from the DataView. */
export interface Rec<T> {
  readonly structure: string;
  readonly size: number;
  readonly decode: (v: DataView, at: number, l: Layout) => T;
  readonly parser: ElfParser<T>;
}

export function record<T>(structure: string, size: number, decode: (v: DataView, at: number, l: Layout) => T): Rec<T> {
  const parser = new Parser<T, ElfFormatError, Layout>((state) => {
    if (state.isError) return state as never;
    const at = state.index;
    if (at + size > state.dataView.byteLength) {
      return fail(state, elfError('ELF_TRUNCATED', structure, state.data.base + at, `${structure} runs past the end of the file`));
    }
    return ok(state, decode(state.dataView, at, state.data), at + size);
  });
  return { structure, size, decode, parser };
}

/** `n` consecutive records; checks n × size against what is left before allocating anything. */
export function table<T>(n: number, rec: Rec<T>, label = rec.structure): ElfParser<T[]> {
  return new Parser<T[], ElfFormatError, Layout>((state) => {
    if (state.isError) return state as never;
    const at = state.index;
    const left = state.dataView.byteLength - at;
    if (!Number.isSafeInteger(n) || n < 0 || n * rec.size > left) {
      return fail(state, elfError('ELF_BAD_COUNT', `${label}[${n}]`, state.data.base + at,
        `${label}: ${n} entries of ${rec.size} bytes do not fit in the ${left} bytes available`, n));
    }
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = rec.decode(state.dataView, at + i * rec.size, state.data);
    return ok(state, out, at + n * rec.size);
  });
}

/** Move to an absolute position inside the window, with a bounds check. */
export function seek(offset: number, structure: string): ElfParser<null> {
  return new Parser<null, ElfFormatError, Layout>((state) => {
    if (state.isError) return state as never;
    if (!(offset >= 0 && offset <= state.dataView.byteLength)) {
      return fail(state, elfError('ELF_TRUNCATED', structure, state.data.base + offset, `${structure} lies past the end of the file`));
    }
    return ok(state, null, offset);
  });
}

/** A NUL-terminated string of at most `max` bytes; the empty string is fine. `terminated` is false when no NUL was found. */
export function cstring(max: number, structure: string): ElfParser<{ text: string; terminated: boolean }> {
  return new Parser((state) => {
    if (state.isError) return state as never;
    const v = state.dataView;
    const start = state.index;
    if (start > v.byteLength) {
      return fail(state, elfError('ELF_TRUNCATED', structure, state.data.base + start, `${structure} lies past the end of the file`));
    }
    const end = Math.min(v.byteLength, start + max);
    let i = start;
    while (i < end && v.getUint8(i) !== 0) i++;
    const bytes = new Uint8Array(v.buffer, v.byteOffset + start, i - start);
    const terminated = i < end;
    return ok(state, { text: decodeUtf8(bytes), terminated }, terminated ? i + 1 : i);
  });
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ElfFormatError };

/** Run a parser over a window of bytes that starts at file offset `base`. */
export function runParser<T>(p: ElfParser<T>, bytes: Uint8Array, layout: Omit<Layout, 'base'>, base: number): Parsed<T> {
  const data: Layout = { le: layout.le, is64: layout.is64, base };
  const res = withData<T, ElfFormatError, Layout>(p)(data).run(viewOf(bytes));
  return res.isError ? { ok: false, error: res.error } : { ok: true, value: res.result };
}

/**
 * One fixed-size record at the start of `bytes`, decoded without the parser machinery (for small records
 * read in a loop, as the version lists are); null when `bytes` is shorter than the record.
 */
export function decodeOne<T>(rec: Rec<T>, bytes: Uint8Array, layout: Omit<Layout, 'base'>, base: number): T | null {
  return bytes.length < rec.size ? null : rec.decode(viewOf(bytes), 0, { le: layout.le, is64: layout.is64, base });
}

/** Like runParser, but a failure aborts the surrounding decode (caught at the src/elf boundary). */
export function mustParse<T>(p: ElfParser<T>, bytes: Uint8Array, layout: Omit<Layout, 'base'>, base: number): T {
  const r = runParser(p, bytes, layout, base);
  if (!r.ok) throw new ElfAbort(r.error);
  return r.value;
}
