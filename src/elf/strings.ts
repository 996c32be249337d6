// The dynamic string table (DT_STRTAB/DT_STRSZ): read once, looked up by index with bounds checks.
import * as C from './constants.js';
import type { Diagnostic } from './errors.js';
import { type ElfImage, dynValue, locate } from './image.js';
import { decodeUtf8, wideDec, wideHex } from './kit.js';
import type { ByteSource } from './source.js';

export class StringTable {
  private constructor(
    readonly bytes: Uint8Array,
    /** File offset of the table, for diagnostics. */
    readonly offset: number,
    /** DT_STRSZ as declared. */
    readonly declaredSize: number,
  ) {}

  /** The table named by DT_STRTAB/DT_STRSZ, or null (with a diagnostic when it is declared but unusable). */
  static fromDynamic(src: ByteSource, image: ElfImage): StringTable | null {
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
    return new StringTable(src.read(offset, Math.max(0, Math.min(size, room))), offset, size);
  }

  static of(bytes: Uint8Array, offset: number): StringTable {
    return new StringTable(bytes, offset, bytes.length);
  }

  get size(): number {
    return this.bytes.length;
  }

  /** The string at `index`, or null with a diagnostic when the index is out of range. */
  at(index: number, where: () => string, diagnostics: Diagnostic[]): string | null {
    const r = this.lookup(index);
    if (r === null) {
      diagnostics.push({ code: 'ELF_BAD_VALUE', structure: where(), offset: this.offset,
        message: `string index ${wideDec(index)} is past the end of the string table (${this.bytes.length} bytes)` });
      return null;
    }
    if (!r.terminated) {
      diagnostics.push({ code: 'ELF_TRUNCATED', structure: where(), offset: this.offset + index, message: `string at index ${index} is not NUL-terminated inside the string table` });
    }
    return r.text;
  }

  /** Quiet lookup for bulk use (symbol names); null when out of range. */
  lookup(index: number): { text: string; terminated: boolean } | null {
    if (!(index >= 0 && index < this.bytes.length)) return null;
    let end = this.bytes.indexOf(0, index);
    const terminated = end >= 0;
    if (!terminated) end = this.bytes.length;
    return { text: decodeUtf8(this.bytes.subarray(index, end)), terminated };
  }
}
