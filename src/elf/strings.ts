// The dynamic string table (DT_STRTAB/DT_STRSZ), looked up by index with bounds checks. A few lookups
// (DT_NEEDED, version names) read only the bytes around each string; bulk users read the table whole.
// ld.so reads a name at DT_STRTAB + index up to its NUL and never looks at DT_STRSZ: lookups do the same
// within the file bytes of the string table's segment, and say so when they go past DT_STRSZ; symbol
// tables whose names start past it are given the segment's bytes (covering).
import * as C from './constants.js';
import type { Diagnostic } from './errors.js';
import { type ElfImage, dynValue, locate } from './image.js';
import { wideDec, wideHex } from './kit.js';
import { decodeUtf8 } from './utf8.js';
import type { ByteSource } from './source.js';

export class StringTable {
  private whole: Uint8Array | null;
  private constructor(
    private readonly src: ByteSource | null,
    /** File offset of the table, for diagnostics. */
    readonly offset: number,
    /** Usable bytes: DT_STRSZ bounded by the segment and the file. */
    readonly size: number,
    /** What ld.so can read from the table's start: the file bytes of its segment. */
    private readonly room: number,
    bytes: Uint8Array | null,
  ) {
    this.whole = bytes;
  }

  /** The whole table (read on first use). */
  get bytes(): Uint8Array {
    return (this.whole ??= this.src!.read(this.offset, this.size));
  }

  /**
   * The table named by DT_STRTAB/DT_STRSZ, or null (with a diagnostic when it is declared but unusable);
   * `whole` reads it at once, for bulk lookups.
   */
  static fromDynamic(src: ByteSource, image: ElfImage, whole = false): StringTable | null {
    const addr = dynValue(image, C.DT_STRTAB);
    if (addr === undefined) {
      if (image.dynamic && image.dynamic.length > 0) {
        image.diagnostics.push({ code: 'ELF_BAD_VALUE', structure: 'DT_STRTAB', message: 'the dynamic section has no DT_STRTAB' });
      }
      return null;
    }
    const declared = dynValue(image, C.DT_STRSZ);
    const at = locate(image, addr);
    if (at === null) {
      image.diagnostics.push({ code: 'ELF_BAD_VALUE', structure: 'DT_STRTAB', message: `DT_STRTAB ${wideHex(addr)} is not inside the file part of any PT_LOAD` });
      return null;
    }
    const { offset, segment } = at;
    const size = declared ?? 0;
    // Strings cannot extend past the end of their segment's file bytes nor past DT_STRSZ.
    const room = Math.max(0, Math.min(segment.offset + segment.filesz, src.size) - offset);
    if (declared === undefined || !(size <= room)) {
      image.diagnostics.push({ code: 'ELF_TRUNCATED', structure: 'DT_STRSZ', offset,
        message: declared === undefined ? 'the dynamic section has no DT_STRSZ' : `DT_STRSZ ${size} runs past the end of its segment (${room} bytes left)` });
    }
    const usable = Math.max(0, Math.min(size, room));
    return new StringTable(src, offset, usable, room, whole ? src.read(offset, usable) : null);
  }

  /**
   * The bytes from the table's start that hold every string starting below `end`: DT_STRSZ's, or when a
   * string starts past DT_STRSZ (ld.so reads it there all the same) all of its segment's.
   */
  covering(end: number): Uint8Array {
    return end <= this.size || !this.src ? this.bytes : this.src.read(this.offset, this.room);
  }

  static of(bytes: Uint8Array, offset: number): StringTable {
    return new StringTable(null, offset, bytes.length, bytes.length, bytes);
  }

  /** The string at `index`, or null with a diagnostic when the index is out of range. */
  at(index: number, where: () => string, diagnostics: Diagnostic[]): string | null {
    const r = this.lookup(index);
    if (r === null) {
      diagnostics.push({ code: 'ELF_BAD_VALUE', structure: where(), offset: this.offset,
        message: `string index ${wideDec(index)} is past the end of the string table (${this.size} bytes)` });
      return null;
    }
    if (!r.terminated) {
      diagnostics.push({ code: 'ELF_TRUNCATED', structure: where(), offset: this.offset + index, message: `string at index ${index} is not NUL-terminated inside the string table` });
    } else if (r.pastSize) {
      diagnostics.push({ code: 'ELF_BAD_VALUE', structure: where(), offset: this.offset + index,
        message: `string at index ${wideDec(index)} lies past DT_STRSZ (${this.size} bytes); ld.so reads it there all the same` });
    }
    return r.text;
  }

  /** Quiet lookup for bulk use (symbol names); null when out of range. `pastSize`: it ends past DT_STRSZ. */
  lookup(index: number): { text: string; terminated: boolean; pastSize: boolean } | null {
    if (!(index >= 0 && index < this.room)) return null;
    if (this.whole && (index < this.whole.length || !this.src)) {
      const r = found(this.whole.subarray(index), index, this.size);
      if (r.terminated || !this.src || this.whole.length >= this.room) return r;
    }
    // To the end of the 4 KiB block first (a file source serves it from one cached page), then one more
    // block, then the rest of what can be read.
    const start = this.offset + index;
    const rest = this.room - index;
    for (let n = BLOCK - (start % BLOCK); ; n = n <= BLOCK ? n + BLOCK : rest) {
      const b = this.src!.read(start, Math.min(n, rest));
      if (n >= rest || b.indexOf(0) >= 0) return found(b, index, this.size);
    }
  }
}

const BLOCK = 4096;

/** The string at the start of `b` (read from `index` of a table of `size` bytes). */
function found(b: Uint8Array, index: number, size: number): { text: string; terminated: boolean; pastSize: boolean } {
  const end = b.indexOf(0);
  return { text: decodeUtf8(end >= 0 ? b.subarray(0, end) : b), terminated: end >= 0, pastSize: index + (end >= 0 ? end : b.length) >= size };
}
