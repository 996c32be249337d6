// decodeElf: e_ident, header, program headers, PT_INTERP and PT_DYNAMIC with its strings. Never throws on bad bytes.
import * as C from './constants.js';
import { type Diagnostic, ElfAbort, elfError } from './errors.js';
import { type ElfHeader, type ElfImage, type DecodeResult, type Segment, type DynamicEntry, congruent, locate } from './image.js';
import { type Layout, mustParse, runParser, table, cstring, wideDec, wideHex } from './kit.js';
import { dynTagName } from './names.js';
import { dyn, ehdr, phdr, shdr } from './records.js';
import type { ByteSource } from './source.js';
import { StringTable } from './strings.js';

const MAGIC = [0x7f, 0x45, 0x4c, 0x46];
/** Longest PT_INTERP we read; the kernel's limit is PATH_MAX. */
const MAX_INTERP = 4096;

export function decodeElf(src: ByteSource): DecodeResult {
  try {
    return { ok: true, image: decode(src) };
  } catch (e) {
    if (e instanceof ElfAbort) return { ok: false, error: e.error };
    throw e;
  }
}

/** The class/byte-order layout of a file, from its e_ident; throws ElfAbort for a non-ELF or unknown layout. */
export function identify(src: ByteSource): Omit<Layout, 'base'> {
  const ident = src.read(0, C.EI_NIDENT);
  for (let i = 0; i < 4; i++) {
    if (i >= ident.length) {
      throw new ElfAbort(elfError('ELF_TRUNCATED', 'e_ident', ident.length, `file too short: ${ident.length} bytes, not even an ELF magic number`));
    }
    if (ident[i] !== MAGIC[i]) {
      throw new ElfAbort(elfError('ELF_BAD_MAGIC', 'e_ident[EI_MAG]', i, 'not an ELF file (invalid ELF header magic)'));
    }
  }
  if (ident.length < C.EI_NIDENT) {
    throw new ElfAbort(elfError('ELF_TRUNCATED', 'e_ident', ident.length, `file too short: ${ident.length} bytes, e_ident needs ${C.EI_NIDENT}`));
  }
  const cls = ident[C.EI_CLASS]!;
  const data = ident[C.EI_DATA]!;
  if (cls !== C.ELFCLASS32 && cls !== C.ELFCLASS64) {
    throw new ElfAbort(elfError('ELF_BAD_CLASS', 'e_ident[EI_CLASS]', C.EI_CLASS, `invalid ELF class ${cls}`, cls));
  }
  if (data !== C.ELFDATA2LSB && data !== C.ELFDATA2MSB) {
    throw new ElfAbort(elfError('ELF_BAD_DATA', 'e_ident[EI_DATA]', C.EI_DATA, `invalid ELF data encoding ${data}`, data));
  }
  return { is64: cls === C.ELFCLASS64, le: data === C.ELFDATA2LSB };
}

