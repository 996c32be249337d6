// diff: what changed in what gets loaded and what runs, between two analysis results. A pure function of
// the two documents (a saved --format json result diffs the same as a live one). Objects are matched by
// SONAME, else by path with the root and the multiarch triplet taken out, so that two architectures or two
// roots show only real differences.
import type { GraphObject } from '../graph/model.js';
import { displayName, shortestPaths } from '../graph/traverse.js';
import { knownBadChanges } from './known-bad.js';
import type { AnalysisResult } from './result.js';
import { anyObjectName, runtimeChain, runtimeWhy } from './why.js';
import { wideHex } from '../elf/kit.js';

export type DiffKind =
  | 'object-left' | 'object-entered'
  | 'edge-removed' | 'edge-added' | 'edge-changed'
  | 'constructor-removed' | 'constructor-added'
  | 'ifunc-removed' | 'ifunc-added' | 'ifunc-moved-to-load'
  | 'audit-changed'
  | 'symbols-shrank' | 'symbols-grew'
  | 'hardening-changed'
  | 'dlopen-removed' | 'dlopen-added'
  | 'moved-to-runtime' | 'moved-to-start' | 'runtime-removed' | 'runtime-added'
  | 'indicator-removed' | 'indicator-added'
  | 'startup-changed';

export interface DiffItem {
  readonly kind: DiffKind;
  /** The object (or edge, "a → b") the item is about, as matched across the two sides. */
  readonly subject: string;
  readonly message: string;
  readonly evidence: readonly string[];
}

export interface DiffResult {
  readonly schema: 'loadgraph.diff/1';
  readonly a: string;
  readonly b: string;
  /** The root each side was analysed in ('/' for the host). */
  readonly roots: { readonly a: string; readonly b: string };
  readonly same: boolean;
  /** Each side's start-up failure (the graph's fatal message), null when it starts. */
  readonly cannotStart: { readonly a: string | null; readonly b: string | null };
  readonly items: readonly DiffItem[];
  /** Both start-up graphs merged into one, objects and edges matched as the items match them (for drawing). */
  readonly graph: DiffGraph;
}

/** In both sides ('same', or 'changed': its load-time code, hardening, dlopen notes or indicators differ), only in B ('added'), only in A ('removed'). */
export type DiffStatus = 'same' | 'changed' | 'added' | 'removed';

export interface DiffGraph {
  readonly nodes: readonly DiffNode[];
  readonly edges: readonly DiffEdge[];
}

export interface DiffNode {
  /** The name objects are matched by (an item's subject). */
  readonly key: string;
  /** As the tree names it: B's when both sides have it. */
  readonly name: string;
  readonly kind: GraphObject['kind'];
  readonly status: DiffStatus;
  /** The object on each side; null on the side that does not load it at start. */
  readonly a: DiffNodeSide | null;
  readonly b: DiffNodeSide | null;
}

export interface DiffNodeSide {
  /** Its id in that side's result. */
  readonly id: number;
  readonly path: string | null;
  /** The shortest chain of keys from the program to it on that side (the program itself: just its key). */
  readonly why: readonly string[];
  readonly realConstructors: number;
  readonly ifuncAtLoad: number;
}

export interface DiffEdge {
  readonly from: string;
  readonly to: string;
  readonly status: Exclude<DiffStatus, 'changed'>;
  /** How the need was resolved (B's when both sides have it), 'already-loaded' included. */
  readonly reason: string;
}

const TRIPLET = /\/(usr\/)?lib(32|64|x32)?\/[a-z0-9_]+-linux-gnu[a-z0-9_]*\//g;
const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** The name an object is matched by across the two sides. */
export function keyOf(o: GraphObject): string | null {
  if (o.kind === 'vdso') return null;
  if (o.kind === 'program') return '<program>';
  if (o.kind === 'interp') return '<ld.so>';
  if (o.kind === 'missing') return `missing:${o.name}`;
  return o.soname ?? (o.path ?? o.name).replace(TRIPLET, '/lib/<triplet>/');
}

interface Side {
  readonly g: AnalysisResult;
  readonly byKey: Map<string, GraphObject>;
  readonly keyOfId: Map<number, string>;
  readonly label: (key: string) => string;
  /** Shortest chain of edge indices from the program to each object. */
  readonly via: Map<number, number[]>;
}

