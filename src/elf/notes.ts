// PT_NOTE notes found by owner and type (never by section name): build-id, ABI tag, GNU properties,
// FDO .note.dlopen and the FDO package note.
import * as C from './constants.js';
import type { Diagnostic } from './errors.js';
import type { ElfImage, Note } from './image.js';
import { runParser, u64, wideDec } from './kit.js';
import { decodeUtf8 } from './utf8.js';
import { nhdr } from './records.js';
import type { ByteSource } from './source.js';

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** Every note of every PT_NOTE segment; a malformed note ends its segment with a diagnostic. */
export function readNotes(src: ByteSource, image: ElfImage, diags: Diagnostic[] = image.diagnostics): Note[] {
  const le = image.header.endian === 'little';
  const out: Note[] = [];
  for (const seg of image.segments) {
    if (seg.type !== C.PT_NOTE) continue;
    if (!(seg.offset + seg.filesz <= src.size)) {
      diags.push({ code: 'ELF_TRUNCATED', structure: 'PT_NOTE', offset: seg.offset, message: `PT_NOTE (${wideDec(seg.filesz)} bytes at offset ${wideDec(seg.offset)}) runs past the end of the file` });
      continue;
    }
    // 8-byte aligned note segments pad name and descriptor to 8 (binutils ELF_NOTE_DESC_OFFSET).
    const align = seg.align === 8 ? 8 : 4;
    const bytes = src.read(seg.offset, seg.filesz);
    let at = 0;
    while (at + 12 <= bytes.length) {
      const h = runParser(nhdr.parser, bytes.subarray(at, at + 12), { le, is64: false }, seg.offset + at);
      if (!h.ok) break;
      const { n_namesz, n_descsz, n_type } = h.value;
      const descAt = alignUp(at + 12 + n_namesz, align);
      const end = descAt + n_descsz;
      if (!(end <= bytes.length)) {
        diags.push({ code: 'ELF_TRUNCATED', structure: 'Elf_Nhdr', offset: seg.offset + at, message: `note (name ${n_namesz} bytes, descriptor ${n_descsz} bytes) runs past the end of its PT_NOTE segment` });
        break;
      }
      const nameBytes = bytes.subarray(at + 12, at + 12 + n_namesz);
      const nul = nameBytes.indexOf(0);
      out.push({ owner: decodeUtf8(nul >= 0 ? nameBytes.subarray(0, nul) : nameBytes), type: n_type, offset: seg.offset + descAt, desc: bytes.subarray(descAt, end) });
      at = alignUp(end, align);
    }
  }
  return out;
}

export interface GnuProperties {
  readonly x86Features: string[];
  readonly x86IsaNeeded: string[];
  readonly aarch64Features: string[];
  readonly stackSize: number | null;
  readonly noCopyOnProtected: boolean;
  readonly needed: string[];
  /** Every property as read, for the ones above and the rest. */
  readonly raw: ReadonlyArray<{ type: number; data: number | null }>;
}

const bitsOf = (value: number, names: ReadonlyArray<readonly [number, string]>) => {
  const out = names.filter(([b]) => (value & b) !== 0).map(([, n]) => n);
  const rest = names.reduce((v, [b]) => v & ~b, value) >>> 0;
  if (rest) out.push('0x' + rest.toString(16));
  return out;
};

