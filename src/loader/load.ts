// buildLoadGraph: glibc 2.36 ld.so's dependency walk as a model, in trace (ldd) mode, one function per
// glibc function — setUp (elf/rtld.c dl_main), mapObject and openPath (elf/dl-load.c _dl_map_object,
// open_path), mapObjectDeps (rtld.c do_preload, elf/dl-deps.c _dl_map_object_deps), mapRuntimeObjects
// (elf/dl-open.c _dl_open, for run-time edges). All I/O goes through the FileSystem port; every input
// from the environment is an explicit option, recorded in the result.
import * as C from '../elf/constants.js';
import type { ElfImage } from '../elf/image.js';
import { dynValue } from '../elf/image.js';
import { decodeElf } from '../elf/decode.js';
import { wideHex } from '../elf/kit.js';
import { decodeUtf8 } from '../elf/utf8.js';
import type { Note } from '../elf/image.js';
import type { SymbolVersions } from '../elf/symbols.js';
import { bindsNow, requestsExecStack, summarize } from '../elf/summary.js';
import type { Candidate, EdgeKind, GraphEdge, GraphObject, LoadGraph, Reason, ResolvedEnv, RuntimeGraph, SourceKind } from '../graph/model.js';
import { type EdgeSource, dynamicEdges, edgeSource } from '../graph/edge-sources.js';
import { GRAPH_SCHEMA } from '../graph/model.js';
import { initFiniOrder } from '../graph/traverse.js';
import { type DstValues, expandDst, hasDst, normalizePath, originOf, pathList } from './dst.js';
import { type FileInfo, type FileSystem, type SpecialKind, errnoText } from './fs.js';
import { type LdCache, lookupCache, parseLdCache } from './ldcache.js';
import { readLdSoConf } from './ldconf.js';
import { type RuntimeRequest, dlopenRequests, runtimeRequests } from './runtime.js';
import { type ElfIdentity, type TargetPreset, debianLib, debianSystemDirs, presetFor } from './target.js';
import { type CpuFacts, capabilitiesFor, cpuDecides, isaLevelNames, legacyFor, searchesLegacy, x86IsaLevels } from './capabilities.js';
import { readLoaderDirs, releaseAtLeast } from './loader-dirs.js';
import { LIBC_SO, type ParsedObject, type VerifyCache, dynamicFault, dynamicInfoFailure, parsedObject, loadCommandError, mapFailure, relocationCrash, truncatedSegments, verifyCandidate } from './verify.js';
import { checkAllVersions } from './versions.js';
import { interpreterError, notALoader } from './interp.js';

export interface LoaderOptions {
  /** Shown in the result; paths given to the FileSystem are inside it. */
  readonly root?: string;
  /** In-root current directory, for relative names and empty path elements. */
  readonly cwd?: string;
  readonly libraryPath?: string | null;
  readonly preload?: string | null;
  /** Read the root's /etc/ld.so.preload (default true). */
  readonly preloadFile?: boolean;
  /**
   * The CPU the program would run on: its loader's glibc-hwcaps and legacy subdirectories and $PLATFORM
   * follow from it and the program's class and machine (capabilities.ts). Default: none (baseline).
   */
  readonly cpu?: CpuFacts | null;
  /** Active glibc-hwcaps subdirectories, most preferred first; overrides what `cpu` gives. */
  readonly hwcaps?: readonly string[];
  /** glibc 2.36 legacy hwcap subdirectory names (AT_HWCAP names, platform, "tls"); with hwcaps or platform given, default the AT_HWCAP names every CPU has ("x86_64" on x86-64), platform, "tls"; none for a loader of 2.37 or later. */
  readonly legacyHwcaps?: readonly string[];
  readonly platform?: string;
  readonly lib?: string;
  /** Default: the program's own loader's (its PT_INTERP file), else Debian's for the architecture. */
  readonly systemDirs?: readonly string[];
  /** null: from the program's set-user-ID/set-group-ID bits. */
  readonly secure?: boolean | null;
  readonly inhibitCache?: boolean;
  /** As LD_BIND_NOW (--bind-now): no object is bound lazily (default: as each object's own flags say). */
  readonly bindNow?: boolean;
  /** Resolve what the process may load after start-up (dlopen notes, PAM, NSS); default true. */
  readonly runtime?: boolean;
  /** The PAM service read for a program that links libpam; default the program's base name. */
  readonly pamService?: string;
  /** Shared by every program of a run (scan, rdeps, check DIR): each candidate judged, each object and ld.so.cache parsed once. */
  readonly runCache?: RunCache;
}

export interface RunCache extends VerifyCache {
  /** The root's ld.so.cache as parsed for each byte order, by that order. */
  readonly ldCache: Map<boolean, LdCache | null>;
  /** Its lookups' results by name, for each byte order and lookup target (CacheTarget's fields). */
  readonly ldLookups: Map<string, Map<string, string | null>>;
  /** Programs parsed while finding them, by real path with their file identity; the loader takes each one out as it starts it. */
  readonly programs: Map<string, { readonly id: string; readonly parsed: ParsedObject }>;
}

export const newRunCache = (): RunCache => ({ objects: new Map(), verdicts: new Map(), interpreters: new Map(), ldCache: new Map(), ldLookups: new Map(), programs: new Map() });

/** The graph, and each object's decoded image (by object id) for the stages that read more of it. */
/** `afterRelocation`: the graph's fatal error comes once every object is relocated (libc's early initialisation), so a symbol binding that stops relocation comes first. */
export type LoadResult =
  | { ok: true; graph: LoadGraph; images: ReadonlyMap<number, ElfImage>; versions: ReadonlyMap<number, SymbolVersions | null>; afterRelocation?: true }
  | { ok: false; message: string };

interface Obj {
  id: number;
  notes?: readonly Note[];
  kind: GraphObject['kind'];
  name: string;
  names: string[];
  path: string | null;
  realPath: string | null;
  image: ElfImage | null;
  fileId: string | null;
  loader: Obj | null;
  size: number | null;
  versions?: SymbolVersions | null;
  /** Relocating it stops ld.so on a relative-relocation assertion (verify.ts relativePrefixVerdict). */
  relativeAbort?: string | null;
  /** The x86 ISA levels it needs (verify.ts ParsedObject). */
  isaNeeded?: number;
  /** A libc.so.6 without the __libc_early_init ld.so calls (verify.ts ParsedObject). */
  earlyInitFailure?: string | null;
}

/** Subdirectories tried in every search directory: glibc-hwcaps names first, then glibc 2.36's legacy power set, then the directory itself. */
export function capabilitySubdirs(hwcaps: readonly string[], legacy: readonly string[]): string[] {
  const out = hwcaps.map((h) => `glibc-hwcaps/${h}/`);
  const n = legacy.length;
  for (let k = (1 << n) - 1; k > 0; k--) {
    let s = '';
    for (let j = n - 1; j >= 0; j--) if (k & (1 << j)) s += `${legacy[j]}/`;
    out.push(s);
  }
  out.push('');
  return out;
}

