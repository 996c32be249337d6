// The load graph as Graphviz DOT: objects as nodes, start-up edges solid, run-time edges (dlopen notes,
// PAM, NSS) dashed, objects that run their own code at load time filled, known-bad code red, missing
// libraries red and dashed; with a highlighted library, the shortest path to it in colour. Pure.
import { findObject, runtimeWhy } from '../analyses/why.js';
import type { AnalysisResult } from '../analyses/result.js';
import type { GraphEdge, GraphObject } from '../graph/model.js';
import { displayName, passedBy, shortestPaths } from '../graph/traverse.js';
import { codeMarks, knownBadIds, loadTimeById } from './tree.js';

/** A DOT string literal. */
const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export function renderDot(g: AnalysisResult, opts: { highlight?: string } = {}): string {
  const rt = g.runtime;
  const objects = [...g.objects, ...(rt?.objects ?? [])].filter((o) => o.kind !== 'vdso');
  const runtimeIds = new Set((rt?.objects ?? []).map((o) => o.id));
  const code = loadTimeById(g);
  const bad = knownBadIds(g);
  // The why-path of --highlight: at start if it loads then, else through the run-time loads, as `why` shows it.
  const hot = new Set<string>();
  const target = opts.highlight ? findObject({ ...g, objects }, opts.highlight) : null;
  const startPath = target ? shortestPaths(g).get(target.id) : undefined;
  if (startPath) for (const i of startPath) hot.add(`${g.edges[i]!.from}>${g.edges[i]!.to}`);
  else if (target) for (const h of runtimeWhy(g, opts.highlight!)?.path ?? []) hot.add(`${h.from}>${h.to}`);
  const lines = ['digraph loadgraph {', '  rankdir=LR;', '  node [shape=box, fontname="monospace", fontsize=10];', '  edge [fontname="monospace", fontsize=8];'];
  const passed = passedBy(g);
  for (const o of objects) lines.push(`  n${o.id} [${nodeAttrs(g, o, runtimeIds.has(o.id), code.get(o.id), bad.has(o.id), o.id === target?.id, passed.has(o.id)).join(', ')}];`);
  const present = new Set(objects.map((o) => o.id));
  const edge = (e: GraphEdge, runtime: boolean) => {
    if (e.to === null || !present.has(e.to) || !present.has(e.from)) return;
    const attrs = [
      ...(runtime ? ['style=dashed', `label=${q(e.kind)}`] : []),
      ...(e.reason.kind === 'already-loaded' ? ['color="gray60"', 'arrowhead=empty'] : []),
      ...(hot.has(`${e.from}>${e.to}`) ? ['color="red"', 'penwidth=2.5'] : []),
    ];
    lines.push(`  n${e.from} -> n${e.to}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  };
  for (const e of g.edges) edge(e, false);
  for (const e of rt?.edges ?? []) edge(e, true);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** `passed`: a missing auxiliary filtee, which a start passes by (not drawn as an error). */
function nodeAttrs(g: AnalysisResult, o: GraphObject, runtime: boolean, lt: { realConstructors: number; ifuncAtLoad: number } | undefined, bad: boolean, target: boolean, passed: boolean): string[] {
  const marks = [...codeMarks(lt), ...(bad ? ['known-bad code'] : [])];
  const name = o.kind === 'missing' ? `${o.name} (not found${passed ? ', passed by at start' : ''})` : displayName(g, o);
  const attrs = [`label=${q(marks.length ? `${name}\n${marks.join(' ')}` : name)}`];
  if (o.path) attrs.push(`tooltip=${q(o.path)}`);
  const style = [...(runtime || o.kind === 'missing' ? ['dashed'] : []), ...(bad || marks.length ? ['filled'] : []), ...(o.kind === 'program' ? ['bold'] : [])];
  if (style.length) attrs.push(`style=${q(style.join(','))}`);
  if (bad) attrs.push('fillcolor="#ff8a80"');
  else if (marks.length) attrs.push('fillcolor="#ffe0b2"');
  if ((o.kind === 'missing' && !passed) || target) attrs.push('color="red"');
  if (target) attrs.push('penwidth=2.5');
  return attrs;
}
