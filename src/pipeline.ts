// The pipeline: options → load graph (loader) → binding → load-time code, edge use, suggestions
// (analyses) → the result document. Every command runs it and hands the result to a renderer; analyse()
// is the library's entry, returning exactly what `loadgraph FILE --format json` prints.
import type { Attribution } from './analyses/attribution.js';
import type { CheckedProgram, Finding, Policy } from './analyses/check.js';
import type { AnalysisResult } from './analyses/result.js';
import type { ElfImage } from './elf/image.js';
import type { LoadGraph } from './graph/model.js';
import { confinedFs, currentDir } from './host/confined-fs.js';
import { detectHostCpu } from './host/cpu.js';
import type { CpuFacts } from './loader/capabilities.js';
import { type FileSystem, errnoText } from './loader/fs.js';
import type { ContentCache } from './loader/content-facts.js';
import type { DpkgCache } from './loader/hardening-facts.js';
import type { ObjectTables } from './loader/bind.js';
import { type LoaderOptions, buildLoadGraph, newRunCache } from './loader/load.js';
import { discoverPrograms } from './loader/programs.js';
import { type Shard, shardOf } from './analyses/scan.js';

/** The loader and analysis options, as the command-line flags of `loadgraph FILE` give them. */
export interface AnalyseOptions {
  /** Resolve inside this directory like a chroot (--root); default '/'. */
  readonly root?: string;
  /** As LD_LIBRARY_PATH (--library-path). */
  readonly libraryPath?: string | null;
  /** As LD_PRELOAD (--preload). */
  readonly preload?: string | null;
  /** Read the root's /etc/ld.so.preload (default true; --no-preload-file). */
  readonly preloadFile?: boolean;
  /** Active glibc-hwcaps subdirectories, [] for none; default: what this CPU offers the program's own loader for '/', none inside a root. */
  readonly hwcaps?: readonly string[];
  /** Values of $PLATFORM and $LIB. */
  readonly platform?: string;
  readonly lib?: string;
  /** Secure (AT_SECURE) mode on or off; default from the program's set-user/group-ID bits. */
  readonly secure?: boolean | null;
  /** Every PLT slot bound at load time, as LD_BIND_NOW (--bind-now). */
  readonly bindNow?: boolean;
  /** false: the load graph only, no load-time code analysis (--no-code). */
  readonly code?: boolean;
  /** false: no replacement suggestions (--no-suggest). */
  readonly suggest?: boolean;
  /** false: leave out what the process may load after start-up (--no-runtime). */
  readonly runtime?: boolean;
  /** The PAM service read for a program that links libpam (--pam-service); default its base name. */
  readonly pamService?: string;
}

/** What the pipeline reads besides its options: the loader's file system for a root, the current directory, this CPU. */
export interface Host {
  readonly graphFs: (root: string) => FileSystem;
  readonly cwd: string;
  /** This machine's CPU (what each program's own loader searches follows from it, inside '/'); null when unknown. */
  readonly hostCpu: () => CpuFacts | null;
}

/** This process: the real file system (confined to the root), its current directory, its CPU. */
export const processHost = (): Host => ({ graphFs: confinedFs, cwd: currentDir(), hostCpu: detectHostCpu });

/** LoaderOptions from the options: this CPU inside '/' (for each program's own loader), baseline inside a root. */
export function loaderOptionsFrom(o: AnalyseOptions, host: Host): LoaderOptions {
  const root = o.root ?? '/';
  const inRoot = root !== '/';
  const hwcaps = o.hwcaps;
  return {
    root,
    cpu: inRoot ? null : host.hostCpu(),
    cwd: inRoot ? '/' : host.cwd,
    libraryPath: o.libraryPath ?? null,
    preload: o.preload ?? null,
    preloadFile: o.preloadFile !== false,
    ...(hwcaps ? { hwcaps } : {}),
    ...(o.platform ? { platform: o.platform } : {}),
    ...(o.lib ? { lib: o.lib } : {}),
    secure: o.secure ?? null,
    ...(o.runtime === false ? { runtime: false } : {}),
    ...(o.bindNow ? { bindNow: true } : {}),
    ...(o.pamService ? { pamService: o.pamService } : {}),
  };
}