export function buildLoadGraph(fs: FileSystem, file: string, opts: LoaderOptions = {}): LoadResult {
  // ldd runs a name without a slash as ./NAME (not a PATH search); l_name and $ORIGIN keep the "./".
  const program = lddProgramName(file);
  const set = setUp(fs, program, opts);
  if (!set.ok) return set;
  const s = set.s;
  const { cwd, preset, release, platform, lib, systemDirs, hwcaps, legacy, secure, cacheInfo, objects, edges, state, warnings, interp, interpName, linkage } = s;
  const { queue, neededOf, preloadFile, chainMoves } = mapObjectDeps(s);

  // Object list: the program, the vDSO, then mapping order with each filtee moved before its filter; ld.so
  // moves to just after its predecessor in the search list.
  const searchList = queue.filter((o) => o.kind !== 'missing');
  let order = objects.filter((o) => o !== interp);
  for (const [filtee, filter] of chainMoves) {
    order.splice(order.indexOf(filtee), 1);
    order.splice(order.indexOf(filter), 0, filtee);
  }
  if (interp && searchList.includes(interp)) {
    const pred = searchList[searchList.indexOf(interp) - 1];
    const at = pred ? order.indexOf(pred) + 1 : order.length;
    order = [...order.slice(0, at), interp, ...order.slice(at)];
  }

  // With everything mapped, _dl_check_all_versions over the link map (rtld.c dl_main).
  let versionCheck: LoadGraph['versionCheck'];
  if (s.dynamicProcess && !state.fatal) {
    const checked = checkAllVersions(order.map((o) => ({
      id: o.id, lName: o.path ?? o.name, names: o.names, image: o.image, versions: o.versions ?? null, faked: o.kind === 'missing',
    })));
    versionCheck = checked.problems;
    const first = versionCheck.find((p) => p.fatal);
    if (checked.abort) state.fatal = { message: checked.abort.message, object: checked.abort.requester, stage: 'abort' };
    else if (first) state.fatal = { message: first.message, object: first.requester, stage: 'versions' };
  }

  const startupObjects = order.map((o) => toGraphObject(o, neededOf.get(o) ?? o.image?.needed ?? []));
  const env: ResolvedEnv = {
    root: opts.root ?? '/', cwd, arch: preset.arch, interp: interpName, release: release && release.join('.'), vdso: preset.vdso, systemDirs, lib, platform, hwcaps,
    legacyHwcaps: legacy, libraryPath: opts.libraryPath ?? null, preload: opts.preload ?? null, preloadFile, secure, cache: cacheInfo,
  };
  const startup: LoadGraph = {
    schema: GRAPH_SCHEMA,
    program,
    linkage,
    env,
    objects: startupObjects,
    edges,
    searchList: searchList.map((o) => o.id),
    fatal: s.execFatal ?? state.fatal,
    ...(versionCheck ? { versionCheck } : {}),
    warnings,
  };
  // Past trace mode (ldd's list is printed by now), _rtld_main_check: each object of l_initfini but ld.so,
  // from the last to the first, needs no x86 ISA level the CPU lacks (sysdeps/x86/dl-prop.h dl_isa_level_check).
  const known = s.isaLevels?.bits ?? C.GNU_PROPERTY_X86_ISA_1_BASELINE;
  if (s.dynamicProcess && !startup.fatal && order.some((o) => ((o.isaNeeded ?? 0) & ~known) !== 0)) {
    for (const id of [...initFiniOrder(startup)].reverse()) {
      const o = objects[id]!;
      const lacking = o === interp ? null : isaLacking(s, o, warnings);
      if (lacking) {
        state.fatal = { message: `${o.path ?? o.name}: CPU ISA level is lower than required (${lacking})`, object: o.id, stage: 'cpu' };
        break;
      }
    }
  }
  // Then dl_main relocates every object but ld.so, from the last l_initfini entry to the first: the first
  // whose relocation faults stops it (the order is worked out only when one does).
  const crashes = new Map<number, string>();
  if (s.dynamicProcess && !s.execFatal && !state.fatal) {
    for (const o of order) {
      const crash = o === interp ? null : relocationFault(o, opts);
      if (crash) crashes.set(o.id, `${o.path ?? o.name}: ${crash}`);
    }
  }
  if (crashes.size) {
    const first = initFiniOrder(startup).reverse().find((id) => crashes.has(id))!;
    state.fatal = { message: crashes.get(first)!, object: first, stage: 'relocation' };
  }
  // Relocation done, dl_main calls the early initialisation of libc_map, the first libc.so.6 mapped.
  const libc = s.dynamicProcess && !s.execFatal && !state.fatal ? objects.find((o) => o.kind === 'library' && o.image?.soname === LIBC_SO) : undefined;
  const afterRelocation = !!libc?.earlyInitFailure;
  if (afterRelocation) state.fatal = { message: `${libc!.path ?? libc!.name}: ${libc!.earlyInitFailure}`, object: libc!.id, stage: 'relocation' };
  const runtime = opts.runtime !== false && s.dynamicProcess && !state.fatal ? mapRuntimeObjects(s) : undefined;
  const graph: LoadGraph = { ...startup, fatal: s.execFatal ?? state.fatal, ...(runtime ? { runtime } : {}) };
  for (const o of startupObjects) for (const d of o.diagnostics ?? []) warnings.push(`${o.path ?? o.name}: ${d}`);
  const images = new Map(objects.filter((o) => o.image).map((o) => [o.id, o.image!] as const));
  // The version lists read for the version check serve the binder too.
  const versions = new Map(objects.filter((o) => o.image).map((o) => [o.id, o.versions ?? null] as const));
  return { ok: true, graph, images, versions, ...(afterRelocation ? { afterRelocation: true as const } : {}) };
}

/**
 * The run's set-up, as rtld.c dl_main does it before any search: the program checked and mapped, the
 * search directories, capability subdirectories and secure mode (dl-load.c _dl_init_paths,
 * _dl_important_hwcaps), the cache (dl-cache.c), then ld.so and the vDSO (setup_vdso) on the list.
 */
