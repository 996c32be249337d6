// Static symbol binding: for every symbolic dynamic relocation of every object, the object that defines
// the symbol, as glibc 2.36 decides it — elf/dl-lookup.c _dl_lookup_symbol_x, do_lookup_x, check_match,
// do_lookup_unique; elf/dl-reloc.c RESOLVE_MAP; elf/dl-version.c _dl_check_map_versions.
import * as C from '../elf/constants.js';
import { type Constructor, type IrelativeResolver, type SlotFill, FunctionNamer, constructorSlots, readConstructors, readIrelative, staticResolvers } from '../elf/ctors.js';
import type { ElfImage } from '../elf/image.js';
import { dynValue } from '../elf/image.js';
import { mipsGotReferences } from '../elf/mips-got.js';
import { bindsNow } from '../elf/summary.js';
import type { Reloc } from '../elf/records.js';
import { IRELATIVE_TYPES, relativeAddendsAt, scanRelocations } from '../elf/relocs.js';
import type { ByteSource } from '../elf/source.js';
import { type SymbolVersions, bytesAt, readSymbolVersions } from '../elf/symbols.js';
import { DynamicSymbols, LookupKey, NameSet } from '../elf/symtab.js';
import type { LoadGraph } from '../graph/model.js';
import { initFiniOrder, programOf } from '../graph/traverse.js';
import type { FileSystem } from './fs.js';
import { relocClasses } from './reloc-classes.js';

export interface Binding {
  /** The object whose relocation asks for the symbol. */
  readonly from: number;
  /** The defining object; null when nothing defines it (weak: value 0; otherwise "undefined symbol"). */
  readonly to: number | null;
  readonly symbol: string;
  readonly version: string | null;
  readonly relocType: number;
  /** The referencing entry is STB_WEAK. */
  readonly weak: boolean;
  /** The relocation is a PLT slot that stays lazy (no BIND_NOW): resolved at first call, not at load. */
  readonly lazy: boolean;
  /** The definition is STT_GNU_IFUNC: its resolver runs when this relocation is processed (unless lazy). */
  readonly ifunc: boolean;
  /** Symbol index of the definition in `to` (for naming the resolver), or null. */
  readonly defIndex: number | null;
  /** The reference is STV_PROTECTED (LD_DEBUG prints "protected symbol"). */
  readonly protectedRef: boolean;
}

/**
 * The references that name a symbol, in the order ld.so resolves them — on MIPS each global GOT entry's
 * first, then every relocation's — one column per field the binder reads (a large program has tens of
 * thousands: no object per reference).
 */
export interface SymbolicRelocs {
  readonly sym: readonly number[];
  readonly type: readonly number[];
  /** 1 for a DT_JMPREL entry (a PLT slot) or a MIPS GOT entry holding a stub: lazily bound unless BIND_NOW. */
  readonly jmprel: readonly number[];
}

/** Everything the later stages read from an object beyond its dynamic section. */
export interface ObjectTables {
  readonly image: ElfImage;
  readonly symbols: DynamicSymbols | null;
  readonly symbolic: SymbolicRelocs;
  /** DT_VERSYM entry of a symbol, or null without DT_VERSYM (read on first use: most objects are never asked). */
  versym(index: number): number | null;
  /** l_versions: index → version (hash 0 means "no version"). */
  readonly versions: ReadonlyMap<number, { name: string; hash: number; hidden: boolean; file: string | null }>;
  readonly constructors: readonly Constructor[];
  readonly irelative: readonly IrelativeResolver[];
  /** The names this object defines as STT_GNU_IFUNC (found on first use). */
  readonly ifuncDefs: readonly Uint8Array[];
  /** Distinguishes the tables of a run (for the keys of ifuncRefs). */
  readonly serial: number;
  /** Indices into `symbolic` of the references that name an IFUNC, by the serials of the tables that define IFUNCs. */
  readonly ifuncRefs: Map<string, Uint32Array>;
}

let serials = 0;

export interface BindOptions {
  /** Resolve every PLT slot at load time, as LD_BIND_NOW does; otherwise each object's own DF_BIND_NOW/DF_1_NOW decides (never made lazy). */
  readonly bindNow?: boolean;
  readonly cwd?: string;
  /**
   * Bind only references to names that some object in the closure defines as STT_GNU_IFUNC: enough to
   * know which resolvers run, and far cheaper than binding every relocation (the default tree uses it).
   */
  readonly ifuncOnly?: boolean;
  /**
   * With ifuncOnly: requester → providers whose definitions its references are also bound to (the edges a
   * suggestion rule is about). A reference binds to a provider only if the provider defines the name, so
   * the others are left out; those that remain are looked up in the whole scope as usual.
   */
  readonly wanted?: ReadonlyMap<number, readonly number[]>;
  /** Each object's version lists as the loader read them for its version check (by object id). */
  readonly versions?: ReadonlyMap<number, SymbolVersions | null>;
  /** Bind only the references of these objects (the run-time loads, against the start-up scope). */
  readonly only?: ReadonlySet<number>;
  /** Shared by every program of a run: each library's tables read once, by real path. */
  readonly tables?: Map<string, ObjectTables>;
}