function side(g: AnalysisResult): Side {
  const byKey = new Map<string, GraphObject>();
  const keyOfId = new Map<number, string>();
  for (const o of g.objects) {
    const k = keyOf(o);
    if (k === null || byKey.has(k)) continue;
    byKey.set(k, o);
    keyOfId.set(o.id, k);
  }
  const via = shortestPaths(g);
  const label = (k: string) => (k === '<program>' ? base(g.program) : k === '<ld.so>' ? (byKey.get(k)?.soname ?? 'ld.so') : k);
  return { g, byKey, keyOfId, label, via };
}

const pathText = (s: Side, id: number) => [s.label('<program>'), ...(s.via.get(id) ?? []).map((ei) => s.label(s.keyOfId.get(s.g.edges[ei]!.to!)!))].join(' → ');
const usedFor = (s: Side, ei: number) => {
  const u = s.g.edgeUse?.find((x) => x.edge === ei);
  return u ? (u.symbols.length ? `used for ${u.symbols.map((x) => x.name).join(', ')}` : 'used for nothing') : '';
};
const codeOf = (s: Side, id: number) => {
  const lt = s.g.loadTime?.objects.find((o) => o.id === id);
  if (!lt) return '';
  const parts = [lt.realConstructors ? `${lt.realConstructors} real constructor${lt.realConstructors === 1 ? '' : 's'}` : '', lt.ifuncAtLoad ? `${lt.ifuncAtLoad} IFUNC resolver calls` : ''].filter(Boolean);
  return parts.join(', ');
};
const version = (o: GraphObject) => o.summary?.package ?? (o.realPath ? base(o.realPath) : null);

/** Edges between matched objects: "from → to" → edge index. */
function edgeKeys(s: Side): Map<string, number> {
  const m = new Map<string, number>();
  s.g.edges.forEach((e, i) => {
    if (e.to === null) return;
    const f = s.keyOfId.get(e.from), t = s.keyOfId.get(e.to);
    if (f && t && !m.has(`${f} → ${t}`)) m.set(`${f} → ${t}`, i);
  });
  return m;
}