function setUp(fs: FileSystem, program: string, opts: LoaderOptions): { ok: true; s: Session } | { ok: false; message: string } {
  const cwd = opts.cwd ?? '/';
  const abs = (p: string) => (p.startsWith('/') ? p : `${cwd.replace(/\/+$/, '')}/${p}`);
  const mainReal = realOf(fs, abs(program));
  // A program the run's discovery parsed is not opened again while it is still that file.
  const handed = mainReal !== null ? opts.runCache?.programs.get(mainReal) : undefined;
  if (handed) opts.runCache!.programs.delete(mainReal!);
  const handedInfo = handed ? fs.stat(mainReal!) : null;
  let mainInfo: FileInfo;
  let decoded: ReturnType<typeof decodeElf>;
  let parsed: ParsedObject | null;
  if (handedInfo?.ok && handedInfo.value.kind === 'file' && handedInfo.value.id === handed!.id) {
    mainInfo = handedInfo.value;
    parsed = handed!.parsed;
    decoded = { ok: true, image: parsed.image };
  } else {
    const opened = fs.open(abs(program));
    if (!opened.ok) return { ok: false, message: `${program}: ${opened.special ? notRegular(opened.special) : errnoText[opened.errno] ?? opened.errno}` };
    mainInfo = opened.value.info;
    decoded = decodeElf(opened.value);
    parsed = decoded.ok ? parsedObject(opened.value, decoded.image) : null;
    opened.value.close();
  }
  const mainNotes = parsed?.notes ?? [];
  const mainVersions = parsed?.versions ?? null;
  if (!decoded.ok) return { ok: false, message: `${program}: ${decoded.error.message} (${decoded.error.structure} at offset ${wideHex(decoded.error.offset)})${KERNEL_DECIDES}` };
  const mainImage = decoded.image;
  const h = mainImage.header;
  if (h.type !== C.ET_EXEC && h.type !== C.ET_DYN) return { ok: false, message: `${program}: not a dynamic executable or shared object (e_type ${h.type})${KERNEL_DECIDES}` };
  const target: ElfIdentity = { class: h.class, endian: h.endian, machine: h.machine, flags: h.flags };
  const preset = presetFor(target);
  if (!preset) return { ok: false, message: `${program}: no glibc loader model for e_machine ${h.machine} (ELF${h.class} ${h.endian}-endian)` };
  if (mainImage.interp?.includes('ld-musl')) return { ok: false, message: `${program}: uses musl's loader (${mainImage.interp}); only glibc's is modelled` };

  // The program's own loader decides: its class and machine with the CPU, and its build-time strings.
  const caps = capabilitiesFor(preset, opts.cpu ?? null);
  const overridden = opts.hwcaps !== undefined || opts.platform !== undefined;
  const platform = opts.platform ?? caps.platform;
  const hwcaps = opts.hwcaps ?? caps.hwcaps;
  const interpName = mainImage.interp ?? preset.interp;
  const loaderDirs = mainImage.dynamic !== null ? (readLoaderDirs(fs, abs(interpName)) ?? readLoaderDirs(fs, preset.interp)) : null;
  const release = loaderDirs?.release ?? null;
  const legacy = opts.legacyHwcaps ?? (searchesLegacy(release) ? (overridden ? legacyFor(preset, platform) : caps.legacyHwcaps) : []);
  const lib = opts.lib ?? loaderDirs?.lib ?? debianLib(preset);
  const systemDirs = opts.systemDirs ?? loaderDirs?.systemDirs ?? debianSystemDirs(preset);
  const subdirs = capabilitySubdirs(hwcaps, legacy);
  // No CPU to ask (a root, or a program this CPU cannot run) and no --hwcaps: the search is a CPU's without
  // any glibc-hwcaps level, and what a CPU with one would find instead is looked for too (otherHwcaps below).
  const unknownLevels = opts.hwcaps === undefined && !cpuDecides(preset, opts.cpu ?? null) ? preset.hwcapsSubdirs : [];
  const secure = opts.secure ?? ((mainInfo.mode & 0o6000) !== 0);
  const warnings: string[] = [];

  // ld.so.cache of the root; without one, what ldconfig would build from ld.so.conf (see docs/loader.md).
  let cache: LdCache | null = null;
  let cacheInfo: ResolvedEnv['cache'] = { kind: 'none' };
  let confDirs: string[] | null = null;
  if (!opts.inhibitCache) {
    const le = h.endian === 'little';
    const raw = opts.runCache?.ldCache.has(le) ? null : fs.readFile('/etc/ld.so.cache', 64 << 20);
    cache = raw === null ? opts.runCache!.ldCache.get(le)! : raw.ok ? parseLdCache(raw.value, le) : null;
    if (raw?.ok) opts.runCache?.ldCache.set(le, cache);
    if (cache) cacheInfo = { kind: 'ld.so.cache', format: cache.format, entries: cache.entries.length };
    // _dl_load_cache_lookup: a file it cannot use is no cache at all, silently; only the system directories are searched.
    else if (raw === null || raw.ok) warnings.push(`/etc/ld.so.cache: not a cache ld.so can use (no known magic, another byte order, or entries past its end); ignored, as ld.so does: only the system directories are searched`);
    else {
      confDirs = readLdSoConf(fs, warnings);
      cacheInfo = { kind: 'ld.so.conf', dirs: confDirs };
    }
  }
  const cacheTarget = {
    acceptsFlags: (f: number) => preset.cacheFlags.includes(f),
    defaultId: preset.cacheDefaultId,
    hwcaps,
    isaLevel: h.machine === C.EM_X86_64 ? hwcaps.filter((x) => /^x86-64-v[234]$/.test(x)).length : 0,
  };
  // A name's cache lookup depends only on these: every program of a run with the same shares it.
  const lookupsKey = `${h.endian} ${preset.cacheFlags.join()} ${preset.cacheDefaultId} ${hwcaps.join()} ${cacheTarget.isaLevel}`;
  const cacheLookups = opts.runCache?.ldLookups.get(lookupsKey) ?? new Map<string, string | null>();
  opts.runCache?.ldLookups.set(lookupsKey, cacheLookups);

  const objects: Obj[] = [];
  const edges: GraphEdge[] = [];
  const state: Session['state'] = { fatal: null, stackAtRunTime: null };
  // Every object built with the same fields in the same order (one shape for V8; a spread is slow).
  const newObj = (o: Omit<Obj, 'id'>): Obj => {
    const x: Obj = { id: objects.length, notes: o.notes, kind: o.kind, name: o.name, names: o.names, path: o.path, realPath: o.realPath, image: o.image, fileId: o.fileId, loader: o.loader, size: o.size, versions: o.versions, relativeAbort: o.relativeAbort ?? null, isaNeeded: o.isaNeeded ?? 0, earlyInitFailure: o.earlyInitFailure ?? null };
    objects.push(x);
    return x;
  };

  // The kernel maps the program (fs/binfmt_elf.c elf_map): a PT_LOAD it cannot mmap fails execve; a
  // PT_DYNAMIC past the end of the file is mapped, and ld.so faults reading it.
  const badLoad = loadCommandError(mainImage);
  if (badLoad) state.fatal = { message: `${program}: execve would fail (EINVAL): the kernel cannot map a PT_LOAD whose p_offset and p_vaddr differ modulo the page size (ld.so's words for a library: ${badLoad})`, object: 0 };
  const mainFault = dynamicFault(mainImage, mainInfo.size);
  // fs/binfmt_elf.c load_elf_phdrs: 1 to 65536 bytes of program headers (so no PN_XNUM extension).
  if (h.phnum === 0 || h.phnum * h.phentsize > 65536) return { ok: false, message: `${program}: ${h.phnum} program headers; the kernel refuses a program without any or with more than 64 KiB of them (execve: Exec format error)` };
  if (mainFault) state.fatal ??= { message: `${program}: ${mainFault}`, object: 0 };
  // rtld.c dl_main reads the program's dynamic section and sets up its hash table before mapping anything else.
  const infoFailure = dynamicInfoFailure(mainImage);
  if (infoFailure) state.fatal ??= { ...infoFailure, message: `${program}: ${infoFailure.message}`, object: 0 };
  if (parsed?.hashAbort) state.fatal ??= { message: `${program}: ${parsed.hashAbort}`, object: 0, stage: 'abort' };
  const main = newObj({ kind: 'program', name: program, names: [], path: program, realPath: mainReal, image: mainImage, fileId: null, loader: null, size: mainInfo.size, notes: mainNotes, versions: mainVersions, relativeAbort: parsed?.relativeAbort ?? null, isaNeeded: parsed?.isaNeeded ?? 0 });
  if (mainImage.soname) main.names.push(mainImage.soname);
  const linkage: LoadGraph['linkage'] = mainImage.dynamic === null ? 'static' : mainImage.needed.length === 0 ? 'no-needs' : 'dynamic';
  // The interpreter (named by its PT_INTERP string — under ldd, the loader that runs — and by its SONAME)
  // and the vDSO are mapped before any search; a static program has neither.
  const dynamicProcess = linkage !== 'static' && (mainImage.interp !== null || linkage === 'dynamic');
  const interp = dynamicProcess ? loadInterp(fs, interpName, target, newObj, preset.interp, opts.runCache) : null;
  // The kernel maps PT_INTERP before anything runs: a missing or unusable one means execve fails. The walk
  // still goes on, as ldd's run of the architecture's standard loader would (it ignores PT_INTERP).
  const execError = interp && mainImage.interp !== null ? interpreterError(fs, abs(mainImage.interp), target, opts.runCache) : null;
  const execFatal: LoadGraph['fatal'] = execError ? { message: execError, object: main.id, stage: 'exec' } : null;
  if (dynamicProcess && preset.vdso) newObj({ kind: 'vdso', name: preset.vdso, names: [preset.vdso], path: null, realPath: null, image: null, fileId: null, loader: null, size: null });

  const dstOf = (o: Obj | null): DstValues => ({
    origin: o?.path ? originOf(o.path, cwd) : null,
    platform,
    lib,
  });
  const isTrusted = (dir: string) => systemDirs.some((s) => normalizePath(dir + '/').startsWith(s));

  return {
    ok: true,
    s: {
      fs, opts, program, cwd, abs, mainImage, target, preset, release, platform, lib, systemDirs, hwcaps, legacy, subdirs, unknownLevels, secure, warnings,
      isaLevels: x86IsaLevels(preset, opts.cpu ?? null, opts.hwcaps),
      cache, cacheInfo, confDirs, cacheTarget, cacheLookups, objects, edges, state, newObj, main, linkage, interpName, dynamicProcess, interp, execFatal, dstOf, isTrusted,
      dirStatus: new Map(),
    },
  };
}

