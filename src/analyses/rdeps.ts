// Reverse dependencies: does a program load LIB at start, and through what. LIB is a SONAME, a file name
// or an in-root path; the shortest chain of start-up edges from the program to it, with how the loader
// resolved each hop (rpath, runpath, ld.so.cache, system directory, already loaded…).
import type { GraphEdge, GraphObject, LoadGraph } from '../graph/model.js';
import { displayName, programOf, shortestPaths } from '../graph/traverse.js';
import { anyObjectName, runtimeWhy } from './why.js';

export const RDEPS_SCHEMA = 'loadgraph.rdeps/1';

export interface Hop {
  /** The requesting object and the object loaded, by their display names. */
  readonly from: string;
  readonly to: string;
  /** The name as requested (DT_NEEDED string, preload name). */
  readonly name: string;
  readonly kind: string;
  /** How the loader found it: the reason kind (rpath, runpath, ld.so.cache, system-dir, already-loaded, interp…). */
  readonly resolved: string;
  /** The path the object was loaded from, as seen inside the root. */
  readonly path: string | null;
  /** false: a run-time load (dlopen note, PAM module, NSS service), with what asks for it. */
  readonly atStart?: false;
  readonly provenance?: NonNullable<GraphEdge['provenance']>;
}

export interface RdepsProgram {
  readonly path: string;
  /** false (rdeps --runtime): the program does not load LIB at start but may load it at run time. */
  readonly atStart: boolean;
  readonly via: readonly Hop[];
}

export interface RdepsDocument {
  readonly schema: typeof RDEPS_SCHEMA;
  readonly library: string;
  readonly root: string;
  readonly programs: readonly RdepsProgram[];
}

/** Whether an object is LIB: by SONAME, by a name it was requested or recorded as, by file name, or by (real) path. */
export function matchesLibrary(o: GraphObject, lib: string, libReal: string | null): boolean {
  if (o.kind !== 'library' && o.kind !== 'interp') return false;
  if (lib.includes('/')) return o.path === lib || o.realPath === lib || (libReal !== null && o.realPath === libReal);
  const base = (p: string | null) => (p === null ? null : p.slice(p.lastIndexOf('/') + 1));
  return o.soname === lib || o.names.includes(lib) || base(o.path) === lib || base(o.realPath) === lib;
}

/** The shortest start-up path from the program to LIB, or null when the program does not load it. */
export function pathTo(g: LoadGraph, lib: string, libReal: string | null): Hop[] | null {
  const paths = shortestPaths(g);
  const byId = new Map(g.objects.map((o) => [o.id, o]));
  const program = programOf(g).id;
  let best: number[] | null = null;
  for (const o of g.objects) {
    if (o.id === program || !matchesLibrary(o, lib, libReal)) continue;
    const p = paths.get(o.id);
    // ld.so is mapped before any search; its hop is the PT_INTERP request.
    const chain = p ?? (o.kind === 'interp' ? [] : null);
    if (chain !== null && (best === null || chain.length < best.length)) best = chain;
  }
  if (best === null) return null;
  if (best.length === 0) {
    const interp = g.objects.find((o) => o.kind === 'interp' && matchesLibrary(o, lib, libReal))!;
    return [{ from: displayName(g, programOf(g)), to: displayName(g, interp), name: g.env.interp, kind: 'interp', resolved: 'interp', path: interp.path }];
  }
  return best.map((ei) => {
    const e = g.edges[ei]!;
    const to = byId.get(e.to!)!;
    return { from: displayName(g, byId.get(e.from)!), to: displayName(g, to), name: e.name, kind: e.kind, resolved: e.reason.kind, path: to.path };
  });
}

/** LIB not loaded at start but reachable through run-time loads: the shortest such path, its run-time hops marked. */
export function runtimePathTo(g: LoadGraph, lib: string): Hop[] | null {
  const found = runtimeWhy(g, lib);
  if (!found) return null;
  const name = anyObjectName(g);
  const all = new Map([...g.objects, ...(g.runtime?.objects ?? [])].map((o) => [o.id, o]));
  const edgeOf = new Map([...g.edges, ...(g.runtime?.edges ?? [])].filter((e) => e.to !== null).map((e) => [`${e.from}>${e.to}`, e]));
  return found.path.map((h) => {
    const e = edgeOf.get(`${h.from}>${h.to}`);
    return {
      from: name(h.from), to: name(h.to), name: e?.name ?? name(h.to), kind: h.kind, resolved: h.reason.kind, path: all.get(h.to)?.path ?? null,
      ...(h.atStart ? {} : { atStart: false as const }), ...(h.provenance ? { provenance: h.provenance } : {}),
    };
  });
}
