// One object's own facts (no dependency resolution): the JSON-safe view behind `loadgraph inspect`.
import * as C from './constants.js';
import type { Diagnostic, ElfFormatError } from './errors.js';
import { decodeElf } from './decode.js';
import { type ElfImage, dynValue } from './image.js';
import { runParser, table } from './kit.js';
import { dynFlag1Names, dynFlagNames, dynTagName, fileTypeName, machineName, osabiName, relocTypeName, segmentTypeName } from './names.js';
import { type DlopenEntry, type GnuProperties, decodeAbiTag, decodeDlopenNote, decodeGnuProperties, decodePackageNote, hexOf, readNotes } from './notes.js';
import { wordrec } from './records.js';
import { bindsNow, hasTextrel } from './summary.js';
import { IRELATIVE_TYPES, readRelocations } from './relocs.js';
import type { ByteSource } from './source.js';
import { type Constructor, type IrelativeResolver, type SlotFill, FunctionNamer, constructorSlots, readConstructors, readIrelative, staticResolvers } from './ctors.js';
import { DynamicSymbols } from './symtab.js';
import { bytesAt, readDynamicSymbols } from './symbols.js';

export interface ObjectFacts {
  readonly path: string;
  readonly class: 32 | 64;
  readonly endian: 'little' | 'big';
  readonly machine: { readonly number: number; readonly name: string };
  readonly type: string;
  readonly osabi: string;
  readonly abiVersion: number;
  readonly interp: string | null;
  readonly needed: readonly string[];
  readonly soname: string | null;
  readonly rpath: readonly string[] | null;
  readonly runpath: readonly string[] | null;
  readonly audit: string | null;
  readonly depaudit: string | null;
  readonly filter: readonly string[];
  readonly auxiliary: readonly string[];
  readonly flags: readonly string[];
  readonly flags1: readonly string[];
  readonly bindNow: boolean;
  readonly textrel: boolean;
  readonly init: number | null;
  readonly fini: number | null;
  /** Slot contents as stored in the file (before relocation). */
  readonly initArray: readonly number[] | null;
  readonly preinitArray: readonly number[] | null;
  readonly finiArray: readonly number[] | null;
  readonly dynsymCount: number;
  readonly ifuncSymbols: readonly string[];
  readonly irelativeCount: number;
  readonly relocationCounts: Readonly<Record<string, number>>;
  readonly segments: {
    readonly gnuStack: 'absent' | 'rw' | 'rwx';
    readonly relro: boolean;
    readonly tls: boolean;
    readonly types: readonly string[];
  };
  readonly notes: {
    readonly buildId: string | null;
    readonly abiTag: string | null;
    readonly gnuProperty: GnuProperties | null;
    readonly dlopen: readonly DlopenEntry[];
    readonly package: Readonly<Record<string, unknown>> | null;
  };
  /** Load-time code of this object alone: constructors (toolchain entries told apart) and IRELATIVE resolvers. */
  readonly constructors: readonly Constructor[];
  readonly irelativeResolvers: readonly IrelativeResolver[];
  readonly diagnostics: readonly Diagnostic[];
}

export type FactsResult = { ok: true; facts: ObjectFacts } | { ok: false; path: string; error: ElfFormatError };

export function describeObject(src: ByteSource, path: string): FactsResult {
  const decoded = decodeElf(src);
  if (!decoded.ok) return { ok: false, path, error: decoded.error };
  return { ok: true, facts: factsOf(src, decoded.image, path) };
}

const split = (s: string | null) => (s === null ? null : s.split(':'));