/** One run of the loader: what dl_main set up, and the object list and edges _dl_map_object extends. */
interface Session {
  readonly fs: FileSystem;
  readonly opts: LoaderOptions;
  readonly program: string;
  readonly cwd: string;
  readonly abs: (p: string) => string;
  readonly mainImage: ElfImage;
  readonly target: ElfIdentity;
  readonly preset: TargetPreset;
  readonly release: readonly [number, number] | null;
  readonly platform: string;
  readonly lib: string;
  readonly systemDirs: readonly string[];
  readonly hwcaps: readonly string[];
  readonly legacy: readonly string[];
  readonly subdirs: readonly string[];
  /** The target's glibc-hwcaps levels when the CPU is not known, most capable first; [] when it is, or --hwcaps says. */
  readonly unknownLevels: readonly string[];
  /** cpu_features->isa_1 (x86 loaders), null when the CPU is not known or the loader is not x86. */
  readonly isaLevels: { readonly bits: number; readonly byHwcaps: boolean } | null;
  readonly secure: boolean;
  readonly warnings: string[];
  readonly cache: LdCache | null;
  readonly cacheInfo: ResolvedEnv['cache'];
  readonly confDirs: string[] | null;
  readonly cacheTarget: Parameters<typeof lookupCache>[2];
  readonly cacheLookups: Map<string, string | null>;
  /**
   * open_path's r_search_path_elem status, by search directory (with its trailing slash) and capability
   * index: whether that subdirectory exists, learnt at its first candidate that fails (or true at one that
   * opens). The elements are shared by every search list that names the same directory (GL(dl_all_dirs)),
   * for the whole process: a directory known not to exist is not tried again, for any name.
   */
  readonly dirStatus: Map<string, Array<boolean | undefined>>;
  readonly objects: Obj[];
  readonly edges: GraphEdge[];
  /** The fatal error so far; once start-up is over, whether the process stack is executable (null before). */
  readonly state: { fatal: LoadGraph['fatal']; stackAtRunTime: boolean | null };
  readonly newObj: (o: Omit<Obj, 'id'>) => Obj;
  readonly main: Obj;
  readonly linkage: LoadGraph['linkage'];
  readonly interpName: string;
  readonly dynamicProcess: boolean;
  readonly interp: Obj | null;
  /** execve's own failure (a missing or unusable PT_INTERP), before ld.so runs at all. */
  readonly execFatal: LoadGraph['fatal'];
  readonly dstOf: (o: Obj | null) => DstValues;
  readonly isTrusted: (dir: string) => boolean;
}

type Plan = { source: SourceKind; owner?: Obj; dirs: string[] };
const rpathOf = (o: Obj) => (o.image && o.image.runpath === null && o.image.rpath ? o.image.rpath : null);

