// A static executable's IFUNC resolvers. No loader and no dynamic tag is involved: libc's static start-up
// code (glibc 2.36 csu/libc-start.c, apply_irel) applies the IRELATIVE relocations between the
// linker-defined symbols __rela_iplt_start and __rela_iplt_end (__rel_iplt_* for REL targets) before
// main. Those symbols are found in .symtab; when it is stripped, the .rela.iplt/.rel.iplt section that
// they delimit stands in. Both need section headers — the one place loadgraph reads them for a fact, and
// it says so in every resolver's `via`.
import * as C from './constants.js';
import { type ElfImage, addrToOffset } from './image.js';
import { runParser, table } from './kit.js';
import { decodeUtf8 } from './utf8.js';
import { type Reloc, type Shdr, reloc, shdr, sym } from './records.js';
import { IRELATIVE_TYPES } from './relocs.js';
import type { ByteSource } from './source.js';

export interface StaticIplt {
  /** How the table was found. */
  readonly via: string;
  readonly entries: readonly Reloc[];
}

/** The IRELATIVE entries libc's static start-up applies, or null (not static, or nothing found). */
export function readStaticIplt(src: ByteSource, image: ElfImage): StaticIplt | null {
  const h = image.header;
  if (image.dynamic !== null || (h.type !== C.ET_EXEC && h.type !== C.ET_DYN)) return null;
  const types = IRELATIVE_TYPES.get(h.machine);
  if (!types) return null;
  const layout = { is64: h.class === 64, le: h.endian === 'little' };
  const srec = shdr({ ...layout, base: 0 });
  if (h.shoff === 0 || h.shnum === 0 || h.shentsize !== srec.size || !(h.shoff + h.shnum * srec.size <= src.size)) return null;
  const parsed = runParser(table(h.shnum, srec), src.read(h.shoff, h.shnum * srec.size), layout, h.shoff);
  if (!parsed.ok) return null;
  const sections = parsed.value;
  const mips64 = h.machine === C.EM_MIPS && layout.is64;
  const read = (offset: number, size: number, rela: boolean, via: string): StaticIplt | null => {
    const rec = reloc({ ...layout, base: 0 }, rela, mips64);
    const n = Math.floor(size / rec.size);
    if (!(n > 0 && offset >= 0 && offset + n * rec.size <= src.size)) return null;
    const r = runParser(table(n, rec), src.read(offset, n * rec.size), layout, offset);
    return r.ok ? { via, entries: r.value.filter((e) => types.includes(e.r_type)) } : null;
  };

  // __rela_iplt_start/__rela_iplt_end (or __rel_iplt_*) from .symtab, read through the PT_LOAD map.
  const bounds = symbolBounds(src, sections, layout);
  for (const kind of ['rela', 'rel'] as const) {
    const start = bounds.get(`__${kind}_iplt_start`), end = bounds.get(`__${kind}_iplt_end`);
    if (start === undefined || end === undefined || !(end > start)) continue;
    const offset = addrToOffset(image, start, end - start);
    if (offset !== null) return read(offset, end - start, kind === 'rela', `static start-up: __${kind}_iplt_start..__${kind}_iplt_end`);
  }
  // Stripped: the section those symbols delimit, by name.
  const names = sections[h.shstrndx];
  const strings = names && names.sh_offset + names.sh_size <= src.size ? src.read(names.sh_offset, names.sh_size) : new Uint8Array(0);
  // Stripped: the allocated relocation section those symbols delimit (.rela.iplt; ARM's linker script puts
  // it inside .rel.dyn). Without PT_DYNAMIC no other allocated relocation section exists.
  for (const s of sections) {
    if ((s.sh_type !== C.SHT_RELA && s.sh_type !== C.SHT_REL) || (s.sh_flags & C.SHF_ALLOC) === 0) continue;
    const name = cstr(strings, s.sh_name) ?? `section ${sections.indexOf(s)}`;
    return read(s.sh_offset, s.sh_size, s.sh_type === C.SHT_RELA, `static start-up: the ${name} section (symbols stripped)`);
  }
  return null;
}

function symbolBounds(src: ByteSource, sections: readonly Shdr[], layout: { is64: boolean; le: boolean }): Map<string, number> {
  const out = new Map<string, number>();
  const symtab = sections.find((s) => s.sh_type === C.SHT_SYMTAB);
  const strtab = symtab && sections[symtab.sh_link];
  if (!symtab || !strtab || !(symtab.sh_offset + symtab.sh_size <= src.size) || !(strtab.sh_offset + strtab.sh_size <= src.size)) return out;
  const rec = sym({ ...layout, base: 0 });
  const n = Math.floor(symtab.sh_size / rec.size);
  const syms = runParser(table(n, rec), src.read(symtab.sh_offset, n * rec.size), layout, symtab.sh_offset);
  if (!syms.ok) return out;
  const strings = src.read(strtab.sh_offset, strtab.sh_size);
  for (const s of syms.value) {
    const name = cstr(strings, s.st_name);
    if (name !== null && /^__rela?_iplt_(start|end)$/.test(name)) out.set(name, s.st_value);
  }
  return out;
}

function cstr(strings: Uint8Array, at: number): string | null {
  if (!(at >= 0 && at < strings.length)) return null;
  let end = strings.indexOf(0, at);
  if (end < 0) end = strings.length;
  return decodeUtf8(strings.subarray(at, end));
}
