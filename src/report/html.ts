// The load graph as one self-contained HTML page (the page and its layout: html-graph.ts): objects that run
// their own code at load time marked, and for a clicked object why it is loaded, what each edge into it is
// used for, its load-time code and hardening. Pure: the result document in, the page out.
import type { AnalysisResult } from '../analyses/result.js';
import { runtimeWhy } from '../analyses/why.js';
import { displayName, passedBy, programOf, shortestPaths } from '../graph/traverse.js';
import { type DrawnEdge, type DrawnNode, graphPage } from './html-graph.js';
import { esc } from './html-table.js';
import { knownBadIds, loadTimeById, loadTimeFooter, runtimeSummary } from './tree.js';

interface PageNode extends DrawnNode {
  path: string | null; ctor: number; ifunc: number;
  /** Ids from the program (or the run-time requester) to it. */
  why: number[]; whyAtStart: boolean; facts: string[];
}
interface PageEdge extends DrawnEdge { used: string[] }

/** The page's data: every object with why it is loaded, every edge with what it is used for. */
function pageData(g: AnalysisResult) {
  const rt = g.runtime;
  const all = [...g.objects, ...(rt?.objects ?? [])].filter((o) => o.kind !== 'vdso');
  const runtimeIds = new Set((rt?.objects ?? []).map((o) => o.id));
  const code = loadTimeById(g);
  const bad = knownBadIds(g);
  const passed = passedBy(g);
  const name = (id: number) => { const o = all.find((x) => x.id === id); return o ? displayName(g, o) : String(id); };
  const paths = shortestPaths(g);
  const nodes: PageNode[] = all.map((o) => {
    const start = paths.get(o.id);
    const later = start === undefined && o.kind !== 'program' ? runtimeWhy(g, displayName(g, o))?.path : undefined;
    const chain = start !== undefined ? [programOf(g).id, ...start.map((i) => g.edges[i]!.to!)] : later ? [later[0]!.from, ...later.map((h) => h.to)] : [];
    const ctor = code.get(o.id)?.realConstructors ?? 0, ifunc = code.get(o.id)?.ifuncAtLoad ?? 0;
    const runtime = runtimeIds.has(o.id);
    const s = o.summary;
    return {
      id: o.id, name: o.kind === 'missing' ? `${o.name} (not found${passed.has(o.id) ? ', passed by at start' : ''})` : displayName(g, o), kind: o.kind,
      cls: [ctor || ifunc ? 'code' : '', bad.has(o.id) ? 'bad' : '', runtime ? 'runtime' : '', o.kind === 'missing' && !passed.has(o.id) ? 'missing' : ''].filter(Boolean).join(' '),
      note: [ifunc ? `ifunc:${ifunc}` : '', ctor ? `ctor:${ctor}` : '', bad.has(o.id) ? 'known-bad code' : '', runtime ? 'run time' : ''].filter(Boolean).join(' '),
      path: o.path, ctor, ifunc, why: chain, whyAtStart: start !== undefined,
      facts: s ? [`RELRO ${s.relro}`, `BIND_NOW ${s.bindNow ? 'yes' : 'no'}`, `TEXTREL ${s.textrel ? 'yes' : 'no'}`, `executable stack ${s.execStack ? 'yes' : 'no'}`,
        ...(o.x86IsaNeeded ? [`x86 ISA levels needed ${o.x86IsaNeeded.join(', ')}`] : []), ...(s.package ? [`package ${s.package}`] : []), ...(o.diagnostics ?? [])] : [],
    };
  });
  const present = new Set(nodes.map((n) => n.id));
  const use = new Map((g.edgeUse ?? []).map((u) => [u.edge, u.symbols.map((x) => x.name)]));
  const edges: PageEdge[] = [
    ...g.edges.map((e, i) => ({ e, i, runtime: false })),
    ...(rt?.edges ?? []).map((e) => ({ e, i: -1, runtime: true })),
  ].filter(({ e }) => e.to !== null && present.has(e.to) && present.has(e.from))
    .map(({ e, i, runtime }) => ({ from: e.from, to: e.to!, cls: [runtime ? 'runtime' : '', e.reason.kind === 'already-loaded' ? 'again' : ''].filter(Boolean).join(' '),
      label: runtime ? e.kind : e.reason.kind, used: use.get(i) ?? [] }));
  const notes = [loadTimeFooter(g), runtimeSummary(g), ...(g.fatal ? [`cannot start: ${g.fatal.message}`] : []),
    ...(g.suggestions ?? []).map((s) => `${s.rule}: ${name(s.from)} → ${name(s.to)}: ${s.advice}`)].filter((x): x is string => !!x);
  return { nodes, edges, notes };
}

/** `select`: an object whose panel and why-path the page opens with (`why --format html`). */
export function renderHtml(g: AnalysisResult, opts: { select?: number } = {}): string {
  const { nodes, edges, notes } = pageData(g);
  return graphPage({
    title: g.program, heading: `<b>${esc(g.program)}</b>`, nodes, edges, select: opts.select ?? null,
    legend: [['background:#ffe0b2', 'runs its own code at load'], ['background:#ff8a80', 'known-bad code'], ['border-style:dashed', 'loaded only at run time'], ['border-color:#d00;border-style:dotted', 'not found']],
    css: `.node.code rect{fill:#ffe0b2}.node.bad rect{fill:#ff8a80}.node.runtime rect{stroke-dasharray:4 3}.node.missing rect{stroke:#d00;stroke-dasharray:2 2}
.edge.runtime{stroke-dasharray:5 4}.edge.again{stroke:#ddd}.edge.hot{stroke:#d00;stroke-width:2.5}`,
    below: notes.map((t) => `<p>${esc(t)}</p>`).join('\n'),
    script: `function show(n){pick(n,[n.why]);
para(n.kind==='program'?'the program':n.why.length?(n.whyAtStart?'loaded at start: ':'not at start; may be loaded at run time: ')+n.why.map(nameOf).join(' → '):'not reached','why');
pathOf(n.path);
para(n.ctor||n.ifunc?'runs its own code at load time: '+[n.ctor?n.ctor+' real constructor(s)':'',n.ifunc?n.ifunc+' IFUNC resolver call(s)':''].filter(Boolean).join(', '):'runs no code of its own at load time');
list(D.edges.filter(e=>e.to===n.id).map(e=>nameOf(e.from)+' → '+n.name+' ['+e.label+']'+(e.used.length?': uses '+e.used.slice(0,12).join(', ')+(e.used.length>12?', … '+(e.used.length-12)+' more':''):'')));
list(n.facts);}`,
  });
}