/** dl-load.c _dl_map_object for one name: the edge, to the object found or mapped, or to nothing with the reason. */
function mapObject(s: Session, loader: Obj, raw: string, kind: EdgeKind): GraphEdge {
  const { mainImage, systemDirs, subdirs, secure, cache, confDirs, cacheTarget, objects, state, main, dstOf, isTrusted } = s;
  const edge = (to: Obj | null, reason: Reason, expanded: string, trace: Candidate[] = []) => edgeOf(loader, kind, raw, expanded, to, reason, trace);
  const src = edgeSource(kind);
  let name = raw;
  // A preload name without '/' keeps its DSTs as they are: rtld.c do_preload hands it straight to
  // _dl_map_object, which expands DSTs only in names with '/' (DT_NEEDED names are expanded before, by
  // _dl_map_object_deps).
  if (!src.preload || raw.includes('/')) {
    if (secure && !src.preload && hasDst(raw)) {
      state.fatal ??= { message: `${raw}: DST not allowed in SUID/SGID programs`, object: loader.id };
      return edge(null, { kind: 'fatal' }, raw);
    }
    const e = expandDst(raw, dstOf(src.preload ? main : loader));
    if (e === null || (e === '' && raw !== '')) {
      if (src.optional) return edge(null, { kind: 'not-found' }, raw);
      state.fatal ??= { message: `${raw}: ${e === '' ? 'empty dynamic string token substitution' : 'cannot expand dynamic string token'}`, object: loader.id };
      return edge(null, { kind: 'fatal' }, raw);
    }
    name = e;
  }
  // Step 0: already loaded, by l_name, by a recorded name, or by SONAME (_dl_name_match_p). The program's
  // l_name is "" at a start (rtld.c dl_main): an empty name is the program.
  if (name === '') return edge(main, { kind: 'already-loaded', by: 'name' }, name);
  for (const o of objects) {
    if (o.kind === 'missing') continue;
    if (o.path === name && o.kind !== 'program' && o.kind !== 'vdso') return edge(o, { kind: 'already-loaded', by: 'name' }, name);
    if (o.names.includes(name)) return edge(o, { kind: 'already-loaded', by: 'name' }, name);
    if (o.image?.soname === name) {
      o.names.push(name);
      return edge(o, { kind: 'already-loaded', by: 'soname' }, name);
    }
  }
  const plans: Plan[] = [];
  if (name.includes('/')) {
    plans.push({ source: 'path', dirs: [] });
  } else {
    if (!loader.image?.runpath) {
      let mainSeen = false;
      for (let l: Obj | null = loader; l; l = l.loader) {
        if (l === main) mainSeen = true;
        const rp = rpathOf(l);
        if (rp) plans.push({ source: 'rpath', owner: l, dirs: pathList(rp, /:/, dstOf(l), secure, l === main ? isTrusted : undefined) });
      }
      const mrp = rpathOf(main);
      if (!mainSeen && mrp) plans.push({ source: 'rpath', owner: main, dirs: pathList(mrp, /:/, dstOf(main), secure, isTrusted) });
    }
    if (!secure && s.opts.libraryPath) plans.push({ source: 'LD_LIBRARY_PATH', dirs: pathList(s.opts.libraryPath, /[:;]/, dstOf(main)) });
    if (loader.image?.runpath) plans.push({ source: 'runpath', owner: loader, dirs: pathList(loader.image.runpath, /:/, dstOf(loader), secure, loader === main ? isTrusted : undefined) });
  }
  const decider = loader.image ?? mainImage;
  const nodeflib = ((dynValue(decider, C.DT_FLAGS_1) ?? 0) & C.DF_1_NODEFLIB) !== 0;
  // Where the search looked matters only for what a glibc-hwcaps level of an unknown CPU would load at start.
  const search: Search = { s, loader, kind, raw, name, preload: src.preload, trace: [], looked: s.unknownLevels.length && src.atStart ? [] : null };

  for (const p of plans) {
    const done = p.source === 'path' ? finish(search, attempt(search, name, 'path'), 'path') : openPath(search, p.dirs, subdirs, p.source, p.owner);
    if (done) return p.source === 'path' ? done : found(search, done);
  }
  if (!name.includes('/')) {
    if (cache && !(secure && src.preload)) {
      let hit = s.cacheLookups.get(name);
      if (hit === undefined) s.cacheLookups.set(name, (hit = lookupCache(cache, name, cacheTarget)));
      search.looked?.push(CACHE);
      if (hit !== null) {
        if (nodeflib && systemDirs.some((d) => hit.startsWith(d))) search.trace.push({ path: hit, source: 'ld.so.cache', outcome: 'nodeflib' });
        else {
          const done = finish(search, attempt(search, hit, 'ld.so.cache'), 'ld.so.cache');
          if (done) return found(search, done);
        }
      }
    } else if (confDirs && !(secure && src.preload)) {
      for (const dir of confDirs) {
        if (nodeflib && systemDirs.some((d) => (dir + '/').startsWith(d))) continue;
        search.looked?.push(`${dir}/`);
        const path = `${dir}/${name}`;
        if (!s.fs.stat(path).ok) continue;
        const done = finish(search, attempt(search, path, 'ld.so.conf'), 'ld.so.conf');
        if (done) return found(search, done);
      }
    }
    if (!nodeflib) {
      const done = openPath(search, systemDirs, subdirs, 'system-dir');
      if (done) return found(search, done);
    }
  }
  if (state.fatal) return edge(null, { kind: 'fatal' }, name, search.trace);
  return edge(null, { kind: 'not-found' }, name, search.trace);
}

/** One name's search in progress: who asks, and every candidate tried so far. */
interface Search {
  readonly s: Session;
  readonly loader: Obj;
  readonly kind: EdgeKind;
  readonly raw: string;
  readonly name: string;
  readonly preload: boolean;
  readonly trace: Candidate[];
  /** The directories searched, in order, and CACHE where the cache was asked: where a glibc-hwcaps level would look (null: not needed). */
  readonly looked: string[] | null;
}
const CACHE = '';

/** A search's answer, after the warning for what an unknown CPU's glibc-hwcaps level would load instead. */
function found(q: Search, done: GraphEdge): GraphEdge {
  if (q.looked && done.to !== null && done.reason.kind !== 'already-loaded') otherHwcaps(q, q.looked, done);
  return done;
}

/**
 * What a CPU with a glibc-hwcaps level would load instead of `done`'s object, when the CPU is not known: the
 * first accepted file in a glibc-hwcaps/LEVEL/ subdirectory (that level or a lesser one) of the directories
 * searched up to the answer, or the cache's entry for those levels (dl-hwcaps.c _dl_important_hwcaps,
 * dl-cache.c search_cache). A warning names each such file and the levels that would load it.
 */
function otherHwcaps(q: Search, looked: readonly string[], done: GraphEdge): void {
  const { s } = q;
  const levels = s.unknownLevels;
  const chosen = s.objects[done.to!]!.path;
  const alike = new Map<string, string[]>();
  // Each level also tries the lesser levels' files: each candidate is judged once.
  const accepted = new Map<string, boolean>();
  const accepts = (p: string) => {
    let ok = accepted.get(p);
    if (ok === undefined) accepted.set(p, (ok = verifyCandidate(s.fs, s.abs(p), s.target, s.opts.runCache).kind === 'ok'));
    return ok;
  };
  for (let i = 0; i < levels.length; i++) {
    const active = levels.slice(i);
    let path: string | null = null;
    for (const dir of looked) {
      if (dir === CACHE) {
        // Only a cache with glibc-hwcaps entries answers differently; each answer once per run.
        if (!s.cache?.hwcapsNames.length) continue;
        const key = `${i}\0${q.name}`;
        let hit = s.cacheLookups.get(key);
        if (hit === undefined) s.cacheLookups.set(key, (hit = lookupCache(s.cache, q.name, { ...s.cacheTarget, hwcaps: active, isaLevel: s.target.machine === C.EM_X86_64 ? active.length : 0 })));
        path = hit;
      } else if (hasHwcapsDir(s.fs, s.abs(dir))) {
        path = active.map((h) => `${dir}glibc-hwcaps/${h}/${q.name}`).find(accepts) ?? null;
      }
      if (path !== null) break;
    }
    if (path !== null && path !== chosen) alike.set(path, [...(alike.get(path) ?? []), levels[i]!]);
  }
  for (const [path, by] of alike) {
    const least = by.at(-1)!;
    s.warnings.push(`${q.name}: ${chosen} is for a CPU without glibc-hwcaps levels (the CPU it runs on is not known); one with ${[...by].reverse().join(' or ')} loads ${path} (--hwcaps ${levels.slice(levels.indexOf(least)).join(',')})`);
  }
}

/** Whether DIR/glibc-hwcaps is a directory, asked once per file system and directory. */
const hwcapsDirs = new WeakMap<FileSystem, Map<string, boolean>>();
function hasHwcapsDir(fs: FileSystem, dir: string): boolean {
  let known = hwcapsDirs.get(fs);
  if (!known) hwcapsDirs.set(fs, (known = new Map()));
  let is = known.get(dir);
  if (is === undefined) {
    const st = fs.stat(`${dir}glibc-hwcaps`);
    known.set(dir, (is = st.ok && st.value.kind === 'dir'));
  }
  return is;
}

type Attempt = { obj: Obj; reused: boolean } | 'abandon' | 'fatal' | null;