/** How much to compute: the graph alone; binding only what the tree shows; or everything (JSON, why, check, diff). */
export type Depth = 'graph' | 'tree' | 'full';

export type Analysis = { ok: true; graph: AnalysisResult; images: ReadonlyMap<number, ElfImage>; attribution?: Attribution } | { ok: false; message: string };

/** What a run shares between the programs it analyses: each object's symbol tables and content check, by file identity; the root's dpkg database. */
export interface RunCaches {
  readonly tables?: Map<string, ObjectTables>;
  readonly contentCache?: ContentCache;
  readonly dpkg?: DpkgCache;
}

/** The whole pipeline for one file. 'tree' binds only what the tree shows; 'full' binds everything. */
export async function runPipeline(fs: FileSystem, file: string, options: LoaderOptions, depth: Depth, opts: { bindNow?: boolean; suggest?: boolean } & RunCaches = {}): Promise<Analysis> {
  const built = buildLoadGraph(fs, file, options);
  if (!built.ok) return built;
  if (depth === 'graph') return { ok: true, graph: built.graph, images: built.images };
  // Known-bad code by content: only the objects an indicator concerns are read, each file once per run.
  const { checkContent } = await import('./analyses/indicators.js');
  const r = { ...built, graph: { ...built.graph, indicators: checkContent(fs, built.graph, built.images, opts.contentCache) } };
  if (r.graph.fatal && !built.afterRelocation) return { ok: true, graph: r.graph, images: r.images };
  // Loaded on demand: start-up time counts (docs/performance.md).
  const [{ bindSymbols }, { loadTimeCode, runtimeLoadTime }, { attribute }, { suggest, suggestionProviders }] = await Promise.all([
    import('./loader/bind.js'), import('./analyses/load-time.js'), import('./analyses/attribution.js'), import('./analyses/suggestions.js'),
  ]);
  const bindNow = opts.bindNow === true;
  const wantSuggestions = opts.suggest !== false;
  // Suggestions need every symbol of the edges into the libraries a rule is about: those requesters' references
  // to names such a library defines are bound too (bindSymbols' `wanted`).
  const providers = suggestionProviders();
  const intoProviders = new Set(wantSuggestions ? r.graph.edges.flatMap((e, i) => (e.to !== null && r.graph.objects.find((o) => o.id === e.to)!.names.some((n) => providers.has(n)) ? [i] : [])) : []);
  const wanted = new Map<number, number[]>();
  for (const i of intoProviders) {
    const e = r.graph.edges[i]!;
    wanted.set(e.from, [...(wanted.get(e.from) ?? []), e.to!]);
  }
  const rt = r.graph.runtime;
  const rtIds = new Set((rt?.objects ?? []).filter((o) => r.images.has(o.id)).map((o) => o.id));
  // The libraries' tables serve the run-time pass too, when there is one.
  const tables = opts.tables ?? (rtIds.size ? new Map<string, ObjectTables>() : undefined);
  const bound = bindSymbols(fs, r.graph, r.images, { ifuncOnly: depth === 'tree', wanted, versions: r.versions, ...(tables ? { tables } : {}), ...(bindNow ? { bindNow } : {}) });
  const loadTime = loadTimeCode(r.graph, bound, bindNow);
  let g: AnalysisResult = { ...r.graph, loadTime };
  // A strong reference bound at start that nothing defines stops relocation, and a versioned one that
  // reaches an unversioned object its DT_VERNEED names aborts it (known only where every reference is
  // bound: the tree binds what it shows).
  const fails = bound.failsAtStart;
  if (fails) {
    const { binding: x, why } = fails;
    const name = (id: number | null) => { const o = r.graph.objects.find((y) => y.id === id)!; return o.path ?? o.name; };
    g = { ...g, fatal: why === 'undefined'
      ? { message: `symbol lookup error: ${name(x.from)}: undefined symbol: ${x.symbol}${x.version ? `, version ${x.version}` : ''}`, object: x.from, stage: 'relocation' }
      : { message: `${name(x.from)}: ${x.symbol}@${x.version} is found first in ${name(x.to)}, which has no symbol versions although ${name(x.from)} needs ${x.version} of it: ld.so aborts on the assertion in check_match ("Inconsistency detected by ld.so: dl-lookup.c: ... check_match: Assertion \`version->filename == NULL || ! _dl_name_match_p (version->filename, map)' failed!")`, object: x.to, stage: 'relocation' } };
  }
  // What the run-time loads would run: their objects relocated against the start-up global scope, then
  // their own (dl_open_worker: the new objects' l_scope follows the main map's search list).
  if (rt && rtIds.size) {
    const together: LoadGraph = { ...r.graph, objects: [...r.graph.objects, ...rt.objects], edges: [...r.graph.edges, ...rt.edges], searchList: [...r.graph.searchList, ...rtIds] };
    const rb = bindSymbols(fs, together, r.images, { ifuncOnly: true, only: rtIds, versions: r.versions, ...(tables ? { tables } : {}), ...(bindNow ? { bindNow } : {}) });
    g = { ...g, runtimeLoadTime: runtimeLoadTime(loadTimeCode(together, rb, bindNow), rtIds) };
  }
  // The tree needs only the edges a suggestion rule is about; JSON and why need all of them.
  const attribution = attribute(g, bound, depth === 'full' ? undefined : intoProviders);
  if (depth === 'full') g = { ...g, edgeUse: attribution.edges };
  if (wantSuggestions) g = { ...g, suggestions: suggest(g, attribution, loadTime) };
  return { ok: true, graph: g, images: r.images, attribution };
}

