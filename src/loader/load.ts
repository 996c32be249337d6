// buildLoadGraph: glibc 2.36 ld.so's dependency walk as a model, in trace (ldd) mode — elf/rtld.c dl_main,
// elf/dl-deps.c _dl_map_object_deps, elf/dl-load.c _dl_map_object / open_path. All I/O goes through the
// FileSystem port; every input from the environment is an explicit option, recorded in the result.
import * as C from '../elf/constants.js';
import type { ElfImage } from '../elf/image.js';
import { dynValue } from '../elf/image.js';
import { decodeElf } from '../elf/decode.js';
import type { Note } from '../elf/image.js';
import { readNotes } from '../elf/notes.js';
import { summarize } from '../elf/summary.js';
import type { Candidate, EdgeKind, GraphEdge, GraphObject, LoadGraph, Reason, ResolvedEnv, RuntimeGraph, SourceKind } from '../graph/model.js';
import { dynamicEdges, edgeSource } from '../graph/edge-sources.js';
import { GRAPH_SCHEMA } from '../graph/model.js';
import { type DstValues, expandDst, hasDst, normalizePath, originOf, pathList } from './dst.js';
import type { FileSystem } from './fs.js';
import { type LdCache, lookupCache, parseLdCache } from './ldcache.js';
import { readLdSoConf } from './ldconf.js';
import { runtimeRequests } from './runtime.js';
import { type ElfIdentity, type TargetPreset, debianLib, debianSystemDirs, presetFor } from './target.js';
import { type ObjectCache, mappingError, verifyCandidate } from './verify.js';

export interface LoaderOptions {
  /** Shown in the result; paths given to the FileSystem are inside it. */
  readonly root?: string;
  /** In-root current directory, for relative names and empty path elements. */
  readonly cwd?: string;
  readonly libraryPath?: string | null;
  readonly preload?: string | null;
  /** Read the root's /etc/ld.so.preload (default true). */
  readonly preloadFile?: boolean;
  /** Active glibc-hwcaps subdirectories, most preferred first; default none (baseline). */
  readonly hwcaps?: readonly string[];
  /** glibc 2.36 legacy hwcap subdirectory names (AT_HWCAP names, platform, "tls"); default [platform, "tls"]. */
  readonly legacyHwcaps?: readonly string[];
  readonly platform?: string;
  readonly lib?: string;
  readonly systemDirs?: readonly string[];
  /** null: from the program's set-user-ID/set-group-ID bits. */
  readonly secure?: boolean | null;
  readonly inhibitCache?: boolean;
  /** Resolve what the process may load after start-up (dlopen notes, PAM, NSS); default true. */
  readonly runtime?: boolean;
  /** The PAM service read for a program that links libpam; default the program's base name. */
  readonly pamService?: string;
  /** Shared by every program of a run (scan, rdeps): each object and ld.so.cache parsed once. */
  readonly runCache?: RunCache;
}

export interface RunCache {
  readonly objects: ObjectCache;
  /** The root's ld.so.cache as parsed for each byte order, by that order. */
  readonly ldCache: Map<boolean, LdCache | null>;
}

export const newRunCache = (): RunCache => ({ objects: new Map(), ldCache: new Map() });

/** The graph, and each object's decoded image (by object id) for the stages that read more of it. */
export type LoadResult = { ok: true; graph: LoadGraph; images: ReadonlyMap<number, ElfImage> } | { ok: false; message: string };

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

