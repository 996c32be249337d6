// Per-architecture relocation facts the loader acts on (glibc sysdeps/<arch>/dl-machine.h):
// elf_machine_type_class (PLT-class and COPY-class types) and the JUMP_SLOT types. IRELATIVE types: elf/relocs.ts.
import * as C from '../elf/constants.js';

export interface RelocClasses {
  /** Lookups that must not bind to an executable's canonical PLT entry (ELF_RTYPE_CLASS_PLT). */
  readonly plt: ReadonlySet<number>;
  readonly copy: ReadonlySet<number>;
  /** PLT slots: resolved lazily unless BIND_NOW. */
  readonly jumpSlot: ReadonlySet<number>;
}

const classes = (plt: number[], copy: number[], jumpSlot: number[]): RelocClasses => ({
  plt: new Set(plt), copy: new Set(copy), jumpSlot: new Set(jumpSlot),
});

const TABLE: ReadonlyMap<number, RelocClasses> = new Map([
  [C.EM_X86_64, classes([C.R_X86_64_JUMP_SLOT, C.R_X86_64_DTPMOD64, C.R_X86_64_DTPOFF64, C.R_X86_64_TPOFF64, C.R_X86_64_TLSDESC],
    [C.R_X86_64_COPY], [C.R_X86_64_JUMP_SLOT])],
  [C.EM_386, classes([C.R_386_JMP_SLOT, C.R_386_TLS_DTPMOD32, C.R_386_TLS_DTPOFF32, C.R_386_TLS_TPOFF32, C.R_386_TLS_TPOFF, C.R_386_TLS_DESC],
    [C.R_386_COPY], [C.R_386_JMP_SLOT])],
  [C.EM_AARCH64, classes([C.R_AARCH64_JUMP_SLOT, C.R_AARCH64_TLS_DTPMOD, C.R_AARCH64_TLS_DTPREL, C.R_AARCH64_TLS_TPREL, C.R_AARCH64_TLSDESC],
    [C.R_AARCH64_COPY], [C.R_AARCH64_JUMP_SLOT])],
  [C.EM_ARM, classes([C.R_ARM_JUMP_SLOT, C.R_ARM_TLS_DTPMOD32, C.R_ARM_TLS_DTPOFF32, C.R_ARM_TLS_TPOFF32, C.R_ARM_TLS_DESC],
    [C.R_ARM_COPY], [C.R_ARM_JUMP_SLOT])],
  [C.EM_S390, classes([C.R_390_JMP_SLOT, C.R_390_TLS_DTPMOD, C.R_390_TLS_DTPOFF, C.R_390_TLS_TPOFF],
    [C.R_390_COPY], [C.R_390_JMP_SLOT])],
  [C.EM_PPC64, classes([C.R_PPC64_JMP_SLOT, C.R_PPC64_DTPMOD64, C.R_PPC64_TPREL64, C.R_PPC64_DTPREL64],
    [C.R_PPC64_COPY], [C.R_PPC64_JMP_SLOT])],
  [C.EM_PPC, classes([C.R_PPC_JMP_SLOT, C.R_PPC_DTPMOD32, C.R_PPC_TPREL32, C.R_PPC_DTPREL32],
    [C.R_PPC_COPY], [C.R_PPC_JMP_SLOT])],
  [C.EM_MIPS, classes([C.R_MIPS_JUMP_SLOT], [C.R_MIPS_COPY], [C.R_MIPS_JUMP_SLOT])],
  [C.EM_RISCV, classes([C.R_RISCV_JUMP_SLOT, C.R_RISCV_TLS_DTPMOD64, C.R_RISCV_TLS_DTPREL64, C.R_RISCV_TLS_TPREL64, C.R_RISCV_TLS_DTPMOD32, C.R_RISCV_TLS_DTPREL32, C.R_RISCV_TLS_TPREL32],
    [C.R_RISCV_COPY], [C.R_RISCV_JUMP_SLOT])],
  [C.EM_LOONGARCH, classes([C.R_LARCH_JUMP_SLOT, C.R_LARCH_TLS_DTPMOD64, C.R_LARCH_TLS_DTPREL64, C.R_LARCH_TLS_TPREL64],
    [C.R_LARCH_COPY], [C.R_LARCH_JUMP_SLOT])],
]);

const NONE = classes([], [], []);
export const relocClasses = (machine: number): RelocClasses => TABLE.get(machine) ?? NONE;
