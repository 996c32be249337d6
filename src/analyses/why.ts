// `why`: every simple path from the program to a library, each hop with how it was resolved and what it
// is used for, as data first (npm explain's shape: {node, loadedBy: [{edge, from}]}), rendered later.
import type { GraphObject, LoadGraph } from '../graph/model.js';
import { displayName, edgeIndicesFrom, programOf } from '../graph/traverse.js';
import type { AnalysisResult } from './result.js';
import { type Attribution, type EdgeCost, type EdgeUse, type UsedSymbol, edgeCost } from './attribution.js';

export interface Hop {
  readonly edge: number;
  readonly from: number;
  readonly to: number;
  readonly reason: LoadGraph['edges'][number]['reason'];
  readonly symbols: readonly UsedSymbol[];
  readonly exports: { readonly functions: number; readonly objects: number } | null;
  /** When `to` is a filter: what `from` binds to its filtees (EdgeUse.filtees). */
  readonly filtees?: EdgeUse['filtees'];
}

export interface Explanation {
  readonly node: { readonly id: number; readonly name: string; readonly path: string | null };
  readonly loadedBy: ReadonlyArray<{ readonly edge: Hop; readonly from: Explanation }>;
}

export interface WhyResult {
  readonly target: number;
  readonly paths: ReadonlyArray<readonly Hop[]>;
  /** Paths beyond `limit` that exist but are not listed. */
  readonly more: number;
  readonly explanation: Explanation;
  /** The cost of each first hop that leads to the target. */
  readonly costs: readonly EdgeCost[];
}

/** The loaded object LIB names: by SONAME, by a name it was requested by, by file name or by path. */
export function findObject(g: LoadGraph, lib: string): GraphObject | null {
  const base = (p: string | null) => p?.slice(p.lastIndexOf('/') + 1);
  const candidates = g.objects.filter((o) => o.kind === 'library' || o.kind === 'interp');
  return candidates.find((o) => o.soname === lib) ?? candidates.find((o) => o.names.includes(lib))
    ?? candidates.find((o) => o.path === lib || o.realPath === lib) ?? candidates.find((o) => base(o.path) === lib || base(o.realPath) === lib) ?? null;
}

/** `why --format json`: whether `file` loads `lib`, and if so every path, the indirect bindings and the suggestions on them. */
export function whyDocument(file: string, lib: string, g: AnalysisResult, a: Attribution, w: WhyResult | null) {
  // A program that cannot start loads nothing: its fatal error, and the paths up to it.
  const fatal = g.fatal ? { fatal: g.fatal } : {};
  if (!w) return { program: file, library: lib, loaded: false, ...fatal };
  const onPath = new Set(w.paths.flat().map((h) => h.from));
  return {
    program: file, library: lib, loaded: !g.fatal, ...fatal, ...w,
    indirect: a.indirect.filter((x) => onPath.has(x.from)),
    suggestions: (g.suggestions ?? []).filter((s) => w.paths.some((p) => p.some((h) => h.edge === s.edge))),
    indicators: (g.indicators ?? []).filter((x) => x.id === w.target),
  };
}