export function buildLoadGraph(fs: FileSystem, program: string, opts: LoaderOptions = {}): LoadResult {
  const cwd = opts.cwd ?? '/';
  const abs = (p: string) => (p.startsWith('/') ? p : `${cwd.replace(/\/+$/, '')}/${p}`);
  const opened = fs.open(abs(program));
  if (!opened.ok) return { ok: false, message: `${program}: ${errnoText[opened.errno] ?? opened.errno}` };
  const mainFile = opened.value;
  const decoded = decodeElf(mainFile);
  const mainNotes = decoded.ok ? readNotes(mainFile, decoded.image, []) : [];
  mainFile.close();
  if (!decoded.ok) return { ok: false, message: `${program}: ${decoded.error.message} (${decoded.error.structure} at offset 0x${decoded.error.offset.toString(16)})` };
  const mainImage = decoded.image;
  const h = mainImage.header;
  if (h.type !== C.ET_EXEC && h.type !== C.ET_DYN) return { ok: false, message: `${program}: not a dynamic executable or shared object (e_type ${h.type})` };
  const target: ElfIdentity = { class: h.class, endian: h.endian, machine: h.machine, flags: h.flags };
  const preset = presetFor(target);
  if (!preset) return { ok: false, message: `${program}: no glibc loader model for e_machine ${h.machine} (ELF${h.class} ${h.endian}-endian)` };
  if (mainImage.interp?.includes('ld-musl')) return { ok: false, message: `${program}: uses musl's loader (${mainImage.interp}); only glibc's is modelled` };

  const platform = opts.platform ?? preset.platform;
  const lib = opts.lib ?? debianLib(preset);
  const systemDirs = opts.systemDirs ?? debianSystemDirs(preset);
  const hwcaps = opts.hwcaps ?? [];
  const legacy = opts.legacyHwcaps ?? [platform, 'tls'];
  const subdirs = capabilitySubdirs(hwcaps, legacy);
  const secure = opts.secure ?? ((opened.value.info.mode & 0o6000) !== 0);
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
    else if (raw !== null && !raw.ok) {
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

  const objects: Obj[] = [];
  const edges: GraphEdge[] = [];
  const neededOf = new Map<Obj, string[]>();
  const state: { fatal: LoadGraph['fatal'] } = { fatal: null };
  const newObj = (o: Omit<Obj, 'id'>): Obj => {
    const x = { ...o, id: objects.length };
    objects.push(x);
    return x;
  };

  const main = newObj({ kind: 'program', name: program, names: [], path: program, realPath: realOf(fs, abs(program)), image: mainImage, fileId: null, loader: null, size: mainFile.size, notes: mainNotes });
  if (mainImage.soname) main.names.push(mainImage.soname);
  const linkage: LoadGraph['linkage'] = mainImage.dynamic === null ? 'static' : mainImage.needed.length === 0 ? 'no-needs' : 'dynamic';
  // The interpreter (named by its PT_INTERP string — under ldd, the loader that runs — and by its SONAME)
  // and the vDSO are mapped before any search; a static program has neither.
  const interpName = mainImage.interp ?? preset.interp;
  const dynamicProcess = linkage !== 'static' && (mainImage.interp !== null || linkage === 'dynamic');
  const interp = dynamicProcess ? loadInterp(fs, interpName, target, newObj, opts.runCache?.objects) : null;
  if (dynamicProcess && preset.vdso) newObj({ kind: 'vdso', name: preset.vdso, names: [preset.vdso], path: null, realPath: null, image: null, fileId: null, loader: null, size: null });

  const dstOf = (o: Obj | null): DstValues => ({
    origin: o?.path ? originOf(o.path, cwd) : null,
    platform,
    lib,
  });
  const isTrusted = (dir: string) => systemDirs.some((s) => normalizePath(dir + '/').startsWith(s));

  type Plan = { source: SourceKind; owner?: Obj; dirs: string[] };
  const rpathOf = (o: Obj) => (o.image && o.image.runpath === null && o.image.rpath ? o.image.rpath : null);

  /** _dl_map_object for one name. Returns the object, or null with the reason in the edge. */
  function resolve(loader: Obj, raw: string, kind: EdgeKind): GraphEdge {
    const edge = (to: Obj | null, reason: Reason, expanded: string, trace: Candidate[] = []): GraphEdge => ({ from: loader.id, to: to?.id ?? null, kind, name: raw, expanded, reason, trace });
    const src = edgeSource(kind);
    let name = raw;
    // Preload names are searched literally unless they contain '/' (spec §2.1).
    if (!src.preload || raw.includes('/')) {
      if (secure && !src.preload && hasDst(raw)) {
        state.fatal ??= { message: `${raw}: DST not allowed in SUID/SGID programs`, object: loader.id };
        return edge(null, { kind: 'fatal' }, raw);
      }
      const e = expandDst(raw, dstOf(src.preload ? main : loader));
      if (e === null || e === '') {
        if (src.optional) return edge(null, { kind: 'not-found' }, raw);
        state.fatal ??= { message: `${raw}: ${e === '' ? 'empty dynamic string token substitution' : 'cannot expand dynamic string token'}`, object: loader.id };
        return edge(null, { kind: 'fatal' }, raw);
      }
      name = e;
    }
    // Step 0: already loaded, by l_name, by a recorded name, or by SONAME (_dl_name_match_p).
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
        const seen = new Set<Obj>();
        for (let l: Obj | null = loader; l; l = l.loader) {
          seen.add(l);
          const rp = rpathOf(l);
          if (rp) plans.push({ source: 'rpath', owner: l, dirs: pathList(rp, /:/, dstOf(l), secure, l === main ? isTrusted : undefined) });
        }
        const mrp = rpathOf(main);
        if (!seen.has(main) && mrp) plans.push({ source: 'rpath', owner: main, dirs: pathList(mrp, /:/, dstOf(main), secure, isTrusted) });
      }
      if (!secure && opts.libraryPath) plans.push({ source: 'LD_LIBRARY_PATH', dirs: pathList(opts.libraryPath, /[:;]/, dstOf(main)) });
      if (loader.image?.runpath) plans.push({ source: 'runpath', owner: loader, dirs: pathList(loader.image.runpath, /:/, dstOf(loader), secure, loader === main ? isTrusted : undefined) });
    }
    const trace: Candidate[] = [];
    const decider = loader.image ?? mainImage;
    const nodeflib = ((dynValue(decider, C.DT_FLAGS_1) ?? 0) & C.DF_1_NODEFLIB) !== 0;
    const secureNoCache = secure && src.preload;

    type Attempt = { obj: Obj; reused: boolean } | 'abandon' | 'fatal' | null;
    const attempt = (path: string, source: SourceKind, owner?: Obj): Attempt => {
      const v = verifyCandidate(fs, abs(path), target, opts.runCache?.objects);
      const cand = (outcome: Candidate['outcome'], detail?: string): Candidate => ({ path, source, ...(owner ? { owner: owner.id } : {}), outcome, ...(detail ? { detail } : {}) });
      if (v.kind === 'skip') { trace.push(cand(v.outcome, v.detail)); return null; }
      if (v.kind === 'abandon') { trace.push(cand('abandons-list', v.errno)); return 'abandon'; }
      if (v.kind === 'fatal') {
        trace.push(cand('fatal', v.message));
        state.fatal ??= { message: `${path}: ${v.message}`, object: loader.id };
        return 'fatal';
      }
      if (secure && src.preload && (v.info.mode & 0o4000) === 0) { trace.push(cand('not-setuid')); return null; }
      trace.push(cand('accepted'));
      // File identity (st_dev, st_ino) against every loaded object but the program (_dl_map_object_from_fd).
      const same = objects.find((o) => o.fileId !== null && o.fileId === v.info.id);
      if (same) {
        same.names.push(name);
        return { obj: same, reused: true };
      }
      const err = mappingError(v.image);
      if (err) {
        state.fatal ??= { message: `${path}: ${err}`, object: loader.id };
        return 'fatal';
      }
      return { obj: newObj({ kind: 'library', name, names: [name], path, realPath: realOf(fs, abs(path)), image: v.image, fileId: v.info.id, loader, size: v.info.size, notes: v.notes }), reused: false };
    };
    const finish = (r: Attempt, source: SourceKind, owner?: Obj): GraphEdge | null => {
      if (r === 'fatal') return edge(null, { kind: 'fatal' }, name, trace);
      if (r === null || r === 'abandon') return null;
      const reason: Reason = r.reused ? { kind: 'already-loaded', by: 'file' }
        : { kind: source as Exclude<SourceKind, 'interp'>, ...(owner ? { owner: owner.id } : {}) };
      return edge(r.obj, reason, name, trace);
    };

    for (const p of plans) {
      if (p.source === 'path') {
        const done = finish(attempt(name, 'path'), 'path');
        if (done) return done;
        continue;
      }
      list: for (const dir of p.dirs) {
        for (const sub of subdirs) {
          const r = attempt(dir + sub + name, p.source, p.owner);
          if (r === 'abandon') break list;
          const done = finish(r, p.source, p.owner);
          if (done) return done;
        }
      }
    }
    if (!name.includes('/')) {
      if (cache && !secureNoCache) {
        const hit = lookupCache(cache, name, cacheTarget);
        if (hit !== null) {
          if (nodeflib && systemDirs.some((d) => hit.startsWith(d))) trace.push({ path: hit, source: 'ld.so.cache', outcome: 'nodeflib' });
          else {
            const done = finish(attempt(hit, 'ld.so.cache'), 'ld.so.cache');
            if (done) return done;
          }
        }
      } else if (confDirs && !secureNoCache) {
        for (const dir of confDirs) {
          if (nodeflib && systemDirs.some((d) => (dir + '/').startsWith(d))) continue;
          const path = `${dir}/${name}`;
          if (!fs.stat(path).ok) continue;
          const done = finish(attempt(path, 'ld.so.conf'), 'ld.so.conf');
          if (done) return done;
        }
      }
      if (!nodeflib) {
        list: for (const dir of systemDirs) {
          for (const sub of subdirs) {
            const r = attempt(dir + sub + name, 'system-dir');
            if (r === 'abandon') break list;
            const done = finish(r, 'system-dir');
            if (done) return done;
          }
        }
      }
    }
    if (state.fatal) return edge(null, { kind: 'fatal' }, name, trace);
    return edge(null, { kind: 'not-found' }, name, trace);
  }

  // Preloads: LD_PRELOAD (--preload), then the root's /etc/ld.so.preload, searched as needs of the program.
  const queue: Obj[] = [main];
  const preloadNames: string[] = [];
  if (opts.preload && dynamicProcess) for (const n of opts.preload.split(/[ :]+/).filter(Boolean)) if (!(secure && n.includes('/'))) preloadNames.push(n);
  const preloadFile = opts.preloadFile === false || !dynamicProcess ? [] : readPreloadFile(fs);
  for (const n of [...preloadNames, ...preloadFile]) {
    const e = resolve(main, n, 'preload');
    edges.push(e);
    const to = e.to === null ? null : objects[e.to]!;
    if (to === null) {
      warnings.push(`object '${n}' cannot be preloaded (${e.reason.kind === 'fatal' ? state.fatal?.message : 'cannot open shared object file'}): ignored`);
      if (e.reason.kind === 'fatal') state.fatal = null; // a failed preload is not fatal (rtld.c do_preload)
    } else if (!queue.includes(to)) queue.push(to);
  }

  // The breadth-first walk: each object's DT_NEEDED entries, in order, when it is dequeued.
  for (let qi = 0; qi < queue.length && !state.fatal; qi++) {
    const x = queue[qi]!;
    const img = x.image;
    if (!img) continue;
    // DT_NEEDED, DT_AUXILIARY and DT_FILTER in dynamic-array order.
    const list = dynamicEdges(img);
    neededOf.set(x, list.map(([, s]) => s));
    for (const [src, raw] of list) {
      const e = resolve(x, raw, src.kind);
      edges.push(e);
      if (state.fatal) break;
      if (e.to === null) {
        if (src.optional) continue;
        // Trace mode: a "not found" placeholder stands in, and the walk goes on.
        const ph = newObj({ kind: 'missing', name: e.expanded, names: [e.expanded], path: null, realPath: null, image: null, fileId: null, loader: x, size: null });
        (edges as GraphEdge[])[edges.length - 1] = { ...e, to: ph.id };
        continue;
      }
      const to = objects[e.to]!;
      if (!queue.includes(to)) queue.push(to);
    }
  }

  // Object list: the program, the vDSO, then mapping order; ld.so moves to just after its predecessor in the search list.
  const searchList = queue.filter((o) => o.kind !== 'missing');
  let order = objects.filter((o) => o !== interp);
  if (interp && searchList.includes(interp)) {
    const pred = searchList[searchList.indexOf(interp) - 1];
    const at = pred ? order.indexOf(pred) + 1 : order.length;
    order = [...order.slice(0, at), interp, ...order.slice(at)];
  }

  const startupObjects = order.map((o) => toGraphObject(o, neededOf.get(o) ?? o.image?.needed ?? []));

  // After start-up: what the process may dlopen(), each resolved as dlopen() from the requesting object
  // (_dl_open → _dl_map_object with that object as the loader), then each new object's own DT_NEEDED
  // closure (_dl_map_object_deps). A failure there fails that dlopen() only, never the process.
  let runtime: RuntimeGraph | undefined;
  if (opts.runtime !== false && dynamicProcess && !state.fatal) {
    const first = objects.length;
    const rtEdges: GraphEdge[] = [];
    const rtWarnings: string[] = [];
    const load = (from: Obj, name: string, kind: EdgeKind): GraphEdge => {
      const e = resolve(from, name, kind);
      if (!state.fatal) return e;
      const error = state.fatal.message;
      state.fatal = null;
      return { ...e, to: null, error };
    };
    const rtQueue: Obj[] = [];
    const enqueue = (e: GraphEdge) => {
      const to = e.to === null ? null : objects[e.to]!;
      if (to && to.id >= first && !rtQueue.includes(to)) rtQueue.push(to);
    };
    const loaded = objects.slice(0, first).map((o) => ({ id: o.id, path: o.path === null ? null : abs(o.path), image: o.image, notes: o.notes ?? [] }));
    for (const req of runtimeRequests(fs, program, loaded, opts.pamService ? { pamService: opts.pamService } : {}, rtWarnings)) {
      // The sonames of a dlopen note are alternatives, most preferred first.
      const tries = req.names.map((n) => load(objects[req.from]!, n, req.kind));
      const e = { ...(tries.find((t) => t.to !== null) ?? tries[0]!), provenance: req.provenance };
      rtEdges.push(e);
      enqueue(e);
    }
    for (let qi = 0; qi < rtQueue.length; qi++) {
      const x = rtQueue[qi]!;
      if (!x.image) continue;
      for (const [src, raw] of dynamicEdges(x.image)) {
        const e = load(x, raw, src.kind);
        rtEdges.push(e);
        enqueue(e);
      }
    }
    runtime = { objects: objects.slice(first).map((o) => toGraphObject(o, o.image ? dynamicEdges(o.image).map(([, n]) => n) : [])), edges: rtEdges, warnings: rtWarnings };
  }

  const env: ResolvedEnv = {
    root: opts.root ?? '/', cwd, arch: preset.arch, interp: interpName, vdso: preset.vdso, systemDirs, lib, platform, hwcaps,
    legacyHwcaps: legacy, libraryPath: opts.libraryPath ?? null, preload: opts.preload ?? null, preloadFile, secure, cache: cacheInfo,
  };
  const graph: LoadGraph = {
    schema: GRAPH_SCHEMA,
    program,
    linkage,
    env,
    objects: startupObjects,
    edges,
    searchList: searchList.map((o) => o.id),
    fatal: state.fatal,
    warnings,
    ...(runtime ? { runtime } : {}),
  };
  const images = new Map(objects.filter((o) => o.image).map((o) => [o.id, o.image!] as const));
  return { ok: true, graph, images };
}