export interface BindResult {
  readonly bindings: readonly Binding[];
  /** Per object id, the tables read for binding (kept for the load-time-code analysis; their version
   *  tables are read lazily and only while bindSymbols runs). */
  readonly tables: ReadonlyMap<number, ObjectTables>;
  /** l_initfini: the program first; relocation and constructors go from the last to the first. */
  readonly initFini: readonly number[];
  /**
   * With every reference bound (neither ifuncOnly nor only): the first, in relocation order, that relocation
   * at start would stop on — bound at load time (not a lazy PLT slot), and either strong and defined nowhere
   * in its scope (_dl_lookup_symbol_x: "undefined symbol", fatal outside trace mode), or versioned and first
   * found in an object without DT_VERSYM that its DT_VERNEED names (check_match's assertion: ld.so aborts).
   * Null otherwise.
   */
  readonly failsAtStart: { readonly binding: Binding; readonly why: 'undefined' | 'unversioned' } | null;
}


const NO_VERSIONS: SymbolVersions = { versym: null, needs: [], defs: [] };

/** `known`: the object's DT_VERNEED/DT_VERDEF lists already read (null: it has neither), else read here on first use. */
export function readTables(src: ByteSource, image: ElfImage, known?: SymbolVersions | null): ObjectTables {
  const slots = constructorSlots(src, image);
  const slotAddresses = new Set(slots.map((x) => x.slot));
  const irelTypes = IRELATIVE_TYPES.get(image.header.machine) ?? [];
  const scanned = { sym: [] as number[], type: [] as number[], jmprel: [] as number[] };
  const irel: Reloc[] = [];
  const fills = new Map<number, SlotFill>();
  let referenced = 0;
  scanRelocations(src, image, (table, r_offset, r_sym, r_type, r_addend) => {
    if (r_sym !== 0) {
      scanned.sym.push(r_sym);
      scanned.type.push(r_type);
      scanned.jmprel.push(table === 'jmprel' ? 1 : 0);
      if (r_sym >= referenced) referenced = r_sym + 1;
    } else if (irelTypes.includes(r_type)) irel.push({ r_offset, r_sym, r_type, r_addend });
    if (table !== 'jmprel' && slotAddresses.has(r_offset)) fills.set(r_offset, { addend: r_addend, sym: r_sym });
  }, [], { skipRelativePrefix: true });
  // Slots filled by relative relocations sit in the skipped prefix: find just those.
  const missing = [...slotAddresses].filter((a): a is number => a !== null && !fills.has(a));
  for (const [a, addend] of relativeAddendsAt(src, image, missing)) fills.set(a, { addend, sym: 0 });
  const symbols = DynamicSymbols.read(src, image, referenced);
  // MIPS's global GOT entries come first: elf_machine_runtime_setup resolves them before any relocation.
  const got = symbols ? mipsGotReferences(src, image, symbols) : null;
  const symbolic: SymbolicRelocs = !got?.sym.length ? scanned
    : { sym: got.sym.concat(scanned.sym), type: got.type.concat(scanned.type), jmprel: got.stub.concat(scanned.jmprel) };
  // DT_VERSYM read in place (one u16 per symbol), the version lists only when a lookup needs them.
  let v: SymbolVersions | undefined;
  const versionsOf = () => (v ??= known === undefined ? readSymbolVersions(src, image, 0, []) : known ?? NO_VERSIONS);
  let versymView: DataView | null | undefined;
  const versymOf = () => {
    if (versymView !== undefined) return versymView;
    const at = dynValue(image, C.DT_VERSYM);
    const b = at === undefined || !symbols ? null : bytesAt(src, image, at, symbols.count * 2, 'DT_VERSYM', []);
    return (versymView = b ? new DataView(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength) : null);
  };
  const le = image.header.endian === 'little';
  let versions: Map<number, { name: string; hash: number; hidden: boolean; file: string | null }> | undefined;
  const namer = new FunctionNamer(src, image, symbols);
  let ifuncDefs: Uint8Array[] | undefined;
  return {
    image, symbols, symbolic, serial: ++serials, ifuncRefs: new Map(),
    get ifuncDefs() {
      if (!ifuncDefs) {
        ifuncDefs = [];
        for (let i = 1; i < (symbols?.count ?? 0); i++) if (symbols!.type(i) === C.STT_GNU_IFUNC && symbols!.shndx(i) !== C.SHN_UNDEF) ifuncDefs.push(symbols!.nameBytes(i));
      }
      return ifuncDefs;
    },
    versym: (i) => {
      const view = versymOf();
      return view === null ? null : i * 2 + 2 <= view.byteLength ? view.getUint16(i * 2, le) : 0;
    },
    get versions() {
      if (!versions) {
        versions = new Map();
        for (const need of versionsOf().needs) for (const x of need.versions) versions.set(x.index, { name: x.name, hash: x.hash, hidden: x.hidden, file: need.file });
        for (const d of versionsOf().defs) if ((d.flags & C.VER_FLG_BASE) === 0) versions.set(d.index & 0x7fff, { name: d.names[0] ?? '', hash: d.hash, hidden: false, file: null });
      }
      return versions;
    },
    constructors: readConstructors(src, image, slots, fills, symbols, namer),
    irelative: [...readIrelative(src, image, irel, namer), ...staticResolvers(src, image, namer)],
  };
}

