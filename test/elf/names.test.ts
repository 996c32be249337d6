import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import {
  dynFlag1Names, dynFlagNames, dynTagName, fileTypeName, machineName, osabiName, relocTypeName, segmentFlagNames,
  segmentTypeName, symbolBindName, symbolTypeName, symbolVisibilityName,
} from '../../src/elf/names.js';

describe('total stringifiers', () => {
  it('name known dynamic tags as in elf.h, and unknown ones relative to their range', () => {
    expect(dynTagName(C.DT_NEEDED)).toBe('DT_NEEDED');
    expect(dynTagName(C.DT_GNU_HASH)).toBe('DT_GNU_HASH');
    expect(dynTagName(C.DT_RELR)).toBe('DT_RELR');
    expect(dynTagName(C.DT_FILTER)).toBe('DT_FILTER');
    expect(dynTagName(C.DT_LOOS + 5)).toBe('DT_LOOS+0x5');
    expect(dynTagName(C.DT_LOPROC + 0x100)).toBe('DT_LOPROC+0x100');
    expect(dynTagName(0x40)).toBe('DT_0x40');
  });

  it('name processor-specific tags only for their machine', () => {
    expect(dynTagName(C.DT_MIPS_SYMTABNO, C.EM_MIPS)).toBe('DT_MIPS_SYMTABNO');
    expect(dynTagName(C.DT_MIPS_SYMTABNO, C.EM_X86_64)).toBe('DT_LOPROC+0x11');
    expect(dynTagName(0x70000000, C.EM_PPC64)).toBe('DT_PPC64_GLINK');
    expect(dynTagName(0x70000000, C.EM_PPC)).toBe('DT_PPC_GOT');
    expect(segmentTypeName(C.PT_ARM_EXIDX, C.EM_ARM)).toBe('PT_ARM_EXIDX');
    expect(segmentTypeName(C.PT_ARM_EXIDX, C.EM_MIPS)).toBe('PT_MIPS_RTPROC');
    expect(segmentTypeName(C.PT_ARM_EXIDX, C.EM_X86_64)).toBe('PT_LOPROC+0x1');
  });

  it('name segments, machines, file types and OS ABIs, known and unknown', () => {
    expect(segmentTypeName(C.PT_GNU_RELRO)).toBe('PT_GNU_RELRO');
    expect(segmentTypeName(C.PT_LOOS + 0x123)).toBe('PT_LOOS+0x123');
    expect(segmentTypeName(0x99)).toBe('PT_0x99');
    expect(machineName(C.EM_AARCH64)).toBe('EM_AARCH64');
    expect(machineName(0x7777)).toBe('EM_0x7777');
    expect(fileTypeName(C.ET_DYN)).toBe('ET_DYN');
    expect(fileTypeName(0xfe01)).toBe('ET_LOOS+0x1');
    expect(fileTypeName(9)).toBe('ET_0x9');
    expect(osabiName(C.ELFOSABI_GNU)).toBe('ELFOSABI_GNU');
    expect(osabiName(200)).toBe('ELFOSABI_0xc8');
  });

  it('name symbol types, bindings and visibilities', () => {
    expect(symbolTypeName(C.STT_GNU_IFUNC)).toBe('STT_GNU_IFUNC');
    expect(symbolTypeName(11)).toBe('STT_LOOS+0x1');
    expect(symbolTypeName(14)).toBe('STT_LOPROC+0x1');
    expect(symbolBindName(C.STB_GNU_UNIQUE)).toBe('STB_GNU_UNIQUE');
    expect(symbolBindName(5)).toBe('STB_0x5');
    expect(symbolVisibilityName(C.STV_PROTECTED)).toBe('STV_PROTECTED');
  });

  it('name relocation types per architecture, with the same number meaning different things', () => {
    expect(relocTypeName(C.EM_X86_64, 37)).toBe('R_X86_64_IRELATIVE');
    expect(relocTypeName(C.EM_386, 7)).toBe('R_386_JMP_SLOT');
    expect(relocTypeName(C.EM_AARCH64, 1032)).toBe('R_AARCH64_IRELATIVE');
    expect(relocTypeName(C.EM_S390, 61)).toBe('R_390_IRELATIVE');
    expect(relocTypeName(C.EM_PPC64, 248)).toBe('R_PPC64_IRELATIVE');
    expect(relocTypeName(C.EM_MIPS, 127)).toBe('R_MIPS_JUMP_SLOT');
    expect(relocTypeName(C.EM_X86_64, 200)).toBe('R_X86_64_0xc8');
    expect(relocTypeName(C.EM_SPARC, 3)).toBe('R_SPARC_0x3');
    expect(relocTypeName(0x7777, 1)).toBe('R_0x7777_0x1');
  });

  it('name flag bits and keep unknown bits as one hex value', () => {
    expect(dynFlagNames(C.DF_BIND_NOW | C.DF_TEXTREL)).toEqual(expect.arrayContaining(['DF_BIND_NOW', 'DF_TEXTREL']));
    expect(dynFlagNames(C.DF_BIND_NOW | 0x100)).toEqual(['DF_BIND_NOW', 'DF_0x100']);
    expect(dynFlag1Names(C.DF_1_NOW | C.DF_1_PIE)).toEqual(['DF_1_NOW', 'DF_1_PIE']);
    expect(dynFlag1Names(0x80000000)).toEqual(['DF_1_0x80000000']);
    expect(dynFlagNames(0)).toEqual([]);
    expect(segmentFlagNames(C.PF_R | C.PF_X)).toEqual(expect.arrayContaining(['PF_R', 'PF_X']));
  });
});