export function diffResults(aGraph: AnalysisResult, bGraph: AnalysisResult): DiffResult {
  const A = side(aGraph), B = side(bGraph);
  const items: DiffItem[] = [];
  const add = (kind: DiffKind, subject: string, message: string, evidence: string[] = []) => items.push({ kind, subject, message, evidence });

  // Whether the program starts at all comes first (a fatal loader error, a missing version, no PT_INTERP).
  const fa = aGraph.fatal?.message ?? null, fb = bGraph.fatal?.message ?? null;
  if (fa !== fb) {
    add('startup-changed', '<program>', fb === null ? `${B.label('<program>')} starts again` : fa === null ? `${B.label('<program>')} can no longer start` : `${B.label('<program>')} still cannot start, for another reason`,
      [fa === null ? '' : `before: ${fa}`, fb === null ? '' : `after: ${fb}`].filter(Boolean));
  }

  // Objects that left or entered the closure, with what brought them in on their side.
  for (const [k, o] of A.byKey) {
    if (B.byKey.has(k)) continue;
    const chain = A.via.get(o.id) ?? [];
    // The edge that is gone: the first on A's path whose target B no longer has.
    const cut = chain.find((ei) => !B.byKey.has(A.keyOfId.get(A.g.edges[ei]!.to!)!));
    const ev = [`on ${A.label('<program>')}'s side: ${pathText(A, o.id)}`];
    if (cut !== undefined) ev.push(`lost edge ${A.label(A.keyOfId.get(A.g.edges[cut]!.from)!)} → ${A.label(A.keyOfId.get(A.g.edges[cut]!.to!)!)}${usedFor(A, cut) ? `, ${usedFor(A, cut)}` : ''}`);
    const code = codeOf(A, o.id);
    if (code) ev.push(`its load-time code leaves with it: ${code}`);
    add('object-left', k, `${B.label('<program>')} no longer loads ${k}`, ev);
  }
  for (const [k, o] of B.byKey) {
    if (A.byKey.has(k)) continue;
    const ev = [`brought in by ${pathText(B, o.id)}`];
    const last = (B.via.get(o.id) ?? []).at(-1);
    if (last !== undefined && usedFor(B, last)) ev.push(usedFor(B, last));
    const code = codeOf(B, o.id);
    if (code) ev.push(`brings load-time code: ${code}`);
    add('object-entered', k, `${B.label('<program>')} now loads ${k}`, ev);
  }

  // Edges between objects both sides have.
  const ea = edgeKeys(A), eb = edgeKeys(B);
  for (const [k, i] of ea) {
    const [f, t] = k.split(' → ') as [string, string];
    if (!A.byKey.has(f) || !B.byKey.has(f)) continue;
    if (!eb.has(k)) {
      if (B.byKey.has(t)) add('edge-removed', k, `${A.label(f)} no longer needs ${A.label(t)}`, [usedFor(A, i)].filter(Boolean));
      continue;
    }
    const j = eb.get(k)!;
    const ra = A.g.edges[i]!.reason.kind, rb = B.g.edges[j]!.reason.kind;
    const oa = A.byKey.get(t)!, ob = B.byKey.get(t)!;
    const changes: string[] = [];
    if (ra !== rb && ra !== 'already-loaded' && rb !== 'already-loaded') changes.push(`found through ${ra}, now ${rb}`);
    const pa = oa.path?.replace(TRIPLET, '/lib/<triplet>/'), pb = ob.path?.replace(TRIPLET, '/lib/<triplet>/');
    if (pa !== pb && A.g.edges[i]!.reason.kind !== 'already-loaded') changes.push(`provider ${oa.path} → ${ob.path}`);
    if (version(oa) && version(ob) && version(oa) !== version(ob) && A.g.edges[i]!.reason.kind !== 'already-loaded') changes.push(`version ${version(oa)} → ${version(ob)}`);
    if (changes.length) add('edge-changed', k, `${A.label(f)} → ${A.label(t)} changed`, changes);
    // What the edge is used for.
    const ua = new Set(A.g.edgeUse?.find((x) => x.edge === i)?.symbols.map((s) => s.name) ?? []);
    const ub = new Set(B.g.edgeUse?.find((x) => x.edge === j)?.symbols.map((s) => s.name) ?? []);
    if (A.g.edgeUse && B.g.edgeUse) {
      const lost = [...ua].filter((s) => !ub.has(s)), gained = [...ub].filter((s) => !ua.has(s));
      if (lost.length) add('symbols-shrank', k, `${A.label(f)} no longer uses from ${A.label(t)}: ${lost.join(', ')}`);
      if (gained.length) add('symbols-grew', k, `${B.label(f)} now also uses from ${B.label(t)}: ${gained.join(', ')}`);
    }
  }
  for (const [k] of eb) {
    const [f, t] = k.split(' → ') as [string, string];
    if (!ea.has(k) && A.byKey.has(f) && A.byKey.has(t)) add('edge-added', k, `${B.label(f)} now needs ${B.label(t)}`, [usedFor(B, eb.get(k)!)].filter(Boolean));
  }

  // Load-time code and hardening of objects both sides have.
  for (const [k, oa] of A.byKey) {
    const ob = B.byKey.get(k);
    if (!ob) continue;
    const la = A.g.loadTime?.objects.find((o) => o.id === oa.id), lb = B.g.loadTime?.objects.find((o) => o.id === ob.id);
    if (la && lb) {
      // Constructors compare by name where a symbol table names them, otherwise by number: slot indexes
      // and addresses differ between builds and architectures for the same code.
      const named = (l: typeof la) => l.constructors.filter((c) => c.classification !== 'toolchain' && c.name).map((c) => c.name!);
      const unnamed = (l: typeof la) => l.constructors.filter((c) => c.classification !== 'toolchain' && !c.name).length;
      const na = named(la), nb = named(lb);
      const removed = na.filter((c) => !nb.includes(c)), added = nb.filter((c) => !na.includes(c));
      const lost = removed.length + Math.max(0, unnamed(la) - unnamed(lb)), gained = added.length + Math.max(0, unnamed(lb) - unnamed(la));
      if (lost) add('constructor-removed', k, `${A.label(k)}: ${lost} constructor${lost === 1 ? '' : 's'} no longer run${removed.length ? `: ${removed.join(', ')}` : ''}`);
      if (gained) add('constructor-added', k, `${A.label(k)}: ${gained} new constructor${gained === 1 ? '' : 's'} run at load${added.length ? `: ${added.join(', ')}` : ''}`);
      const res = (l: typeof la, phase: 'load' | 'first-call') => new Set(l.ifunc.filter((c) => c.phase === phase).map((c) => c.name ?? wideHex(c.address ?? 0)));
      const ia = res(la, 'load'), ib = res(lb, 'load');
      const lazyA = res(la, 'first-call');
      const moved = [...ib].filter((x) => !ia.has(x) && lazyA.has(x));
      const goneI = [...ia].filter((x) => !ib.has(x)), newI = [...ib].filter((x) => !ia.has(x) && !moved.includes(x));
      if (moved.length) add('ifunc-moved-to-load', k, `${A.label(k)}: IFUNC resolvers now run at load time instead of at first call: ${moved.join(', ')}`, ['BIND_NOW on the side that calls them']);
      if (goneI.length) {
        const callers = [...new Set(la.ifunc.filter((c) => c.phase === 'load' && goneI.includes(c.name ?? '')).map((c) => A.keyOfId.get(c.calledBy)).filter((c): c is string => !!c && !B.byKey.has(c)))];
        add('ifunc-removed', k, `${A.label(k)}: IFUNC resolvers no longer run at load: ${goneI.join(', ')}`, callers.length ? [`they were called by relocations of ${callers.map(A.label).join(', ')}, which left`] : []);
      }
      if (newI.length) add('ifunc-added', k, `${A.label(k)}: new IFUNC resolvers run at load: ${newI.join(', ')}`);
      if (la.audit.join() !== lb.audit.join()) add('audit-changed', k, `${A.label(k)}: audit libraries ${la.audit.join(', ') || 'none'} → ${lb.audit.join(', ') || 'none'}`);
    }
    const sa = oa.summary, sb = ob.summary;
    if (sa && sb) {
      const h: string[] = [];
      if (sa.relro !== sb.relro) h.push(`RELRO ${sa.relro} → ${sb.relro}`);
      if (sa.bindNow !== sb.bindNow) h.push(`BIND_NOW ${sa.bindNow ? 'on' : 'off'} → ${sb.bindNow ? 'on' : 'off'}`);
      if (sa.textrel !== sb.textrel) h.push(`TEXTREL ${sa.textrel ? 'yes' : 'no'} → ${sb.textrel ? 'yes' : 'no'}`);
      if (sa.execStack !== sb.execStack) h.push(`executable stack ${sa.execStack ? 'yes' : 'no'} → ${sb.execStack ? 'yes' : 'no'}`);
      if ((oa.rpath ?? '') !== (ob.rpath ?? '')) h.push(`RPATH ${oa.rpath ?? 'none'} → ${ob.rpath ?? 'none'}`);
      if ((oa.runpath ?? '') !== (ob.runpath ?? '')) h.push(`RUNPATH ${oa.runpath ?? 'none'} → ${ob.runpath ?? 'none'}`);
      const isaA = oa.x86IsaNeeded?.join(', ') ?? 'baseline', isaB = ob.x86IsaNeeded?.join(', ') ?? 'baseline';
      if (isaA !== isaB) h.push(`x86 ISA levels needed ${isaA} → ${isaB}`);
      if (h.length) add('hardening-changed', k, `${A.label(k)}: ${h.join('; ')}`);
      const da = new Set(sa.dlopen), db = new Set(sb.dlopen);
      const dRemoved = [...da].filter((x) => !db.has(x)), dAdded = [...db].filter((x) => !da.has(x));
      if (dRemoved.length) add('dlopen-removed', k, `${A.label(k)} no longer declares dlopen() of ${dRemoved.join(', ')}`);
      if (dAdded.length) add('dlopen-added', k, `${A.label(k)} now declares dlopen() of ${dAdded.join(', ')} (.note.dlopen)`);
    }
  }
  // What the process may load after start-up (only when both results carry it: older saved results do not).
  if (aGraph.runtime && bGraph.runtime) {
    const RA = runtimeKeys(aGraph), RB = runtimeKeys(bGraph);
    const later = (g: AnalysisResult, o: GraphObject) => {
      const w = runtimeWhy(g, o.soname ?? o.path ?? o.name);
      if (!w) return [];
      const n = anyObjectName(g);
      const first = w.path.find((h) => !h.atStart);
      const how = first?.provenance?.kind === 'dlopen' ? `.note.dlopen of ${n(first.from)} (${first.provenance.feature ?? 'no feature'}, ${first.provenance.priority})`
        : first?.provenance?.kind === 'pam' ? `PAM ${first.provenance.service}, ${first.provenance.lines[0]!.via.at(-1)}`
        : first?.provenance?.kind === 'nss' ? `NSS ${first.provenance.databases.join(', ')}` : '';
      return [`run-time path: ${runtimeChain(g, w.path)}`, ...(how ? [`asked for by ${how}`] : [])];
    };
    for (const [k, o] of RB) {
      if (A.byKey.has(k) && !B.byKey.has(k)) add('moved-to-runtime', k, `${B.label('<program>')} no longer loads ${k} at start, but may still load it at run time`, later(bGraph, o));
      else if (!RA.has(k) && !B.byKey.has(k) && !A.byKey.has(k)) add('runtime-added', k, `${B.label('<program>')} may now load ${k} at run time`, later(bGraph, o));
    }
    for (const [k, o] of RA) {
      if (B.byKey.has(k) && !A.byKey.has(k)) add('moved-to-start', k, `${B.label('<program>')} now loads ${k} at start; before, only at run time`, later(aGraph, o));
      else if (!RB.has(k) && !A.byKey.has(k) && !B.byKey.has(k)) add('runtime-removed', k, `${B.label('<program>')} may no longer load ${k} at run time`, later(aGraph, o));
    }
  }
  // Known-bad code by content (docs/rules.md#indicators): an object that gained or lost a match.
  items.push(...knownBadChanges(aGraph, bGraph, keyOf));
  const order: DiffKind[] = ['startup-changed', 'indicator-added', 'indicator-removed', 'object-left', 'moved-to-runtime', 'object-entered', 'moved-to-start', 'edge-removed', 'edge-added', 'edge-changed', 'constructor-removed', 'constructor-added',
    'ifunc-removed', 'ifunc-added', 'ifunc-moved-to-load', 'audit-changed', 'symbols-shrank', 'symbols-grew', 'hardening-changed', 'dlopen-removed', 'dlopen-added', 'runtime-removed', 'runtime-added'];
  items.sort((x, y) => order.indexOf(x.kind) - order.indexOf(y.kind));
  return { schema: 'loadgraph.diff/1', a: aGraph.program, b: bGraph.program, roots: { a: aGraph.env.root, b: bGraph.env.root }, same: items.length === 0, cannotStart: { a: fa, b: fb }, items, graph: merged(A, B, items) };
}

