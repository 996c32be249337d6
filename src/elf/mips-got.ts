// MIPS binds global symbols through its GOT without dynamic relocations: glibc 2.36's elf_machine_got_rel
// (sysdeps/mips/dl-machine.h), run by elf_machine_runtime_setup before the object's REL/RELA entries,
// resolves the GOT entry of every dynamic symbol from DT_MIPS_GOTSYM to DT_MIPS_SYMTABNO.
import * as C from './constants.js';
import { type ElfImage, addrToOffset, dynValue } from './image.js';
import { wordAt } from './kit.js';
import type { ByteSource } from './source.js';
import type { DynamicSymbols } from './symtab.js';

/**
 * The references elf_machine_got_rel resolves, in its order, as columns: symbol, the type RESOLVE_GOTSYM
 * passes, and 1 in `stub` for an entry that holds a lazy-binding stub (an undefined STT_FUNC with a value
 * and no STO_MIPS_PLT, or a defined one whose GOT word is not its value): R_MIPS_JUMP_SLOT when the object
 * is bound now, through the stub at first call otherwise. A defined STT_SECTION entry is only moved by the
 * load address; every other entry is resolved now as R_MIPS_32. Empty for other machines; bounded by the
 * symbols read (verify.ts requires the tags).
 */
export function mipsGotReferences(src: ByteSource, image: ElfImage, syms: DynamicSymbols): { sym: number[]; type: number[]; stub: number[] } {
  const out = { sym: [] as number[], type: [] as number[], stub: [] as number[] };
  if (image.header.machine !== C.EM_MIPS) return out;
  const gotsym = dynValue(image, C.DT_MIPS_GOTSYM), symtabno = dynValue(image, C.DT_MIPS_SYMTABNO);
  const local = dynValue(image, C.DT_MIPS_LOCAL_GOTNO), pltgot = dynValue(image, C.DT_PLTGOT);
  if (gotsym === undefined || symtabno === undefined || local === undefined || pltgot === undefined) return out;
  const layout = { is64: image.header.class === 64, le: image.header.endian === 'little', base: 0 };
  const w = layout.is64 ? 8 : 4;
  // The GOT word of the k-th global entry as the file holds it (null: not in the file).
  const gotWord = (k: number): number | null => {
    const off = addrToOffset(image, pltgot + (local + k) * w, w);
    return off === null ? null : wordAt(src, off, layout);
  };
  const push = (sym: number, type: number, stub: number) => (out.sym.push(sym), out.type.push(type), out.stub.push(stub));
  for (let sym = gotsym, k = 0; sym < Math.min(symtabno, syms.count); sym++, k++) {
    const shndx = syms.shndx(sym), type = syms.type(sym);
    if (shndx === C.SHN_UNDEF) {
      const stub = type === C.STT_FUNC && syms.value(sym) !== 0 && (syms.other(sym) & C.STO_MIPS_PLT) === 0;
      if (stub) push(sym, C.R_MIPS_JUMP_SLOT, 1);
      else push(sym, C.R_MIPS_32, 0);
    } else if (shndx === C.SHN_COMMON) push(sym, C.R_MIPS_32, 0);
    else if (type === C.STT_FUNC && gotWord(k) !== syms.value(sym)) push(sym, C.R_MIPS_JUMP_SLOT, 1);
    else if (type !== C.STT_SECTION) push(sym, C.R_MIPS_32, 0);
  }
  return out;
}