/** One candidate file (dl-load.c open_verify, then _dl_map_object_from_fd's identity check), recorded on the trace. */
function attempt(q: Search, path: string, source: SourceKind, owner?: Obj): Attempt {
  const { s, loader, name, trace } = q;
  const v = verifyCandidate(s.fs, s.abs(path), s.target, s.opts.runCache);
  const cand = (outcome: Candidate['outcome'], detail?: string): Candidate => {
    const c: { -readonly [K in keyof Candidate]: Candidate[K] } = owner ? { path, source, owner: owner.id, outcome } : { path, source, outcome };
    if (detail) c.detail = detail;
    return c;
  };
  if (v.kind === 'skip') {
    trace.push(cand(v.outcome, v.detail));
    return null;
  }
  if (v.kind === 'abandon') {
    trace.push(cand('abandons-list', v.detail ?? v.errno));
    return 'abandon';
  }
  if (v.kind === 'fatal') {
    trace.push(cand('fatal', v.message));
    s.state.fatal ??= { message: `${path}: ${v.message}`, object: loader.id };
    return 'fatal';
  }
  if (s.secure && q.preload && (v.info.mode & 0o4000) === 0) {
    trace.push(cand('not-setuid'));
    return null;
  }
  trace.push(cand('accepted'));
  // File identity (st_dev, st_ino) against every loaded object but the program (_dl_map_object_from_fd).
  const same = s.objects.find((o) => o.fileId !== null && o.fileId === v.info.id);
  if (same) {
    same.names.push(name);
    return { obj: same, reused: true };
  }
  // _dl_map_object_from_fd's own errors name the object as it was asked for (its `name`), not by the path found.
  const failed = mapFailure(v.image, v.info.size, v.hashAbort);
  if (failed) {
    s.state.fatal ??= { ...(failed.stage ? { stage: failed.stage } : {}), message: `${failed.signalled ? name : path}: ${failed.message}`, object: loader.id };
    return 'fatal';
  }
  // An object marked DF_1_NOOPEN (ld -z nodlopen) is never mapped by a dlopen(), nor as one of its needs
  // (_dl_map_object_from_fd under __RTLD_DLOPEN); at start it is.
  if (s.state.stackAtRunTime !== null && ((dynValue(v.image, C.DT_FLAGS_1) ?? 0) & C.DF_1_NOOPEN) !== 0) {
    s.state.fatal ??= { message: `${name}: shared object cannot be dlopen()ed`, object: loader.id };
    return 'fatal';
  }
  // After start-up every object is mapped by a dlopen(), which before glibc 2.41 made the stack executable
  // for an object that asks, and since refuses it (dl-load.c _dl_map_object_from_fd: EINVAL under __RTLD_DLOPEN).
  if (s.state.stackAtRunTime === false && requestsExecStack(v.image)) {
    if (releaseAtLeast(s.release, 2, 41)) {
      s.state.fatal ??= { message: `${name}: cannot enable executable stack as shared object requires: Invalid argument`, object: loader.id };
      return 'fatal';
    }
    s.state.stackAtRunTime = true;
  }
  return { obj: s.newObj({ kind: 'library', name, names: [name], path, realPath: realOf(s.fs, s.abs(path)), image: v.image, fileId: v.info.id, loader, size: v.info.size, notes: v.notes, versions: v.versions, relativeAbort: v.relativeAbort, isaNeeded: v.isaNeeded, earlyInitFailure: v.earlyInitFailure }), reused: false };
}

/** The edge an attempt ends the search with, or null to go on. */
function finish(q: Search, r: Attempt, source: SourceKind, owner?: Obj): GraphEdge | null {
  if (r === null || r === 'abandon') return null;
  const reason: Reason = r === 'fatal' ? { kind: 'fatal' } : r.reused ? { kind: 'already-loaded', by: 'file' }
    : { kind: source as Exclude<SourceKind, 'interp'>, ...(owner ? { owner: owner.id } : {}) };
  return edgeOf(q.loader, q.kind, q.raw, q.name, r === 'fatal' ? null : r.obj, reason, q.trace);
}

/** Every edge has this one shape (one hidden class for V8). */
const edgeOf = (loader: Obj, kind: EdgeKind, name: string, expanded: string, to: Obj | null, reason: Reason, trace: Candidate[]): GraphEdge => ({ from: loader.id, to: to?.id ?? null, kind, name, expanded, reason, trace });

/**
 * dl-load.c open_path: every directory of one search list, each with the capability subdirectories first.
 * A candidate that is found ends the search; an error other than a missing file gives up the rest of
 * this list (the next list is still searched).
 */
function openPath(q: Search, dirs: readonly string[], subdirs: readonly string[], source: SourceKind, owner?: Obj): GraphEdge | null {
  for (const dir of dirs) {
    q.looked?.push(dir);
    // By capability index, as glibc keeps it: a subdirectory named twice (legacy "x86_64/" for both the
    // platform and the hwcap) is two entries, each tried.
    let status = q.s.dirStatus.get(dir);
    if (!status) q.s.dirStatus.set(dir, (status = []));
    for (let i = 0; i < subdirs.length; i++) {
      if (status[i] === false) continue; // "Skip this directory if we know it does not exist."
      const at = dir + subdirs[i]!;
      const r = attempt(q, at + q.name, source, owner);
      status[i] ??= (r !== null && r !== 'abandon') || isDir(q.s, at);
      if (r === 'abandon') return null;
      const done = finish(q, r, source, owner);
      if (done) return done;
    }
  }
  return null;
}

/**
 * After a failed candidate, open_path's "is there any directory at all": stat of the candidate's directory
 * without its last '/' (an empty element is "./"; RPATH "/" gives "", which stat refuses), following links.
 */
function isDir(s: Session, at: string): boolean {
  const dir = (at === '' ? './' : at).slice(0, -1);
  const st = dir === '' ? null : s.fs.stat(s.abs(dir));
  return !!st?.ok && st.value.kind === 'dir';
}

/**
 * The preloads (rtld.c do_preload: LD_PRELOAD, then /etc/ld.so.preload) and the breadth-first walk of
 * dl-deps.c _dl_map_object_deps: each object's dynamic-array needs, in order, when it is dequeued.
 */