export function bindSymbols(fs: FileSystem, g: LoadGraph, images: ReadonlyMap<number, ElfImage>, opts: BindOptions = {}): BindResult {
  const cwd = opts.cwd ?? g.env.cwd;
  // Files stay open while binding: version tables are read only for objects a lookup reaches.
  const open: Array<{ close(): void }> = [];
  try {
    const tables = new Map<number, ObjectTables>();
    for (const o of g.objects) {
      const image = images.get(o.id);
      if (!image || !o.path) continue;
      // A run's libraries by real path (the files do not change during a run); a program is its own.
      const key = o.kind === 'program' ? null : o.realPath;
      const cached = key !== null ? opts.tables?.get(key) : undefined;
      if (cached) {
        tables.set(o.id, cached);
        continue;
      }
      const f = fs.open(o.path.startsWith('/') ? o.path : `${cwd.replace(/\/+$/, '')}/${o.path}`);
      if (!f.ok) continue;
      open.push(f.value);
      const t = readTables(f.value, image, opts.versions?.get(o.id));
      if (opts.tables && key !== null) {
        // Read now what is otherwise read on first use, so the tables outlive the open file.
        void t.versions, t.versym(0), t.ifuncDefs;
        opts.tables.set(key, t);
      }
      tables.set(o.id, t);
    }
    return bindAll(g, tables, opts);
  } finally {
    for (const f of open) f.close();
  }
}