function factsOf(src: ByteSource, image: ElfImage, path: string): ObjectFacts {
  const h = image.header;
  const diags = image.diagnostics;
  const flags = dynValue(image, C.DT_FLAGS) ?? 0;
  const flags1 = dynValue(image, C.DT_FLAGS_1) ?? 0;

  const relocs = readRelocations(src, image, diags);
  const referenced = relocs.reduce((m, t) => t.entries.reduce((n, r) => Math.max(n, r.r_sym + 1), m), 0);
  const symbols = readDynamicSymbols(src, image, referenced, diags);
  const irel = IRELATIVE_TYPES.get(h.machine) ?? [];
  const relocationCounts: Record<string, number> = {};
  let irelativeCount = 0;
  for (const t of relocs) {
    for (const r of t.entries) {
      const name = t.kind === 'relr' ? 'RELR' : relocTypeName(h.machine, r.r_type);
      relocationCounts[name] = (relocationCounts[name] ?? 0) + 1;
      if (t.kind !== 'relr' && irel.includes(r.r_type)) irelativeCount++;
    }
  }

  const notes = readNotes(src, image, diags);
  const le = h.endian === 'little';
  let buildId: string | null = null, abiTag: string | null = null, gnuProperty: GnuProperties | null = null;
  let pkg: Record<string, unknown> | null = null;
  const dlopen: DlopenEntry[] = [];
  for (const n of notes) {
    if (n.owner === 'GNU' && n.type === C.NT_GNU_BUILD_ID) buildId = hexOf(n.desc);
    else if (n.owner === 'GNU' && n.type === C.NT_GNU_ABI_TAG) abiTag = decodeAbiTag(n.desc, le);
    else if (n.owner === 'GNU' && n.type === C.NT_GNU_PROPERTY_TYPE_0) gnuProperty = decodeGnuProperties(n.desc, le, h.class === 64, h.machine);
    else if (n.owner === 'FDO' && n.type === C.NT_FDO_DLOPEN_METADATA) {
      const d = decodeDlopenNote(n.desc);
      if ('error' in d) diags.push({ code: 'ELF_BAD_VALUE', structure: 'NT_FDO_DLOPEN_METADATA', offset: n.offset, message: `dlopen note: ${d.error}` });
      else dlopen.push(...d.entries);
    } else if (n.owner === 'FDO' && n.type === C.NT_FDO_PACKAGING_METADATA) {
      const p = decodePackageNote(n.desc);
      if ('error' in p) diags.push({ code: 'ELF_BAD_VALUE', structure: 'NT_FDO_PACKAGING_METADATA', offset: n.offset, message: `package note: ${p.error}` });
      else pkg = p.value;
    }
  }

  const ctorSlots = constructorSlots(src, image);
  const fills = new Map<number, SlotFill>();
  const slotAddresses = new Set(ctorSlots.map((x) => x.slot));
  for (const t of relocs) if (t.kind !== 'jmprel' && t.kind !== 'relr') for (const r of t.entries) if (slotAddresses.has(r.r_offset)) fills.set(r.r_offset, { addend: r.r_addend, sym: r.r_sym });
  const dynsyms = DynamicSymbols.read(src, image, referenced);
  const namer = new FunctionNamer(src, image, dynsyms);
  const irelEntries = relocs.filter((t) => t.kind !== 'relr').flatMap((t) => t.entries.filter((r) => irel.includes(r.r_type)));

  const stack = image.segments.find((s) => s.type === C.PT_GNU_STACK);
  return {
    path,
    class: h.class,
    endian: h.endian,
    machine: { number: h.machine, name: machineName(h.machine) },
    type: fileTypeName(h.type),
    osabi: osabiName(h.osabi),
    abiVersion: h.abiVersion,
    interp: image.interp,
    needed: image.needed,
    soname: image.soname,
    rpath: split(image.rpath),
    runpath: split(image.runpath),
    audit: image.audit,
    depaudit: image.depaudit,
    filter: image.filter,
    auxiliary: image.auxiliary,
    flags: dynFlagNames(flags),
    flags1: dynFlag1Names(flags1),
    bindNow: bindsNow(image),
    textrel: hasTextrel(image),
    init: dynValue(image, C.DT_INIT) ?? null,
    fini: dynValue(image, C.DT_FINI) ?? null,
    initArray: slots(src, image, C.DT_INIT_ARRAY, C.DT_INIT_ARRAYSZ, diags),
    preinitArray: slots(src, image, C.DT_PREINIT_ARRAY, C.DT_PREINIT_ARRAYSZ, diags),
    finiArray: slots(src, image, C.DT_FINI_ARRAY, C.DT_FINI_ARRAYSZ, diags),
    dynsymCount: symbols.length,
    ifuncSymbols: symbols.filter((s) => s.type === C.STT_GNU_IFUNC).map((s) => s.name),
    irelativeCount,
    relocationCounts,
    segments: {
      gnuStack: !stack ? 'absent' : stack.flags & C.PF_X ? 'rwx' : 'rw',
      relro: image.segments.some((s) => s.type === C.PT_GNU_RELRO),
      tls: image.segments.some((s) => s.type === C.PT_TLS),
      types: image.segments.map((s) => segmentTypeName(s.type, h.machine)),
    },
    notes: { buildId, abiTag, gnuProperty, dlopen, package: pkg },
    constructors: readConstructors(src, image, ctorSlots, fills, dynsyms, namer),
    irelativeResolvers: [...readIrelative(src, image, irelEntries, namer), ...staticResolvers(src, image, namer)],
    diagnostics: diags,
  };
}

/** The words of an init/fini array as stored in the file, or null when the tag is absent. */
function slots(src: ByteSource, image: ElfImage, tag: number, sizeTag: number, diags: Diagnostic[]): number[] | null {
  const addr = dynValue(image, tag);
  if (addr === undefined) return null;
  const size = dynValue(image, sizeTag) ?? 0;
  const layout = { is64: image.header.class === 64, le: image.header.endian === 'little' };
  const rec = wordrec({ ...layout, base: 0 });
  if (size === 0) return [];
  const b = bytesAt(src, image, addr, size, dynTagName(tag), diags);
  if (!b) return [];
  const r = runParser(table(Math.floor(size / rec.size), rec), b.bytes, layout, b.offset);
  return r.ok ? r.value : [];
}