function mapObjectDeps(s: Session): { queue: Obj[]; neededOf: Map<Obj, string[]>; preloadFile: string[]; chainMoves: Array<[Obj, Obj]> } {
  const { fs, opts, secure, warnings, objects, edges, state, newObj, main, dynamicProcess } = s;
  const neededOf = new Map<Obj, string[]>();
  // Link-map moves, in order: [filtee, filter] puts the filtee just before its filter.
  const chainMoves: Array<[Obj, Obj]> = [];
  // Preloads: LD_PRELOAD (--preload), then the root's /etc/ld.so.preload, searched as needs of the program.
  const queue: Obj[] = [main];
  const preloadNames: string[] = [];
  if (opts.preload && dynamicProcess && !state.fatal) for (const n of opts.preload.split(/[ :]+/).filter(Boolean)) if (!(secure && n.includes('/'))) preloadNames.push(n);
  const preloadFile = opts.preloadFile === false || !dynamicProcess || state.fatal ? [] : readPreloadFile(fs);
  for (const n of [...preloadNames, ...preloadFile]) {
    const e = mapObject(s, main, n, 'preload');
    edges.push(e);
    const to = e.to === null ? null : objects[e.to]!;
    if (to === null) {
      warnings.push(`object '${n}' cannot be preloaded (${e.reason.kind === 'fatal' ? state.fatal?.message : 'cannot open shared object file'}): ignored`);
      if (e.reason.kind === 'fatal') state.fatal = null; // a failed preload is not fatal (rtld.c do_preload)
    } else if (!queue.includes(to)) queue.push(to);
  }

  // The breadth-first walk of _dl_map_object_deps: each object's DT_NEEDED, DT_AUXILIARY and DT_FILTER
  // entries, in dynamic-array order, when it is dequeued. A need not yet on the list is appended; a filtee
  // (found, or a "not found" stand-in in trace mode) goes just before its filter — on the list, so that
  // lookups find its definitions first, and in the link map, so that ldd prints it first — or moves there
  // when it is on the list later; one earlier stays. A filtee put there is walked next, then its filter
  // is passed by.
  const list = queue.map((o) => ({ o, done: false }));
  const onList = new Set(queue);
  const targets = new Map<Obj, Array<[EdgeSource, Obj | null]>>();
  // Filters that name each other (A's filtee B, B's filtee A) move each other forward without end: glibc
  // makes a list entry on the stack for every move, until the stack runs out. Without such a cycle, a
  // filtee moves at most once for each filter that names it and each time that filter is walked.
  let moves = 0, pairs = 0;
  for (let ri = 0; ri < list.length && !state.fatal; ) {
    const x = list[ri]!.o;
    list[ri]!.done = true;
    let at = ri; // where x's entry is: its filtees go in there, in order
    const img = x.image;
    // An object walked again (a filtee that moved back to an earlier place) maps nothing new: its edges are
    // those of its first walk.
    let deps = targets.get(x);
    if (img && !deps) {
      // _dl_map_object_deps reads an object's names at DT_STRTAB, through a null pointer when it has none.
      if (dynValue(img, C.DT_STRTAB) === undefined && [C.DT_NEEDED, C.DT_AUXILIARY, C.DT_FILTER].some((t) => dynValue(img, t) !== undefined)) {
        state.fatal = { message: `${x.path ?? x.name}: DT_NEEDED without DT_STRTAB: ld.so reads the names through a null pointer (the process would be killed by SIGSEGV)`, object: x.id };
        break;
      }
      targets.set(x, (deps = []));
      const named = dynamicEdges(img);
      neededOf.set(x, named.map(([, n]) => n));
      for (const [src, raw] of named) {
        let e = mapObject(s, x, raw, src.kind);
        // An auxiliary filtee that cannot be mapped is passed by: _dl_catch_exception catches the error
        // _dl_map_object signals (not an assertion's abort, nor a fault).
        const caught = state.fatal as Session['state']['fatal']; // mapObject may have set it
        if (caught && src.optional && caught.stage !== 'abort' && !/would (most likely )?be killed by SIG/.test(caught.message)) {
          e = { ...e, to: null, error: caught.message };
          state.fatal = null;
        }
        edges.push(e);
        if (state.fatal) break;
        let to = e.to === null ? null : objects[e.to]!;
        // Trace mode: a "not found" stand-in (l_faked), and the walk goes on; a missing auxiliary filtee
        // is one too, although a start without tracing passes it by.
        if (to === null && !(src.optional && e.reason.kind !== 'not-found')) {
          to = newObj({ kind: 'missing', name: e.expanded, names: [e.expanded], path: null, realPath: null, image: null, fileId: null, loader: x, size: null });
          (edges as GraphEdge[])[edges.length - 1] = { ...e, to: to.id };
        }
        deps.push([src, to]);
        if (src.filtee) pairs++;
      }
    }
    for (const [src, to] of deps ?? []) {
      if (to === null) continue;
      if (!src.filtee) {
        if (!onList.has(to)) list.push({ o: to, done: false }), onList.add(to);
        continue;
      }
      const on = onList.has(to) ? list.findIndex((y) => y.o === to) : -1;
      if (on >= 0 && on <= at) continue;
      if (on > at) {
        if (++moves > (pairs + 1) * (list.length + 1)) {
          state.fatal = { message: `${x.path ?? x.name}: its filtee ${to.path ?? to.name} is a filter that leads back to it: _dl_map_object_deps moves them before each other without end, on the stack (the process would be killed by SIGSEGV; ldd prints nothing)`, object: x.id, stage: 'abort' };
          break;
        }
        list.splice(on, 1);
      }
      list.splice(at, 0, { o: to, done: false });
      onList.add(to);
      at++;
      chainMoves.push([to, x]);
    }
    while (ri < list.length && list[ri]!.done) ri++;
  }
  return { queue: list.map((y) => y.o), neededOf, preloadFile, chainMoves };
}

/**
 * After start-up: what the process may dlopen(), one request after another, each as dl-open.c
 * dl_open_worker does it: the object resolved from the requesting object (_dl_map_object with it as the
 * loader), then its DT_NEEDED closure (_dl_map_object_deps). A dlopen() succeeds or fails as a whole: when
 * anything it must map cannot be (not found, refused), dlerror() names it and _dl_close_worker unmaps what
 * it had mapped, so a later request searches for those names afresh. Never fatal to the process.
 */
function mapRuntimeObjects(s: Session): RuntimeGraph {
  const { fs, opts, program, abs, objects, state } = s;
  const first = objects.length;
  const edges: GraphEdge[] = [];
  const warnings: string[] = [];
  // rtld.c dl_main takes the program's PT_GNU_STACK (or the port's default); a library mapped at start that asks makes it executable.
  state.stackAtRunTime = objects.some((o) => o.image !== null && o.kind !== 'interp' && requestsExecStack(o.image));
  const seenBy = (o: Obj) => ({ id: o.id, path: o.path === null ? null : abs(o.path), image: o.image, notes: o.notes ?? [] });
  const requests = runtimeRequests(fs, program, objects.map(seenBy), opts.pamService ? { pamService: opts.pamService } : {}, warnings);
  for (let ri = 0; ri < requests.length; ri++) {
    const req = requests[ri]!;
    // The sonames of a dlopen note are alternatives, most preferred first: each one a dlopen() of its own.
    let failed: GraphEdge | null = null;
    for (const name of req.names) {
      const mark = objects.length;
      const r = dlopen(s, objects[req.from]!, name, req.kind, mark);
      if (r.closure) {
        edges.push({ ...r.edge, provenance: req.provenance }, ...r.closure);
        for (const o of objects.slice(mark)) {
          // dl_open_worker relocates what it mapped: a fault or an assertion there ends the process, not the dlopen().
          const crash = relocationFault(o, opts);
          if (crash) warnings.push(`${o.path ?? o.name}: ${crash}, when a run-time dlopen() maps it`);
          // What it mapped may itself dlopen() later (pam_systemd → libsystemd → liblzma).
          requests.push(...dlopenRequests(seenBy(o), warnings));
        }
        failed = null;
        break;
      }
      objects.length = mark;
      failed ??= { ...r.edge, provenance: req.provenance };
    }
    if (failed) edges.push(failed);
  }
  return { objects: objects.slice(first).map((o) => toGraphObject(o, o.image ? dynamicEdges(o.image).map(([, n]) => n) : [])), edges, warnings };
}

/**
 * One dlopen(): its edge and, when it succeeds, the edges of its closure (breadth-first over the objects it
 * mapped, those from `mark` on); when it fails, the edge to nothing with dlerror()'s words. An auxiliary
 * filtee that fails is passed over, whatever the reason (dl-deps.c _dl_map_object_deps).
 */