function bindAll(g: LoadGraph, tables: ReadonlyMap<number, ObjectTables>, opts: BindOptions): BindResult {
  // Every IFUNC name defined in the closure: a reference to another name cannot bind to an IFUNC.
  let ifuncNames: NameSet | null = null;
  let ifuncKey: string | null = null;
  if (opts.ifuncOnly) {
    ifuncNames = new NameSet();
    const definers = [...new Set(tables.values())].filter((t) => t.ifuncDefs.length > 0);
    for (const t of definers) for (const n of t.ifuncDefs) ifuncNames.add(n);
    ifuncKey = definers.map((t) => t.serial).sort((a, b) => a - b).join(',');
  }
  const program = programOf(g).id;
  // A scope as its ids, tables and symbol tables side by side, so that a lookup walks arrays.
  const scopeOf = (ids: readonly number[]): Scope => {
    const ts = ids.map((id) => tables.get(id)!);
    return { ids, tables: ts, syms: ts.map((t) => t.symbols) };
  };
  const global = scopeOf(g.searchList.filter((id) => tables.has(id)));
  const initFini = initFiniOrder(g);
  const unique = new Map<string, number>();
  const bindings: Binding[] = [];
  const interp = g.objects.find((o) => o.kind === 'interp')?.id;
  const every = !opts.ifuncOnly && !opts.only;
  let failsAtStart: BindResult['failsAtStart'] = null;
  const byId = new Map(g.objects.map((o) => [o.id, o]));

  // Lookups in the global scope repeat (every object asks for malloc); remember them, by name and then by
  // what else decides them (no key string made per lookup). Copy relocations, private (DF_SYMBOLIC) scopes
  // and protected second lookups are not remembered.
  // `unversioned`: check_match's assertion fires on this definition (see failsAtStart).
  type Hit = { obj: number; index: number; unversioned?: true } | null;
  const memo = new Map<string, Array<{ plt: boolean; version: string | null; hidden: boolean; file: string | null; hit: Hit }>>();
  const lookup = (name: string, key: LookupKey, version: Version | null, scope: Scope, plt: boolean, copy: boolean, from: number): Hit => {
    if (scope !== global || copy) return search(name, key, version, scope, plt, copy, from);
    let seen = memo.get(name);
    if (!seen) memo.set(name, (seen = []));
    const vname = version?.name ?? null, hidden = version?.hidden ?? false, file = version?.file ?? null;
    for (let k = 0; k < seen.length; k++) {
      const m = seen[k]!;
      if (m.plt === plt && m.version === vname && m.hidden === hidden && m.file === file) return m.hit;
    }
    const hit = search(name, key, version, scope, plt, copy, from);
    seen.push({ plt, version: vname, hidden, file, hit });
    return hit;
  };
  function search(name: string, key: LookupKey, version: Version | null, scope: Scope, plt: boolean, copy: boolean, from: number): Hit {
    for (let k = DynamicSymbols.nextCandidate(scope.syms, key, 0); k < scope.ids.length; k = DynamicSymbols.nextCandidate(scope.syms, key, k + 1)) {
      const id = scope.ids[k]!;
      if (copy && id === program) continue; // a copy relocation never finds the executable's own copy
      const t = scope.tables[k]!;
      const found = matchIn(t, key, version, plt);
      if (found === null) continue;
      // check_match: a versioned reference that reaches an object without DT_VERSYM which its DT_VERNEED
      // names ("a symbol must not simply disappear") fails an assertion.
      if (version?.file && t.versym(found) === null) {
        const o = byId.get(id);
        if (o && (o.path === version.file || o.names.includes(version.file))) return { obj: id, index: found, unversioned: true };
      }
      const s = t.symbols!;
      const vis = s.visibility(found), bind = s.bind(found);
      if (vis === C.STV_HIDDEN || vis === C.STV_INTERNAL || bind === C.STB_LOCAL) continue;
      if (bind === C.STB_GNU_UNIQUE) {
        // do_lookup_unique: one definition per name in the namespace (versions play no part), the first
        // registered in relocation order; a copy relocation registers the executable's copy.
        const first = unique.get(name);
        if (first !== undefined && !copy) return { obj: first, index: tables.get(first)!.symbols?.lookup(key)[0] ?? found };
        if (first === undefined) unique.set(name, copy ? from : id);
        return { obj: id, index: found };
      }
      return { obj: id, index: found };
    }
    return null;
  }

  // Objects are relocated from the last l_initfini entry to the first (ld.so is done separately and
  // its own bindings are not part of a trace), so unique symbols register in that order.
  for (const id of [...initFini].reverse()) {
    if (id === interp || (opts.only && !opts.only.has(id))) continue;
    const t = tables.get(id);
    if (!t) continue;
    const cls = relocClasses(t.image.header.machine);
    const flags = dynValue(t.image, C.DT_FLAGS) ?? 0;
    const now = opts.bindNow === true || bindsNow(t.image);
    const symbolic = (flags & C.DF_SYMBOLIC) !== 0 || dynValue(t.image, C.DT_SYMBOLIC) !== undefined;
    const scope = symbolic && id !== program ? scopeOf([id, ...global.ids.filter((x) => x !== id)]) : global;
    const syms = t.symbols;
    if (!syms) continue;
    // With ifuncOnly, whether a symbol's references are bound at all, decided once per symbol (0: not yet).
    const wanted = opts.wanted?.get(id)?.map((p) => tables.get(p)?.symbols).filter((x): x is DynamicSymbols => !!x) ?? [];
    // Made on first use: with the references kept on the tables, a run's later programs never need it.
    let decided: Uint8Array | null = null;
    // RESOLVE_MAP: local and hidden references bind to the object itself, without a lookup.
    const looksUp = (sym: number) => {
      const refBind = syms.bind(sym), refVis = syms.visibility(sym);
      return refBind !== C.STB_LOCAL && refVis !== C.STV_HIDDEN && refVis !== C.STV_INTERNAL;
    };
    const bindable = (sym: number) => {
      if (sym >= syms.count) return false;
      if (!ifuncNames) return looksUp(sym);
      decided ??= new Uint8Array(syms.count);
      if (decided[sym] === 0) {
        // The name first: it rules out most references.
        decided[sym] = (syms.nameIn(ifuncNames, sym) || (wanted.length > 0 && wanted.some((w) => w.lookup(new LookupKey(syms.nameBytes(sym))).length > 0))) && looksUp(sym) ? 1 : 2;
      }
      return decided[sym] === 1;
    };
    // Which references name an IFUNC depends only on the objects that define IFUNCs (in practice libc):
    // kept on the tables, so that a run's later programs with the same such objects skip the others unread.
    let refs: ArrayLike<number> | null = null;
    if (ifuncNames && wanted.length === 0) {
      let at = t.ifuncRefs.get(ifuncKey!);
      if (!at) {
        const keep: number[] = [];
        for (let k = 0; k < t.symbolic.sym.length; k++) if (bindable(t.symbolic.sym[k]!)) keep.push(k);
        t.ifuncRefs.set(ifuncKey!, (at = Uint32Array.from(keep)));
      }
      refs = at;
    }
    // Indexed loops: in the baseline tier a for…of allocates an iterator result per step.
    for (let k = 0, n = refs ? refs.length : t.symbolic.sym.length; k < n; k++) {
      const r = refs ? refs[k]! : k;
      const sym = t.symbolic.sym[r]!, type = t.symbolic.type[r]!;
      // Kept references are bindable by construction (the same IFUNC-defining objects decided them).
      if (!refs && !bindable(sym)) continue;
      const refBind = syms.bind(sym), refVis = syms.visibility(sym);
      const key = new LookupKey(syms.nameBytes(sym));
      const name = syms.name(sym);
      const plt = cls.plt.has(type);
      const copy = cls.copy.has(type);
      const lazy = t.symbolic.jmprel[r] === 1 && cls.jumpSlot.has(type) && !now;
      const v = t.versions.get((t.versym(sym) ?? 0) & 0x7fff);
      const version = v && v.hash !== 0 ? v : null;
      let hit = lookup(name, key, version, scope, plt, copy, id);
      const protectedRef = refVis === C.STV_PROTECTED;
      if (protectedRef && hit && hit.obj !== id) {
        // A reference to one's own protected symbol: PLT-class binds to itself; other classes bind to
        // itself when a PLT-class lookup (ignoring canonical PLT entries) finds someone else.
        const again = plt ? hit : lookup(name, key, version, scope, true, copy, id);
        if (again && again.obj !== id) hit = { obj: id, index: sym };
      }
      const defSyms = hit ? tables.get(hit.obj)!.symbols : null;
      const binding: Binding = {
        from: id, to: hit?.obj ?? null, symbol: name, version: version?.name ?? null, relocType: type,
        weak: refBind === C.STB_WEAK, lazy, ifunc: !!hit && defSyms?.type(hit.index) === C.STT_GNU_IFUNC, defIndex: hit?.index ?? null, protectedRef,
      };
      bindings.push(binding);
      if (every && !lazy && !failsAtStart) {
        if (hit?.unversioned) failsAtStart = { binding, why: 'unversioned' };
        else if (!hit && !binding.weak) failsAtStart = { binding, why: 'undefined' };
      }
    }
  }
  return { bindings, tables, initFini, failsAtStart };
}

