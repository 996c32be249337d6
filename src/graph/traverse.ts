// The graph helpers every stage uses: the program, an id index, edges by requester, shortest paths,
// reachability without an edge, the one display name, breadth-first levels, summary counts, init order.
import { edgeSource } from './edge-sources.js';
import type { GraphEdge, GraphObject, LoadGraph } from './model.js';

/** The program: the first link-map entry, found by kind (never assumed to be id 0). */
export function programOf(g: LoadGraph): GraphObject {
  return g.objects.find((o) => o.kind === 'program')!;
}

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** The one name an object is shown and matched by: the program's file name, else the SONAME, else the file name. */
export function displayName(g: LoadGraph, o: GraphObject): string {
  return o.kind === 'program' ? base(g.program) : libraryName(o);
}

/** displayName for an object that is not the program. */
export const libraryName = (o: GraphObject): string => o.soname ?? base(o.path ?? o.name);

export function objectById(g: LoadGraph): Map<number, GraphObject> {
  return new Map(g.objects.map((o) => [o.id, o]));
}

export function edgesFrom(g: LoadGraph): Map<number, GraphEdge[]> {
  const m = new Map<number, GraphEdge[]>();
  for (const e of g.edges) {
    const list = m.get(e.from) ?? [];
    list.push(e);
    m.set(e.from, list);
  }
  return m;
}

/** Indices of the edges that reach an object, by requester, in edge order; `skip` left out. */
export function edgeIndicesFrom(g: LoadGraph, skip = -1): Map<number, number[]> {
  const m = new Map<number, number[]>();
  g.edges.forEach((e, i) => {
    if (i === skip || e.to === null || !edgeSource(e.kind).countsForClosure) return;
    const list = m.get(e.from) ?? [];
    list.push(i);
    m.set(e.from, list);
  });
  return m;
}

/** The shortest chain of edge indices from the program to each object it reaches (breadth-first, edges in order). */
export function shortestPaths(g: LoadGraph): Map<number, number[]> {
  const from = edgeIndicesFrom(g);
  const program = programOf(g).id;
  const via = new Map<number, number[]>([[program, []]]);
  const queue = [program];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const ei of from.get(id) ?? []) {
      const to = g.edges[ei]!.to!;
      if (via.has(to)) continue;
      via.set(to, [...via.get(id)!, ei]);
      queue.push(to);
    }
  }
  return via;
}

/** Objects reachable from the program (and its preloads) without edge `skip`. */
export function reachableWithout(g: LoadGraph, skip: number): Set<number> {
  const from = edgeIndicesFrom(g, skip);
  const program = programOf(g).id;
  const out = new Set([program]);
  const queue = [program];
  for (let i = 0; i < queue.length; i++) for (const ei of from.get(queue[i]!) ?? []) if (!out.has(g.edges[ei]!.to!)) out.add(g.edges[ei]!.to!), queue.push(g.edges[ei]!.to!);
  return out;
}

/** Shortest number of edges from the program to each object. */
export function levels(g: LoadGraph): Map<number, number> {
  return new Map([...shortestPaths(g)].map(([id, path]) => [id, path.length]));
}

export interface Summary {
  /** Objects the process would map: the program, ld.so, libraries (the vDSO and placeholders not counted). */
  readonly objects: number;
  readonly depth: number;
  readonly missing: number;
}

/**
 * The "not found" stand-ins that stop a start: those a need or a filter leads to. A missing auxiliary
 * filtee is one of ldd's "not found" lines too (trace mode fakes it, dl-load.c _dl_map_object), but
 * _dl_map_object_deps passes it by when the program starts.
 */
export function missingAtStart(g: LoadGraph): GraphObject[] {
  const missing = g.objects.filter((o) => o.kind === 'missing');
  if (missing.length === 0) return missing;
  const stops = new Set(g.edges.flatMap((e) => (e.to !== null && !edgeSource(e.kind).optional ? [e.to] : [])));
  return missing.filter((o) => stops.has(o.id));
}

/** The "not found" stand-ins a start passes by (missing auxiliary filtees), by id. */
export function passedBy(g: LoadGraph): Set<number> {
  const stops = new Set(missingAtStart(g).map((o) => o.id));
  return new Set(g.objects.filter((o) => o.kind === 'missing' && !stops.has(o.id)).map((o) => o.id));
}

export function summarize(g: LoadGraph): Summary {
  const lv = levels(g);
  return {
    objects: g.objects.filter((o) => o.kind === 'program' || o.kind === 'interp' || o.kind === 'library').length,
    depth: Math.max(0, ...g.objects.filter((o) => o.kind !== 'vdso').map((o) => lv.get(o.id) ?? 0)),
    missing: missingAtStart(g).length,
  };
}

/**
 * glibc 2.36 _dl_sort_maps_dfs (elf/dl-sort-maps.c) over the search list: l_initfini, program first.
 * Constructors run and objects are relocated from the last entry to the first.
 */
export function initFiniOrder(g: LoadGraph): number[] {
  const kinds = new Map(g.objects.map((o) => [o.id, o.kind]));
  const deps = new Map<number, number[]>();
  for (const e of g.edges) {
    if (!edgeSource(e.kind).initOrder || e.to === null || kinds.get(e.to) === 'missing') continue;
    const list = deps.get(e.from) ?? [];
    list.push(e.to);
    deps.set(e.from, list);
  }
  // The program first, then the search list — whose filtees of the program, if it is a filter, come before it.
  const main = programOf(g).id;
  const maps = [main, ...g.searchList.filter((id) => id !== main)];
  const visited = new Set<number>();
  const rpo: number[] = [];
  const visit = (m: number) => {
    visited.add(m);
    for (const d of deps.get(m) ?? []) if (!visited.has(d) && d !== main) visit(d);
    rpo.push(m);
  };
  for (let i = maps.length - 1; i >= 0; i--) if (!visited.has(maps[i]!)) visit(maps[i]!);
  rpo.reverse();
  // force_first: the program stays first.
  if (main !== undefined && rpo[0] !== main) rpo.splice(rpo.indexOf(main), 1), rpo.unshift(main);
  return rpo;
}