/** One file through the pipeline with the options a command was given. */
export function analyseWith(host: Host, file: string, options: AnalyseOptions, depth: Depth): Promise<Analysis> {
  const lo = loaderOptionsFrom(options, host);
  return runPipeline(host.graphFs(lo.root ?? '/'), file, lo, options.code === false ? 'graph' : depth, { bindNow: options.bindNow === true, suggest: options.suggest !== false });
}

/**
 * The library's entry: `file`'s result document, exactly what `loadgraph FILE --format json` prints for the
 * same options (JSON.stringify gives the same bytes). Throws when the file cannot be analysed at all.
 */
export async function analyse(file: string, options: AnalyseOptions = {}, host: Host = processHost()): Promise<AnalysisResult> {
  const r = await analyseWith(host, file, options, 'full');
  if (!r.ok) throw new Error(r.message);
  return r.graph;
}

/** A whole-root run (scan, rdeps): the programs found, and each one's pipeline sharing one cache. */
export interface RootRun {
  /** In-root paths of the programs, sorted (of the shard, when one was asked for). */
  readonly programs: readonly string[];
  /** One line per entry of the root that could not be judged. */
  readonly diagnostics: readonly string[];
  /** The root itself cannot be read: nothing was scanned. */
  readonly unusable: string | null;
  /** One program through the pipeline, exactly as `loadgraph FILE` runs it, objects parsed once per run. */
  analyse(path: string, depth: Depth): Promise<Analysis>;
  /** One program through the pipeline and the checklist, sharing the run's cache. */
  check(path: string, policy: Policy, baseline: ReadonlyMap<string, readonly Finding[]> | null): Promise<CheckOutcome>;
  /** An in-root path with every link resolved, or null. */
  realpath(path: string): string | null;
  /** Each distinct warning of the programs analysed so far (a bad object, ld.so.cache, ld.so.preload), with how many programs had it. */
  warnings(): ReadonlyArray<{ readonly message: string; readonly programs: number }>;
}

/**
 * The programs of a root (or of the PATHs given, which narrow it), analysed in one process: every object
 * is read, parsed and (for load-time code) has its tables read once, by file identity, and shared by
 * every program that loads it; memory grows with the unique objects, not with programs × closure.
 */