/** A version a reference asks for (l_versions): `file` is the DT_VERNEED entry's file, null for a definition's own. */
type Version = { readonly name: string; readonly hash: number; readonly hidden: boolean; readonly file: string | null };

interface Scope { readonly ids: readonly number[]; readonly tables: readonly ObjectTables[]; readonly syms: ReadonlyArray<DynamicSymbols | null> }

/** do_lookup_x within one object, with check_match's rules; the symbol index or null. */
function matchIn(t: ObjectTables, key: LookupKey, version: { name: string; hash: number; hidden: boolean } | null, plt: boolean): number | null {
  const s = t.symbols;
  if (!s) return null;
  let versioned: number | null = null;
  let numVersions = 0;
  const found = s.lookup(key);
  // An indexed loop: in the baseline tier a for…of allocates an iterator, and this runs for every object a lookup passes.
  for (let k = 0; k < found.length; k++) {
    const i = found[k]!;
    if (!s.matchable(i) || (plt && s.shndx(i) === C.SHN_UNDEF)) continue;
    const vs = t.versym(i);
    if (version) {
      if (vs === null) return i;
      const def = t.versions.get(vs & 0x7fff);
      const defHash = def?.hash ?? 0;
      if ((defHash !== version.hash || def?.name !== version.name) && (version.hidden || defHash !== 0 || (vs & 0x8000) !== 0)) continue;
      return i;
    }
    if (vs !== null && (vs & 0x7fff) >= 3) {
      // An unversioned reference takes the oldest version (index 2) directly, or a single non-hidden one.
      if ((vs & 0x8000) === 0 && numVersions++ === 0) versioned = i;
      continue;
    }
    return i;
  }
  return numVersions === 1 ? versioned : null;
}