function decode(src: ByteSource): ElfImage {
  const layout = identify(src);
  const ident = src.read(0, C.EI_NIDENT);
  const diagnostics: Diagnostic[] = [];
  const rec = ehdr({ ...layout, base: 0 });
  const eh = mustParse(rec.parser, src.read(0, rec.size), layout, 0);
  const sname = layout.is64 ? 'Elf64_Ehdr' : 'Elf32_Ehdr';
  if (ident[C.EI_VERSION] !== C.EV_CURRENT || eh.e_version !== C.EV_CURRENT) {
    diagnostics.push({ code: 'ELF_BAD_VERSION', structure: `${sname}.e_version`, offset: 20, message: `ELF version is not EV_CURRENT (e_ident ${ident[C.EI_VERSION]}, e_version ${eh.e_version})` });
  }

  // Extended numbering: the real counts live in section header 0 (gABI "Extended Section Numbering").
  let { e_phnum: phnum, e_shnum: shnum, e_shstrndx: shstrndx } = eh;
  const needSection0 = phnum === C.PN_XNUM || (shnum === 0 && eh.e_shoff !== 0) || shstrndx === C.SHN_XINDEX;
  if (needSection0 && eh.e_shoff > 0) {
    const r = shdr({ ...layout, base: eh.e_shoff });
    const s0 = runParser(r.parser, src.read(eh.e_shoff, r.size), layout, eh.e_shoff);
    if (s0.ok) {
      if (phnum === C.PN_XNUM) phnum = s0.value.sh_info;
      if (shnum === 0) shnum = s0.value.sh_size;
      if (shstrndx === C.SHN_XINDEX) shstrndx = s0.value.sh_link;
    } else {
      diagnostics.push({ ...s0.error, message: `extended numbering needs section header 0: ${s0.error.message}` });
    }
  }

  const header: ElfHeader = {
    class: layout.is64 ? 64 : 32,
    endian: layout.le ? 'little' : 'big',
    identVersion: ident[C.EI_VERSION]!,
    osabi: ident[C.EI_OSABI]!,
    abiVersion: ident[C.EI_ABIVERSION]!,
    identPaddingZero: ident.subarray(9, 16).every((b) => b === 0),
    type: eh.e_type,
    machine: eh.e_machine,
    version: eh.e_version,
    entry: eh.e_entry,
    phoff: eh.e_phoff,
    shoff: eh.e_shoff,
    flags: eh.e_flags,
    ehsize: eh.e_ehsize,
    phentsize: eh.e_phentsize,
    phnum,
    shentsize: eh.e_shentsize,
    shnum,
    shstrndx,
  };

  const segments = readSegments(src, layout, header);
  const image: Mutable<ElfImage> = {
    header, segments, interp: null, dynamic: null, needed: [], soname: null, rpath: null, runpath: null,
    audit: null, depaudit: null, filter: [], auxiliary: [], diagnostics,
  };
  image.interp = readInterp(src, layout, image);
  readDynamic(src, layout, image);
  return image;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function readSegments(src: ByteSource, layout: Omit<Layout, 'base'>, h: ElfHeader): Segment[] {
  if (h.phnum === 0) return [];
  const rec = phdr({ ...layout, base: 0 });
  const sname = rec.structure;
  if (h.phentsize !== rec.size) {
    throw new ElfAbort(elfError('ELF_BAD_PHENTSIZE', `${layout.is64 ? 'Elf64' : 'Elf32'}_Ehdr.e_phentsize`, layout.is64 ? 54 : 42,
      `e_phentsize is ${h.phentsize}, an ${sname} has ${rec.size} bytes`, h.phentsize));
  }
  if (!(h.phoff + h.phnum * rec.size <= src.size)) {
    throw new ElfAbort(elfError('ELF_TRUNCATED', `${sname}[${h.phnum}]`, h.phoff,
      `program headers (${h.phnum} × ${rec.size} bytes at offset ${wideDec(h.phoff)}) run past the end of the file (${src.size} bytes)`));
  }
  const raw = mustParse(table(h.phnum, rec), src.read(h.phoff, h.phnum * rec.size), layout, h.phoff);
  return raw.map((p) => ({
    type: p.p_type, flags: p.p_flags, offset: p.p_offset, vaddr: p.p_vaddr, paddr: p.p_paddr,
    filesz: p.p_filesz, memsz: p.p_memsz, align: p.p_align,
  }));
}

function segmentBytes(src: ByteSource, s: Segment, max = Infinity): Uint8Array | null {
  if (!(s.offset >= 0 && s.filesz >= 0 && s.offset + s.filesz <= src.size)) return null;
  return src.read(s.offset, Math.min(s.filesz, max));
}

function readInterp(src: ByteSource, layout: Omit<Layout, 'base'>, image: ElfImage): string | null {
  // The kernel uses the first PT_INTERP (fs/binfmt_elf.c).
  const s = image.segments.find((p) => p.type === C.PT_INTERP);
  if (!s) return null;
  const bytes = segmentBytes(src, s, MAX_INTERP);
  if (!bytes) {
    image.diagnostics.push({ code: 'ELF_TRUNCATED', structure: 'PT_INTERP', offset: s.offset, message: `PT_INTERP (${wideDec(s.filesz)} bytes at offset ${wideDec(s.offset)}) lies past the end of the file` });
    return null;
  }
  const r = mustParse(cstring(bytes.length, 'PT_INTERP'), bytes, layout, s.offset);
  if (!r.terminated) {
    image.diagnostics.push({ code: 'ELF_BAD_VALUE', structure: 'PT_INTERP', offset: s.offset, message: 'PT_INTERP is not NUL-terminated' });
  }
  return r.text;
}

function readDynamic(src: ByteSource, layout: Omit<Layout, 'base'>, image: Mutable<ElfImage>): void {
  // glibc's _dl_map_object_from_fd keeps the last PT_DYNAMIC and reads it at p_vaddr, through the mapping.
  const dynSeg = image.segments.filter((p) => p.type === C.PT_DYNAMIC).at(-1);
  if (!dynSeg) return;
  const rec = dyn({ ...layout, base: 0 });
  const at = locate(image, dynSeg.vaddr, Math.min(dynSeg.filesz, rec.size));
  let offset = at?.offset ?? null;
  if (at && !congruent(at.segment)) {
    // The loader refuses such a mapping (verify.ts says so); its bytes at p_offset are what the headers describe.
    image.diagnostics.push({ code: 'ELF_BAD_VALUE', structure: 'PT_LOAD.p_offset', offset: at.segment.offset,
      message: `the PT_LOAD holding PT_DYNAMIC has p_offset ${wideHex(at.segment.offset)} and p_vaddr ${wideHex(at.segment.vaddr)}, not congruent modulo the page size (ELF load command address/offset not page-aligned); PT_DYNAMIC read at p_offset` });
    offset = dynSeg.offset;
  }
  if (offset === null) {
    offset = dynSeg.offset;
    if (image.segments.some((p) => p.type === C.PT_LOAD)) {
      image.diagnostics.push({ code: 'ELF_BAD_VALUE', structure: 'PT_DYNAMIC.p_vaddr', offset: dynSeg.offset,
        message: `PT_DYNAMIC address ${wideHex(dynSeg.vaddr)} is not inside any PT_LOAD; read at p_offset instead` });
    }
  }
  if (!(offset >= 0 && offset <= src.size && dynSeg.filesz >= 0)) {
    image.diagnostics.push({ code: 'ELF_TRUNCATED', structure: 'PT_DYNAMIC', offset: dynSeg.offset, message: 'PT_DYNAMIC lies past the end of the file' });
    image.dynamic = [];
    return;
  }
  const avail = Math.min(dynSeg.filesz, src.size - offset);
  const n = Math.floor(avail / rec.size);
  const entries = mustParse(table(n, rec, 'PT_DYNAMIC'), src.read(offset, n * rec.size), layout, offset);
  const end = entries.findIndex((e) => e.d_tag === C.DT_NULL);
  if (end < 0) {
    image.diagnostics.push({ code: 'ELF_TRUNCATED', structure: `${rec.structure}[${n}]`, offset: offset + n * rec.size,
      message: `the dynamic section has no DT_NULL within its ${avail} bytes` });
  }
  const dynamic: DynamicEntry[] = (end < 0 ? entries : entries.slice(0, end)).map((e) => ({ tag: e.d_tag, value: e.d_val }));
  image.dynamic = dynamic;
  const strings = StringTable.fromDynamic(src, image);
  if (!strings) return;
  const str = (tag: number, i: number, value: number) => strings.at(value, () => `${rec.structure}[${i}] (${dynTagName(tag)})`, image.diagnostics);
  dynamic.forEach((e, i) => {
    switch (e.tag) {
      case C.DT_NEEDED: { const s = str(e.tag, i, e.value); if (s !== null) (image.needed as string[]).push(s); break; }
      case C.DT_FILTER: { const s = str(e.tag, i, e.value); if (s !== null) (image.filter as string[]).push(s); break; }
      case C.DT_AUXILIARY: { const s = str(e.tag, i, e.value); if (s !== null) (image.auxiliary as string[]).push(s); break; }
      // For the single-valued tags the last entry wins, as in elf_get_dynamic_info.
      case C.DT_SONAME: image.soname = str(e.tag, i, e.value); break;
      case C.DT_RPATH: image.rpath = str(e.tag, i, e.value); break;
      case C.DT_RUNPATH: image.runpath = str(e.tag, i, e.value); break;
      case C.DT_AUDIT: image.audit = str(e.tag, i, e.value); break;
      case C.DT_DEPAUDIT: image.depaudit = str(e.tag, i, e.value); break;
    }
  });
}