function dlopen(s: Session, from: Obj, name: string, kind: EdgeKind, mark: number): { edge: GraphEdge; closure: GraphEdge[] | null } {
  const { objects } = s;
  const load = (loader: Obj, raw: string, k: EdgeKind): GraphEdge => {
    const e = mapObject(s, loader, raw, k);
    if (!s.state.fatal) return e;
    const error = s.state.fatal.message;
    s.state.fatal = null;
    return { ...e, to: null, error };
  };
  const edge = load(from, name, kind);
  if (edge.to === null) return { edge, closure: null };
  const closure: GraphEdge[] = [];
  const queue = edge.to >= mark ? [objects[edge.to]!] : [];
  for (let qi = 0; qi < queue.length; qi++) {
    const x = queue[qi]!;
    if (!x.image) continue;
    for (const [src, raw] of dynamicEdges(x.image)) {
      const e = load(x, raw, src.kind);
      if (e.to === null && !src.optional) return { edge: { ...edge, to: null, error: e.error ?? `${e.expanded}: cannot open shared object file: No such file or directory` }, closure: null };
      closure.push(e);
      const to = e.to === null ? null : objects[e.to]!;
      if (to && to.id >= mark && !queue.includes(to)) queue.push(to);
    }
  }
  // dl_open_worker's _dl_open_check: an object it mapped that needs an x86 ISA level the CPU lacks fails the dlopen().
  for (const o of objects.slice(mark)) {
    const lacking = isaLacking(s, o, null);
    if (lacking) return { edge: { ...edge, to: null, error: `${o.path ?? o.name}: CPU ISA level is lower than required (${lacking})` }, closure: null };
  }
  return { edge, closure };
}

/** What stops ld.so relocating the object (a missing table entry read through a null pointer, a relative-relocation assertion), or null. */
const relocationFault = (o: Obj, opts: LoaderOptions): string | null =>
  o.image === null ? null : relocationCrash(o.image, !opts.bindNow && !bindsNow(o.image)) ?? o.relativeAbort ?? null;

/**
 * What of an object's x86 ISA needs the CPU lacks, in words, or null. When the CPU is not known, a level
 * above the baseline is a warning in `warnings` instead: a CPU without it cannot start the program.
 */
function isaLacking(s: Session, o: Obj, warnings: string[] | null): string | null {
  const need = o.isaNeeded ?? 0;
  if (need === 0) return null;
  if (s.isaLevels === null) {
    const above = need & ~C.GNU_PROPERTY_X86_ISA_1_BASELINE;
    if (above && warnings) {
      warnings.push(`${o.path ?? o.name}: needs ${isaLevelNames(above).join(' and ')} (GNU_PROPERTY_X86_ISA_1_NEEDED); the CPU it runs on is not known, and on one without ${above & (above - 1) ? 'them' : 'it'} ld.so stops before relocating: "CPU ISA level is lower than required" (--hwcaps names the CPU's levels)`);
    }
    return null;
  }
  const { bits, byHwcaps } = s.isaLevels;
  return need & ~bits ? `it needs ${isaLevelNames(need).join(', ')}; ${byHwcaps ? 'the CPU --hwcaps describes has' : 'this CPU has'} ${isaLevelNames(bits).join(', ')}` : null;
}

/** A program that is not a regular file: execve refuses it (EACCES); loadgraph does not open it either. */
export function notRegular(kind: SpecialKind): string {
  const what = { fifo: 'a FIFO', socket: 'a socket', 'char-device': 'a character device', 'block-device': 'a block device' }[kind];
  return `is ${what}, not a regular file: the kernel refuses to execute it (execve: Permission denied); not opened`;
}

function realOf(fs: FileSystem, path: string): string | null {
  const r = fs.realpath(path);
  return r.ok ? r.value : null;
}

/** ld.so's own map, named by `name` (PT_INTERP); when that file is unusable as ld.so, ldd runs `standard` instead. */
function loadInterp(fs: FileSystem, name: string, target: ElfIdentity, newObj: (o: Omit<Obj, 'id'>) => Obj, standard: string, cache?: VerifyCache): Obj {
  let v = verifyCandidate(fs, name, target, cache);
  let path = name;
  if ((v.kind !== 'ok' || notALoader(v.image, v.info.size)) && standard !== name) {
    const w = verifyCandidate(fs, standard, target, cache);
    if (w.kind === 'ok') [v, path] = [w, standard];
  }
  const image = v.kind === 'ok' ? v.image : null;
  const names = [name];
  if (image?.soname && image.soname !== name) names.push(image.soname);
  return newObj({ kind: 'interp', name, names, path, realPath: realOf(fs, path), image, fileId: v.kind === 'ok' ? v.info.id : null, loader: null, size: v.kind === 'ok' ? v.info.size : null, notes: v.kind === 'ok' ? v.notes : [], versions: v.kind === 'ok' ? v.versions : null });
}

/** The ldd script's rule: a FILE without '/' becomes ./FILE before ld.so sees it. */
export function lddProgramName(file: string): string {
  return file.includes('/') ? file : `./${file}`;
}

/** /etc/ld.so.preload: '#' comments, names separated by blanks and ':' (rtld.c). */
function readPreloadFile(fs: FileSystem): string[] {
  const r = fs.readFile('/etc/ld.so.preload', 1 << 20);
  if (!r.ok) return [];
  const text = decodeUtf8(r.value);
  return text.split('\n').flatMap((line) => line.replace(/#.*/, '').split(/[ \t:]+/)).filter(Boolean);
}

function toGraphObject(o: Obj, needed: readonly string[]): GraphObject {
  const img = o.image;
  const diagnostics = diagnosticsOf(o);
  return {
    id: o.id,
    kind: o.kind,
    name: o.name,
    names: [...o.names],
    path: o.path,
    realPath: o.realPath,
    soname: img?.soname ?? null,
    class: img?.header.class ?? null,
    machine: img?.header.machine ?? null,
    loader: o.loader?.id ?? null,
    needed,
    rpath: img?.rpath ?? null,
    runpath: img?.runpath ?? null,
    nodeflib: img ? ((dynValue(img, C.DT_FLAGS_1) ?? 0) & C.DF_1_NODEFLIB) !== 0 : false,
    size: o.size,
    summary: img ? summarize(img, o.notes ?? []) : null,
    ...((o.isaNeeded ?? 0) & ~C.GNU_PROPERTY_X86_ISA_1_BASELINE ? { x86IsaNeeded: isaLevelNames(o.isaNeeded! & ~C.GNU_PROPERTY_X86_ISA_1_BASELINE) } : {}),
    ...(diagnostics.length ? { diagnostics } : {}),
  };
}

/** For a program the kernel, not ld.so, accepts or refuses the file (execve: "Exec format error"). */
const KERNEL_DECIDES = '; as a program, the kernel would refuse to execute it (execve: Exec format error)';

/** What the reader could not read of an object, and PT_LOAD file parts past its end. */
function diagnosticsOf(o: Obj): string[] {
  if (!o.image) return [];
  return [...o.image.diagnostics.map((d) => d.message), ...(o.size === null ? [] : truncatedSegments(o.image, o.size))];
}

export type { TargetPreset };