export function runOverRoot(host: Host, options: AnalyseOptions, paths: readonly string[], shard: Shard | null = null): RootRun {
  const lo: LoaderOptions = { ...loaderOptionsFrom(options, host), runCache: newRunCache() };
  const root = lo.root ?? '/';
  const fs = host.graphFs(root);
  const cwd = lo.cwd ?? '/';
  const abs = (p: string) => (p.startsWith('/') ? p : `${cwd.replace(/\/+$/, '')}/${p}`);
  const top = fs.stat('/');
  const notRoot = !top.ok || top.value.kind !== 'dir' ? `${root}: ${top.ok ? 'not a directory' : `cannot be used as a root (${errnoText[top.errno]})`}` : null;
  const found = notRoot ? { programs: [], diagnostics: [], unusable: null } : discoverPrograms(fs, paths.map(abs), lo.runCache!.programs);
  const unusable = notRoot ?? (found.unusable && (paths.length ? found.unusable : `${root}: ${found.unusable}`));
  // Only this shard's programs are analysed: what discovery parsed of the others is not kept.
  const programs = shardOf(found.programs, shard);
  const selected = new Set(programs);
  for (const p of lo.runCache!.programs.keys()) if (!selected.has(p)) lo.runCache!.programs.delete(p);
  const caches: RunCaches = { tables: new Map(), contentCache: new Map(), dpkg: { found: new Map() } };
  const code = options.code !== false;
  // What `loadgraph FILE` warns about, a whole root says once with its reach.
  const warned = warningTally();
  return {
    ...found,
    programs,
    unusable,
    analyse: async (path, depth) => {
      const a = await runPipeline(fs, path, lo, code ? depth : 'graph', { bindNow: options.bindNow === true, suggest: options.suggest !== false, ...caches });
      if (a.ok) warned.add(a.graph.warnings);
      return a;
    },
    check: async (path, policy, baseline) => {
      const c = await checkOne(fs, path, lo, options, policy, baseline, caches);
      if (c.ok) warned.add(c.warnings);
      return c;
    },
    realpath: (p) => {
      const r = fs.realpath(abs(p));
      return r.ok ? r.value : null;
    },
    warnings: warned.list,
  };
}

/** `check FILE...`: every program named through the pipeline, then the checklist (directories and whole roots: runOverRoot). */
export async function checkWith(host: Host, args: readonly string[], options: AnalyseOptions, policy: Policy, baseline: ReadonlyMap<string, readonly Finding[]> | null):
  Promise<CheckOutcome[]> {
  const lo = loaderOptionsFrom(options, host);
  const fs = host.graphFs(lo.root ?? '/');
  const out: CheckOutcome[] = [];
  // One content check per file for the whole run, however many programs load it.
  const caches: RunCaches = { contentCache: new Map(), dpkg: { found: new Map() } };
  for (const file of args) out.push(await checkOne(fs, file, lo, options, policy, baseline, caches));
  return out;
}

/** A checked program, with what `loadgraph FILE` would warn about it. */
export type CheckOutcome = { ok: true; program: CheckedProgram; warnings: readonly string[] } | { ok: false; message: string };

/** Warnings of many programs, each distinct one once with how many programs had it. */
export function warningTally() {
  const seen = new Map<string, number>();
  return {
    add: (warnings: readonly string[]) => { for (const w of new Set(warnings)) seen.set(w, (seen.get(w) ?? 0) + 1); },
    list: () => [...seen].map(([message, programs]) => ({ message, programs })),
  };
}

/** One program through the pipeline, then the checklist (its hardening facts read from the same files). */
async function checkOne(fs: FileSystem, file: string, lo: LoaderOptions, options: AnalyseOptions, policy: Policy, baseline: ReadonlyMap<string, readonly Finding[]> | null,
  caches: RunCaches): Promise<CheckOutcome> {
  const [{ checkProgram }, { dpkgVersions, readHardening }] = await Promise.all([import('./analyses/check.js'), import('./loader/hardening-facts.js')]);
  const r = await runPipeline(fs, file, lo, 'full', { bindNow: options.bindNow === true, suggest: false, ...caches });
  if (!r.ok) return r;
  const g = r.graph;
  const dpkg = dpkgVersions(fs, g.objects.filter((o) => o.kind === 'library' && policy.knownBad.some((b) => b.library === o.soname)).map((o) => o.realPath?.slice(o.realPath.lastIndexOf('/') + 1) ?? ''), caches.dpkg);
  const h = readHardening(fs, g, r.images, dpkg);
  return { ok: true, program: checkProgram(file, g, h, r.attribution ?? null, policy, baseline ? baseline.get(file) ?? [] : null), warnings: g.warnings };
}

