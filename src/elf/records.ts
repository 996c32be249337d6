// On-disk ELF records, declared once in spec field order with spec names, per class.
import { type Layout, type Rec, record, u16, u32, u8, word, sword } from './kit.js';

export interface Ehdr {
  e_type: number; e_machine: number; e_version: number; e_entry: number; e_phoff: number; e_shoff: number;
  e_flags: number; e_ehsize: number; e_phentsize: number; e_phnum: number; e_shentsize: number; e_shnum: number;
  e_shstrndx: number;
}
/** The header after e_ident (which is decoded by hand: it decides the Layout). */
export const ehdr = (l: Layout): Rec<Ehdr> => {
  const w = l.is64 ? 8 : 4;
  return record(l.is64 ? 'Elf64_Ehdr' : 'Elf32_Ehdr', 16 + 2 + 2 + 4 + 3 * w + 4 + 6 * 2, (v, at, l) => {
    let p = at + 16;
    const e_type = u16(v, p, l); const e_machine = u16(v, p + 2, l); const e_version = u32(v, p + 4, l);
    p += 8;
    const e_entry = word(v, p, l); const e_phoff = word(v, p + w, l); const e_shoff = word(v, p + 2 * w, l);
    p += 3 * w;
    return {
      e_type, e_machine, e_version, e_entry, e_phoff, e_shoff, e_flags: u32(v, p, l),
      e_ehsize: u16(v, p + 4, l), e_phentsize: u16(v, p + 6, l), e_phnum: u16(v, p + 8, l),
      e_shentsize: u16(v, p + 10, l), e_shnum: u16(v, p + 12, l), e_shstrndx: u16(v, p + 14, l),
    };
  });
};

export interface Phdr {
  p_type: number; p_flags: number; p_offset: number; p_vaddr: number; p_paddr: number; p_filesz: number;
  p_memsz: number; p_align: number;
}
export const phdr = (l: Layout): Rec<Phdr> =>
  l.is64
    ? record('Elf64_Phdr', 56, (v, at, l) => ({
        p_type: u32(v, at, l), p_flags: u32(v, at + 4, l), p_offset: word(v, at + 8, l), p_vaddr: word(v, at + 16, l),
        p_paddr: word(v, at + 24, l), p_filesz: word(v, at + 32, l), p_memsz: word(v, at + 40, l), p_align: word(v, at + 48, l),
      }))
    : record('Elf32_Phdr', 32, (v, at, l) => ({
        p_type: u32(v, at, l), p_offset: u32(v, at + 4, l), p_vaddr: u32(v, at + 8, l), p_paddr: u32(v, at + 12, l),
        p_filesz: u32(v, at + 16, l), p_memsz: u32(v, at + 20, l), p_flags: u32(v, at + 24, l), p_align: u32(v, at + 28, l),
      }));

export interface Shdr {
  sh_name: number; sh_type: number; sh_flags: number; sh_addr: number; sh_offset: number; sh_size: number;
  sh_link: number; sh_info: number; sh_addralign: number; sh_entsize: number;
}
export const shdr = (l: Layout): Rec<Shdr> => {
  const w = l.is64 ? 8 : 4;
  return record(l.is64 ? 'Elf64_Shdr' : 'Elf32_Shdr', 16 + 6 * w, (v, at, l) => ({
    sh_name: u32(v, at, l), sh_type: u32(v, at + 4, l), sh_flags: word(v, at + 8, l), sh_addr: word(v, at + 8 + w, l),
    sh_offset: word(v, at + 8 + 2 * w, l), sh_size: word(v, at + 8 + 3 * w, l), sh_link: u32(v, at + 8 + 4 * w, l),
    sh_info: u32(v, at + 12 + 4 * w, l), sh_addralign: word(v, at + 16 + 4 * w, l), sh_entsize: word(v, at + 16 + 5 * w, l),
  }));
};

export interface Dyn { d_tag: number; d_val: number }
export const dyn = (l: Layout): Rec<Dyn> =>
  record(l.is64 ? 'Elf64_Dyn' : 'Elf32_Dyn', l.is64 ? 16 : 8, (v, at, l) => ({
    d_tag: l.is64 ? word(v, at, l) : u32(v, at, l), d_val: word(v, at + (l.is64 ? 8 : 4), l),
  }));