/** NT_GNU_PROPERTY_TYPE_0: pr_type, pr_datasz, data padded to the word size. */
export function decodeGnuProperties(desc: Uint8Array, le: boolean, is64: boolean, machine: number): GnuProperties {
  const v = new DataView(desc.buffer, desc.byteOffset, desc.byteLength);
  const props: GnuProperties = { x86Features: [], x86IsaNeeded: [], aarch64Features: [], stackSize: null, noCopyOnProtected: false, needed: [], raw: [] };
  const raw: Array<{ type: number; data: number | null }> = [];
  const x86 = machine === C.EM_X86_64 || machine === C.EM_386;
  let at = 0;
  while (at + 8 <= desc.length) {
    const type = v.getUint32(at, le);
    const size = v.getUint32(at + 4, le);
    if (at + 8 + size > desc.length) break;
    const data = size === 4 ? v.getUint32(at + 8, le) : size === 8 ? u64(v, at + 8, { le, is64: true, base: 0 }) : null;
    raw.push({ type, data });
    if (data !== null) {
      if (x86 && type === C.GNU_PROPERTY_X86_FEATURE_1_AND) {
        props.x86Features.push(...bitsOf(data, [[C.GNU_PROPERTY_X86_FEATURE_1_IBT, 'IBT'], [C.GNU_PROPERTY_X86_FEATURE_1_SHSTK, 'SHSTK']]));
      } else if (x86 && type === C.GNU_PROPERTY_X86_ISA_1_NEEDED) {
        props.x86IsaNeeded.push(...bitsOf(data, [[C.GNU_PROPERTY_X86_ISA_1_BASELINE, 'x86-64-baseline'], [C.GNU_PROPERTY_X86_ISA_1_V2, 'x86-64-v2'], [C.GNU_PROPERTY_X86_ISA_1_V3, 'x86-64-v3'], [C.GNU_PROPERTY_X86_ISA_1_V4, 'x86-64-v4']]));
      } else if (machine === C.EM_AARCH64 && type === C.GNU_PROPERTY_AARCH64_FEATURE_1_AND) {
        props.aarch64Features.push(...bitsOf(data, [[C.GNU_PROPERTY_AARCH64_FEATURE_1_BTI, 'BTI'], [C.GNU_PROPERTY_AARCH64_FEATURE_1_PAC, 'PAC']]));
      } else if (type === C.GNU_PROPERTY_STACK_SIZE) {
        (props as { stackSize: number | null }).stackSize = data;
      } else if (type === C.GNU_PROPERTY_1_NEEDED) {
        props.needed.push(...bitsOf(data, [[1, 'indirect-extern-access']]));
      }
    }
    if (type === C.GNU_PROPERTY_NO_COPY_ON_PROTECTED) (props as { noCopyOnProtected: boolean }).noCopyOnProtected = true;
    at = alignUp(at + 8 + size, is64 ? 8 : 4);
  }
  return { ...props, raw };
}

export interface DlopenEntry {
  readonly soname: string[];
  readonly feature: string | null;
  readonly description: string | null;
  readonly priority: 'required' | 'recommended' | 'suggested';
}

/** The FDO dlopen note: a NUL-terminated JSON array of objects (or, in an early revision, one object with a string soname). */
export function decodeDlopenNote(desc: Uint8Array): { entries: DlopenEntry[] } | { error: string } {
  const json = parseJsonPayload(desc);
  if ('error' in json) return json;
  const items = Array.isArray(json.value) ? json.value : [json.value];
  const entries: DlopenEntry[] = [];
  for (const it of items) {
    if (typeof it !== 'object' || it === null) return { error: 'an entry is not a JSON object' };
    const o = it as Record<string, unknown>;
    const soname = typeof o.soname === 'string' ? [o.soname] : Array.isArray(o.soname) ? o.soname.filter((s): s is string => typeof s === 'string') : [];
    if (soname.length === 0) return { error: 'an entry has no soname' };
    const priority = o.priority === 'required' || o.priority === 'suggested' ? o.priority : 'recommended';
    entries.push({
      soname,
      feature: typeof o.feature === 'string' ? o.feature : null,
      description: typeof o.description === 'string' ? o.description : null,
      priority,
    });
  }
  return { entries };
}

/** The FDO packaging metadata note: a NUL-terminated JSON object (`type`, `name`, `version`, …). */
export function decodePackageNote(desc: Uint8Array): { value: Record<string, unknown> } | { error: string } {
  const json = parseJsonPayload(desc);
  if ('error' in json) return json;
  if (typeof json.value !== 'object' || json.value === null || Array.isArray(json.value)) return { error: 'payload is not a JSON object' };
  return { value: json.value as Record<string, unknown> };
}