const errnoText: Record<string, string> = {
  ENOENT: 'no such file or directory', EACCES: 'permission denied', ELOOP: 'too many levels of symbolic links',
  ENOTDIR: 'a path component is not a directory', EISDIR: 'is a directory', ENAMETOOLONG: 'file name too long',
};

function realOf(fs: FileSystem, path: string): string | null {
  const r = fs.realpath(path);
  return r.ok ? r.value : null;
}

function loadInterp(fs: FileSystem, name: string, target: ElfIdentity, newObj: (o: Omit<Obj, 'id'>) => Obj, cache?: ObjectCache): Obj {
  const v = verifyCandidate(fs, name, target, cache);
  const image = v.kind === 'ok' ? v.image : null;
  const names = [name];
  if (image?.soname && image.soname !== name) names.push(image.soname);
  return newObj({ kind: 'interp', name, names, path: name, realPath: realOf(fs, name), image, fileId: v.kind === 'ok' ? v.info.id : null, loader: null, size: v.kind === 'ok' ? v.info.size : null, notes: v.kind === 'ok' ? v.notes : [] });
}

/** /etc/ld.so.preload: '#' comments, names separated by blanks and ':' (rtld.c). */
function readPreloadFile(fs: FileSystem): string[] {
  const r = fs.readFile('/etc/ld.so.preload', 1 << 20);
  if (!r.ok) return [];
  const text = new TextDecoder().decode(r.value);
  return text.split('\n').flatMap((line) => line.replace(/#.*/, '').split(/[ \t:]+/)).filter(Boolean);
}

function toGraphObject(o: Obj, needed: readonly string[]): GraphObject {
  const img = o.image;
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
  };
}

export type { TargetPreset };
