// Public library API: the pipeline (analyse(): what `loadgraph FILE --format json` prints), and its parts —
// the ELF reader, the loader model, the analyses and their JSON-safe results.
export { analyse, analyseWith, checkWith, runOverRoot, type RootRun, loaderOptionsFrom, processHost, type AnalyseOptions, type Analysis, type Depth, type Host } from './pipeline.js';
export type { AnalysisResult } from './analyses/result.js';
export { reduceScan, type ProgramRecord, type ScanDocument } from './analyses/scan.js';
export { pathTo, type RdepsDocument } from './analyses/rdeps.js';
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
export { buildLoadGraph, type LoaderOptions, type LoadResult } from './loader/load.js';
export { bindSymbols, type Binding, type BindResult } from './loader/bind.js';
export type { FileSystem } from './loader/fs.js';
export { confinedFs } from './host/confined-fs.js';
export * from './graph/model.js';
export { loadTimeCode, type LoadTimeCode } from './analyses/load-time.js';
export { attribute, edgeCost, unusedDirect } from './analyses/attribution.js';
export { why, whyDocument, findObject } from './analyses/why.js';
export { suggest, SUGGESTION_RULES } from './analyses/suggestions.js';
export { diffResults } from './analyses/diff.js';
export { runChecks, checkProgram, checkDocument, RULES, PRESETS, policyFrom, type CheckedProgram } from './analyses/check.js';
export { readHardening, dpkgVersions, type ObjectHardening } from './loader/hardening-facts.js';
