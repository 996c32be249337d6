// Typed ELF errors (fatal: no answer possible) and diagnostics (recoverable: the answer stands, with a caveat).

export type ElfErrorCode =
  | 'ELF_TRUNCATED' // a structure runs past the end of the file
  | 'ELF_BAD_MAGIC' // not an ELF file (e.g. a linker script)
  | 'ELF_BAD_CLASS' // EI_CLASS is neither ELFCLASS32 nor ELFCLASS64
  | 'ELF_BAD_DATA' // EI_DATA is neither ELFDATA2LSB nor ELFDATA2MSB
  | 'ELF_BAD_VERSION' // EI_VERSION or e_version is not EV_CURRENT
  | 'ELF_BAD_PHENTSIZE' // e_phentsize is not the size of an Elf_Phdr
  | 'ELF_BAD_COUNT' // a count times its entry size does not fit in the file
  | 'ELF_BAD_VALUE' // a value the reader cannot represent (above 2^53) or that contradicts the spec
  | 'ELF_UNREADABLE'; // the bytes could not be read at all (I/O)

export interface ElfFormatError {
  readonly code: ElfErrorCode;
  readonly message: string;
  /** Byte offset in the file where the bad structure or value sits. */
  readonly offset: number;
  /** The structure and field, e.g. "Elf64_Phdr[3].p_offset". */
  readonly structure: string;
  readonly value?: number | string;
}

export interface Diagnostic {
  readonly code: ElfErrorCode;
  readonly message: string;
  readonly offset?: number;
  readonly structure?: string;
}

export function elfError(
  code: ElfErrorCode,
  structure: string,
  offset: number,
  message: string,
  value?: number | string,
): ElfFormatError {
  return value === undefined ? { code, message, offset, structure } : { code, message, offset, structure, value };
}

/** Thrown only inside src/elf and caught at its boundary; never escapes decode functions. */
export class ElfAbort extends Error {
  constructor(readonly error: ElfFormatError) {
    super(error.message);
  }
}

export function isElfFormatError(x: unknown): x is ElfFormatError {
  return typeof x === 'object' && x !== null && 'code' in x && 'structure' in x && 'offset' in x;
}
