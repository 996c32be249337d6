// Public library API: the ELF reader and its models.
export * from './elf/constants.js';
export * from './elf/names.js';
export { decodeElf, identify } from './elf/decode.js';
export { describeObject, type ObjectFacts, type FactsResult } from './elf/facts.js';
export { type ElfImage, type ElfHeader, type Segment, type DynamicEntry, type Note, dynValue, addrToOffset } from './elf/image.js';
export { type ElfFormatError, type Diagnostic, type ElfErrorCode } from './elf/errors.js';
export { type ByteSource, bytesSource } from './elf/source.js';
export { readDynamicSymbols, dynamicSymbolCount, readSymbolVersions, type ElfSymbol } from './elf/symbols.js';
export { readRelocations, decodeRelr, IRELATIVE_TYPES, type RelocTable } from './elf/relocs.js';
export { readNotes, decodeGnuProperties, decodeDlopenNote, decodePackageNote } from './elf/notes.js';
export { openFileSource, withFileSource } from './host/file-source.js';