function parseJsonPayload(desc: Uint8Array): { value: unknown } | { error: string } {
  const nul = desc.indexOf(0);
  const text = decodeUtf8(nul >= 0 ? desc.subarray(0, nul) : desc);
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: 'payload is not valid JSON' };
  }
}

export const hexOf = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** NT_GNU_ABI_TAG: OS and the minimum kernel version, e.g. "Linux 3.2.0". */
export function decodeAbiTag(desc: Uint8Array, le: boolean): string | null {
  if (desc.length < 16) return null;
  const v = new DataView(desc.buffer, desc.byteOffset, 16);
  const os = ['Linux', 'Hurd', 'Solaris', 'FreeBSD'][v.getUint32(0, le)] ?? `OS ${v.getUint32(0, le)}`;
  return `${os} ${v.getUint32(4, le)}.${v.getUint32(8, le)}.${v.getUint32(12, le)}`;
}

/**
 * The x86 ISA levels an object needs (GNU_PROPERTY_X86_ISA_1_NEEDED bits; 0: none), as glibc 2.36's x86
 * ld.so reads them — sysdeps/x86/dl-prop.h _dl_process_property_note over the PT_NOTE segments, from the
 * last program header to the first (x86 handles PT_GNU_PROPERTY there). Only a segment aligned to the word
 * size is read, and the first such one decides, with a property note or without; in it, the first
 * NT_GNU_PROPERTY_TYPE_0 "GNU" note's properties must come in ascending type order with 4-byte values, and a
 * second property note voids the first.
 */
export function x86IsaNeeded(src: ByteSource, image: ElfImage): number {
  const { machine, class: cls, endian } = image.header;
  if (machine !== C.EM_X86_64 && machine !== C.EM_386) return 0;
  const word = cls === 64 ? 8 : 4;
  const le = endian === 'little';
  for (let k = image.segments.length - 1; k >= 0; k--) {
    const seg = image.segments[k]!;
    if (seg.type !== C.PT_NOTE || seg.align !== word) continue;
    if (!(seg.offset + seg.filesz <= src.size)) return 0;
    const bytes = src.read(seg.offset, Math.min(seg.filesz, seg.memsz));
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let seen = false, isa = 0;
    for (let at = 0; at + 12 < bytes.length; ) {
      const namesz = v.getUint32(at, le), descsz = v.getUint32(at + 4, le), type = v.getUint32(at + 8, le);
      if (namesz === 4 && type === C.NT_GNU_PROPERTY_TYPE_0 && at + 16 <= bytes.length && v.getUint32(at + 12, false) === 0x474e5500) {
        if (seen) return 0; // "more than one GNU property note, which may be generated by the older linker"
        seen = true;
        if (descsz < 8 || descsz % word !== 0) return 0;
        let ptr = at + 16;
        const end = ptr + descsz;
        if (!(end <= bytes.length)) return 0;
        let last = 0;
        do {
          const ptype = v.getUint32(ptr, le), datasz = v.getUint32(ptr + 4, le);
          if (ptype < last) return 0;
          ptr += 8;
          if (ptr + datasz > end) return 0;
          last = ptype;
          if (ptype === C.GNU_PROPERTY_X86_FEATURE_1_AND || ptype === C.GNU_PROPERTY_X86_ISA_1_NEEDED || ptype === C.GNU_PROPERTY_1_NEEDED) {
            if (datasz !== 4) return 0;
            if (ptype === C.GNU_PROPERTY_X86_ISA_1_NEEDED) {
              isa = v.getUint32(ptr, le);
              break; // and look for a second property note
            }
          } else if (ptype > C.GNU_PROPERTY_X86_ISA_1_NEEDED) break;
          ptr += alignUp(datasz, word);
        } while (end - ptr >= 8);
      }
      at = alignUp(at + 12 + namesz, word) + alignUp(descsz, word);
    }
    return isa;
  }
  return 0;
}
