// Traversals over a LoadGraph: children in DT_NEEDED order, breadth-first levels, summary counts.
import { edgeSource } from './edge-sources.js';
import type { GraphEdge, GraphObject, LoadGraph } from './model.js';

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

/** Shortest number of edges from the program to each object. */
export function levels(g: LoadGraph): Map<number, number> {
  const from = edgesFrom(g);
  const program = g.objects.find((o) => o.kind === 'program')!;
  const level = new Map([[program.id, 0]]);
  const queue = [program.id];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const e of from.get(id) ?? []) {
      if (e.to === null || level.has(e.to)) continue;
      level.set(e.to, level.get(id)! + 1);
      queue.push(e.to);
    }
  }
  return level;
}

export interface Summary {
  /** Objects the process would map: the program, ld.so, libraries (the vDSO and placeholders not counted). */
  readonly objects: number;
  readonly depth: number;
  readonly missing: number;
}

export function summarize(g: LoadGraph): Summary {
  const lv = levels(g);
  return {
    objects: g.objects.filter((o) => o.kind === 'program' || o.kind === 'interp' || o.kind === 'library').length,
    depth: Math.max(0, ...g.objects.filter((o) => o.kind !== 'vdso').map((o) => lv.get(o.id) ?? 0)),
    missing: g.objects.filter((o) => o.kind === 'missing').length,
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
  const maps = g.searchList;
  const main = maps[0];
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