/** What makes an object both sides load 'changed'. */
const CHANGED: ReadonlySet<DiffKind> = new Set<DiffKind>(['constructor-removed', 'constructor-added', 'ifunc-removed', 'ifunc-added', 'ifunc-moved-to-load', 'audit-changed',
  'hardening-changed', 'dlopen-removed', 'dlopen-added', 'indicator-added', 'indicator-removed']);

/** Every object and edge of either side once, with the side(s) it is on. */
function merged(A: Side, B: Side, items: readonly DiffItem[]): DiffGraph {
  const changed = new Set(items.filter((i) => CHANGED.has(i.kind)).map((i) => i.subject));
  const sideOf = (s: Side, k: string): DiffNodeSide | null => {
    const o = s.byKey.get(k);
    if (!o) return null;
    const lt = s.g.loadTime?.objects.find((x) => x.id === o.id);
    // A second object with a key already taken (two files with one SONAME) stands for that key on the way.
    const keyAt = (id: number) => s.keyOfId.get(id) ?? keyOf(s.g.objects.find((x) => x.id === id)!) ?? String(id);
    return { id: o.id, path: o.path, why: ['<program>', ...(s.via.get(o.id) ?? []).map((ei) => keyAt(s.g.edges[ei]!.to!))],
      realConstructors: lt?.realConstructors ?? 0, ifuncAtLoad: lt?.ifuncAtLoad ?? 0 };
  };
  const keys = [...new Set([...B.byKey.keys(), ...A.byKey.keys()])];
  const nodes = keys.map((k): DiffNode => {
    const [a, b] = [sideOf(A, k), sideOf(B, k)];
    const [s, o] = b ? [B, B.byKey.get(k)!] : [A, A.byKey.get(k)!];
    return { key: k, name: o.kind === 'missing' ? `${o.name} (not found)` : displayName(s.g, o), kind: o.kind,
      status: !a ? 'added' : !b ? 'removed' : changed.has(k) ? 'changed' : 'same', a, b };
  });
  // Keyed by the pair itself, not "from → to" text: a name may hold an arrow.
  const pairs = (s: Side) => {
    const m = new Map<string, { from: string; to: string; reason: string }>();
    for (const e of s.g.edges) {
      const from = s.keyOfId.get(e.from), to = e.to === null ? undefined : s.keyOfId.get(e.to);
      if (from && to && !m.has(`${from}\0${to}`)) m.set(`${from}\0${to}`, { from, to, reason: e.reason.kind });
    }
    return m;
  };
  const ea = pairs(A), eb = pairs(B);
  const edges = [...eb, ...[...ea].filter(([k]) => !eb.has(k))].map(([k, e]): DiffEdge => ({ ...e, status: !ea.has(k) ? 'added' : !eb.has(k) ? 'removed' : 'same' }));
  return { nodes, edges };
}

/** The objects only a run-time load brings in, by the key diff matches objects by. */
function runtimeKeys(g: AnalysisResult): Map<string, GraphObject> {
  const m = new Map<string, GraphObject>();
  for (const o of g.runtime?.objects ?? []) {
    const k = keyOf(o);
    if (k !== null && !m.has(k)) m.set(k, o);
  }
  return m;
}