export interface Sym { st_name: number; st_info: number; st_other: number; st_shndx: number; st_value: number; st_size: number }
export const sym = (l: Layout): Rec<Sym> =>
  l.is64
    ? record('Elf64_Sym', 24, (v, at, l) => ({
        st_name: u32(v, at, l), st_info: u8(v, at + 4), st_other: u8(v, at + 5), st_shndx: u16(v, at + 6, l),
        st_value: word(v, at + 8, l), st_size: word(v, at + 16, l),
      }))
    : record('Elf32_Sym', 16, (v, at, l) => ({
        st_name: u32(v, at, l), st_value: u32(v, at + 4, l), st_size: u32(v, at + 8, l), st_info: u8(v, at + 12),
        st_other: u8(v, at + 13), st_shndx: u16(v, at + 14, l),
      }));

/** A REL or RELA entry with r_info already split; MIPS64 keeps r_sym and the type bytes apart (mips64 ABI). */
export interface Reloc { r_offset: number; r_sym: number; r_type: number; r_addend: number | null }
export const reloc = (l: Layout, withAddend: boolean, mips64: boolean): Rec<Reloc> => {
  const w = l.is64 ? 8 : 4;
  const name = `Elf${l.is64 ? 64 : 32}_Rel${withAddend ? 'a' : ''}`;
  return record(name, withAddend ? 3 * w : 2 * w, (v, at, l) => {
    const r_offset = word(v, at, l);
    const r_addend = withAddend ? sword(v, at + 2 * w, l) : null;
    if (!l.is64) {
      const info = u32(v, at + 4, l);
      return { r_offset, r_sym: info >>> 8, r_type: info & 0xff, r_addend };
    }
    if (mips64) return { r_offset, r_sym: u32(v, at + 8, l), r_type: u8(v, at + 15), r_addend };
    const hi = u32(v, l.le ? at + 12 : at + 8, l);
    const lo = u32(v, l.le ? at + 8 : at + 12, l);
    return { r_offset, r_sym: hi, r_type: lo, r_addend };
  });
};

/** Note header: three 32-bit words in both classes. */
export interface Nhdr { n_namesz: number; n_descsz: number; n_type: number }
export const nhdr = record('Elf_Nhdr', 12, (v, at, l): Nhdr => ({
  n_namesz: u32(v, at, l), n_descsz: u32(v, at + 4, l), n_type: u32(v, at + 8, l),
}));

export interface Verneed { vn_version: number; vn_cnt: number; vn_file: number; vn_aux: number; vn_next: number }
export const verneed = record('Elf_Verneed', 16, (v, at, l): Verneed => ({
  vn_version: u16(v, at, l), vn_cnt: u16(v, at + 2, l), vn_file: u32(v, at + 4, l), vn_aux: u32(v, at + 8, l),
  vn_next: u32(v, at + 12, l),
}));
export interface Vernaux { vna_hash: number; vna_flags: number; vna_other: number; vna_name: number; vna_next: number }
export const vernaux = record('Elf_Vernaux', 16, (v, at, l): Vernaux => ({
  vna_hash: u32(v, at, l), vna_flags: u16(v, at + 4, l), vna_other: u16(v, at + 6, l), vna_name: u32(v, at + 8, l),
  vna_next: u32(v, at + 12, l),
}));
export interface Verdef { vd_version: number; vd_flags: number; vd_ndx: number; vd_cnt: number; vd_hash: number; vd_aux: number; vd_next: number }
export const verdef = record('Elf_Verdef', 20, (v, at, l): Verdef => ({
  vd_version: u16(v, at, l), vd_flags: u16(v, at + 2, l), vd_ndx: u16(v, at + 4, l), vd_cnt: u16(v, at + 6, l),
  vd_hash: u32(v, at + 8, l), vd_aux: u32(v, at + 12, l), vd_next: u32(v, at + 16, l),
}));
export interface Verdaux { vda_name: number; vda_next: number }
export const verdaux = record('Elf_Verdaux', 8, (v, at, l): Verdaux => ({ vda_name: u32(v, at, l), vda_next: u32(v, at + 4, l) }));

export const u32rec = record('Elf_Word', 4, (v, at, l) => u32(v, at, l));
export const u16rec = record('Elf_Half', 2, (v, at, l) => u16(v, at, l));
export const wordrec = (l: Layout) => record(l.is64 ? 'Elf64_Addr' : 'Elf32_Addr', l.is64 ? 8 : 4, (v, at, l) => word(v, at, l));