export function why(g: AnalysisResult, a: Attribution, target: number, limit = 20): WhyResult {
  const program = programOf(g).id;
  const use = new Map(a.edges.map((e) => [e.edge, e]));
  const hopOf = (i: number): Hop => {
    const e = g.edges[i]!;
    const u = use.get(i);
    return { edge: i, from: e.from, to: e.to!, reason: e.reason, symbols: u?.symbols ?? [], exports: u?.exports ?? null, ...(u?.filtees ? { filtees: u.filtees } : {}) };
  };
  const out = edgeIndicesFrom(g);
  const paths: Hop[][] = [];
  let total = 0;
  // Depth-first over simple paths; counting stops at a bound so a dense graph cannot run away.
  const MAX_COUNT = 100_000;
  const walk = (at: number, on: Set<number>, path: number[]) => {
    if (total >= MAX_COUNT) return;
    if (at === target) {
      total++;
      if (paths.length < limit) paths.push(path.map(hopOf));
      return;
    }
    for (const i of out.get(at) ?? []) {
      const to = g.edges[i]!.to!;
      if (on.has(to)) continue;
      on.add(to);
      path.push(i);
      walk(to, on, path);
      path.pop();
      on.delete(to);
    }
  };
  walk(program, new Set([program]), []);

  const byId = new Map(g.objects.map((o) => [o.id, o]));
  const node = (id: number) => ({ id, name: byId.get(id)!.soname ?? byId.get(id)!.name, path: byId.get(id)!.path });
  // The explanation tree: who loads the target, and who loads them, along the listed paths.
  const explain = (id: number, seen: Set<number>): Explanation => {
    const into = new Map<number, Hop>();
    for (const p of paths) for (const h of p) if (h.to === id && !seen.has(h.from) && !into.has(h.edge)) into.set(h.edge, h);
    return { node: node(id), loadedBy: [...into.values()].map((h) => ({ edge: h, from: explain(h.from, new Set([...seen, id])) })) };
  };
  const firstHops = [...new Set(paths.map((p) => p[0]!.edge))];
  return { target, paths, more: total - paths.length, explanation: explain(target, new Set()), costs: firstHops.map((e) => edgeCost(g, e, g.loadTime ?? null)) };
}

/** One hop of a run-time path: a start-up edge, or a run-time edge with what asks for it. */
export interface RuntimeHop {
  readonly from: number;
  readonly to: number;
  readonly kind: LoadGraph['edges'][number]['kind'];
  readonly atStart: boolean;
  readonly reason: LoadGraph['edges'][number]['reason'];
  readonly provenance?: NonNullable<LoadGraph['edges'][number]['provenance']>;
}

/**
 * LIB is not loaded at start but the process may load it later: the shortest path from the program through
 * start-up edges and then run-time ones (dlopen notes, PAM, NSS). Null when no run-time load reaches it.
 */
export function runtimeWhy(g: LoadGraph, lib: string): { target: GraphObject; path: readonly RuntimeHop[] } | null {
  const rt = g.runtime;
  if (!rt) return null;
  const target = findObject({ ...g, objects: rt.objects }, lib);
  if (!target) return null;
  const hops: RuntimeHop[] = [
    ...g.edges.filter((e) => e.to !== null).map((e) => ({ from: e.from, to: e.to!, kind: e.kind, atStart: true, reason: e.reason })),
    ...rt.edges.filter((e) => e.to !== null).map((e) => ({ from: e.from, to: e.to!, kind: e.kind, atStart: false, reason: e.reason, ...(e.provenance ? { provenance: e.provenance } : {}) })),
  ];
  const start = programOf(g).id;
  const via = new Map<number, RuntimeHop | null>([[start, null]]);
  for (let frontier = [start]; frontier.length && !via.has(target.id);) {
    const next: number[] = [];
    for (const at of frontier) {
      for (const h of hops) {
        if (h.from !== at || via.has(h.to)) continue;
        via.set(h.to, h);
        next.push(h.to);
      }
    }
    frontier = next;
  }
  if (!via.has(target.id)) return null;
  const path: RuntimeHop[] = [];
  for (let h = via.get(target.id); h; h = via.get(h.from)) path.unshift(h);
  return { target, path };
}

/** A name for any object of the result, start-up or run-time (the one naming rule, displayName). */
export function anyObjectName(g: LoadGraph): (id: number) => string {
  const all = new Map([...g.objects, ...(g.runtime?.objects ?? [])].map((x) => [x.id, x]));
  return (id) => displayName(g, all.get(id)!);
}

/** "sshd → libpam.so.0 → pam_limits.so": a run-time path by name. */
export function runtimeChain(g: LoadGraph, path: readonly RuntimeHop[]): string {
  const name = anyObjectName(g);
  return [name(path[0]!.from), ...path.map((h) => name(h.to))].join(' → ');
}
