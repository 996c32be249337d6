// What each edge is used for: the symbols the requesting object binds through it (with versions), how
// many of the provider's exports that is, unused direct needs (ldd -u), bindings to objects that are
// not direct needs, and what an edge costs (the objects only it brings in). Pure: graph and bindings in.
import * as C from '../elf/constants.js';
import { edgeSource } from '../graph/edge-sources.js';
import type { LoadGraph } from '../graph/model.js';
import { objectById, programOf, reachableWithout } from '../graph/traverse.js';
import type { BindResult } from '../loader/bind.js';
import type { LoadTimeCode } from './load-time.js';

export interface UsedSymbol {
  readonly name: string;
  readonly version: string | null;
  readonly kind: 'function' | 'object' | 'other';
}

export interface EdgeUse {
  /** Index into graph.edges. */
  readonly edge: number;
  readonly from: number;
  readonly to: number;
  readonly symbols: readonly UsedSymbol[];
  /** The provider's exported functions and objects (defined, global or weak, default or protected visibility). */
  readonly exports: { readonly functions: number; readonly objects: number };
  /** No relocation of the requester binds to the provider itself: ld.so's l_used, what `ldd -u` reports. */
  readonly unused: boolean;
  /**
   * When the provider is a filter (DT_FILTER, DT_AUXILIARY): what the requester binds to its filtees, which
   * the search list puts before it — the need is what brings them in, so it is not unused in effect.
   */
  readonly filtees?: ReadonlyArray<{ readonly to: number; readonly symbols: readonly UsedSymbol[] }>;
}

export interface IndirectUse {
  readonly from: number;
  readonly to: number;
  readonly symbols: readonly UsedSymbol[];
}

export interface EdgeCost {
  readonly edge: number;
  /** Objects that leave the closure when this edge is removed. */
  readonly removes: readonly number[];
  readonly bytes: number;
  readonly realConstructors: number;
  readonly ifuncAtLoad: number;
}

export interface Attribution {
  readonly edges: readonly EdgeUse[];
  readonly indirect: readonly IndirectUse[];
}

const kindOf = (type: number): UsedSymbol['kind'] =>
  type === C.STT_FUNC || type === C.STT_GNU_IFUNC ? 'function' : type === C.STT_OBJECT || type === C.STT_TLS || type === C.STT_COMMON ? 'object' : 'other';

export function exportsOf(b: BindResult, id: number): { functions: number; objects: number } {
  const s = b.tables.get(id)?.symbols;
  let functions = 0, objects = 0;
  if (!s) return { functions, objects };
  s.exportedTypes().forEach((n, type) => {
    const k = kindOf(type);
    if (k === 'function') functions += n;
    else if (k === 'object') objects += n;
  });
  return { functions, objects };
}

/** One key for an ordered pair of object ids (a graph has far fewer than 2^20 objects). */
const pairKey = (from: number, to: number) => from * 0x100000 + to;

/** Symbols bound from one object to another, once each, sorted by name, by pairKey(from, to). */
function usedByPair(b: BindResult): Map<number, UsedSymbol[]> {
  const seen = new Map<number, { list: UsedSymbol[]; versions: Map<string, Array<string | null>> }>();
  for (const x of b.bindings) {
    if (x.to === null) continue;
    const pair = pairKey(x.from, x.to);
    let p = seen.get(pair);
    if (!p) seen.set(pair, (p = { list: [], versions: new Map() }));
    let versions = p.versions.get(x.symbol);
    if (!versions) p.versions.set(x.symbol, (versions = []));
    if (versions.includes(x.version)) continue;
    versions.push(x.version);
    const defs = b.tables.get(x.to)?.symbols;
    p.list.push({ name: x.symbol, version: x.version, kind: defs && x.defIndex !== null ? kindOf(defs.type(x.defIndex)) : 'other' });
  }
  const out = new Map<number, UsedSymbol[]>();
  for (const [pair, p] of seen) out.set(pair, p.list.sort((a, c) => (a.name < c.name ? -1 : a.name > c.name ? 1 : 0)));
  return out;
}

/** Edge use for every DT_NEEDED edge (or only the edges in `only`), and bindings past the direct needs. */
export function attribute(g: LoadGraph, b: BindResult, only?: ReadonlySet<number>): Attribution {
  const kinds = new Map(g.objects.map((o) => [o.id, o.kind]));
  // No edge asked about (a scan's tree without suggestions): nothing to attribute.
  const used = only?.size === 0 ? new Map<number, UsedSymbol[]>() : usedByPair(b);
  const exportsCache = new Map<number, { functions: number; objects: number }>();
  const edges: EdgeUse[] = [];
  const direct = new Set<number>();
  // Each filter's filtees, found (not missing).
  const filteesOf = new Map<number, number[]>();
  for (const e of g.edges) {
    if (edgeSource(e.kind).filtee && e.to !== null && kinds.get(e.to) !== 'missing') filteesOf.set(e.from, [...(filteesOf.get(e.from) ?? []), e.to]);
  }
  g.edges.forEach((e, i) => {
    if (!edgeSource(e.kind).edgeUse || e.to === null || kinds.get(e.to) === 'missing') return;
    direct.add(pairKey(e.from, e.to));
    const filtees = filteesOf.get(e.to)?.flatMap((to) => {
      const symbols = used.get(pairKey(e.from, to));
      if (symbols) direct.add(pairKey(e.from, to));
      return symbols ? [{ to, symbols }] : [];
    });
    if (only && !only.has(i)) return;
    const symbols = used.get(pairKey(e.from, e.to)) ?? [];
    if (!exportsCache.has(e.to)) exportsCache.set(e.to, exportsOf(b, e.to));
    edges.push({ edge: i, from: e.from, to: e.to, symbols, exports: exportsCache.get(e.to)!, unused: symbols.length === 0, ...(filtees?.length ? { filtees } : {}) });
  });
  const indirect: IndirectUse[] = [];
  if (!only) {
    for (const [pair, symbols] of used) {
      const from = Math.floor(pair / 0x100000), to = pair % 0x100000;
      if (!direct.has(pair) && from !== to) indirect.push({ from, to, symbols });
    }
  }
  return { edges, indirect };
}

/** What removing one edge would take out of the closure, with its bytes and (given the load-time analysis) its load-time code. */
export function edgeCost(g: LoadGraph, edge: number, loadTime: LoadTimeCode | null): EdgeCost {
  const byId = objectById(g);
  const all = reachableWithout(g, -1);
  const without = reachableWithout(g, edge);
  const removes = [...all].filter((id) => !without.has(id) && byId.get(id)?.kind === 'library');
  const lt = new Map(loadTime?.objects.map((o) => [o.id, o]) ?? []);
  return {
    edge,
    removes,
    bytes: removes.reduce((n, id) => n + (byId.get(id)?.size ?? 0), 0),
    realConstructors: removes.reduce((n, id) => n + (lt.get(id)?.realConstructors ?? 0), 0),
    ifuncAtLoad: removes.reduce((n, id) => n + (lt.get(id)?.ifuncAtLoad ?? 0), 0),
  };
}

/** ldd -u: the program's direct needs that none of its own relocations binds to, in DT_NEEDED order. */
export function unusedDirect(g: LoadGraph, a: Attribution): number[] {
  const program = programOf(g).id;
  return a.edges.filter((e) => e.from === program && e.unused).map((e) => e.to);
}
