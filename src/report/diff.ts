// Renderers for a DiffResult: plain text for people, Markdown for review comments, a page that draws the
// two graphs merged. Pure.
import type { DiffItem, DiffNodeSide, DiffResult } from '../analyses/diff.js';
import { type DrawnEdge, type DrawnNode, graphPage } from './html-graph.js';
import { SORT_SCRIPT, TABLE_CSS, esc, tableHtml } from './html-table.js';
import { type Style, plain } from './style.js';
import { shown } from './shown.js';

const tone = (k: DiffItem['kind']) => (k.endsWith('left') || k.endsWith('removed') || k.endsWith('shrank') ? 'green' : k.endsWith('entered') || k.endsWith('added') || k.endsWith('grew') || k === 'ifunc-moved-to-load' ? 'red' : 'yellow');
const sign = (k: DiffItem['kind']) => (tone(k) === 'green' ? '-' : tone(k) === 'red' ? '+' : '~');

/** "…, used for a, b, c, d, e, f, g" with the first five names and a count of the rest. */
function shortUse(line: string): string {
  const m = /^(.*, used for )(.*)$/.exec(line);
  const names = m ? m[2]!.split(', ') : [];
  return m && names.length > 6 ? `${m[1]}${names.slice(0, 5).join(', ')}, … ${names.length - 5} more` : line;
}

/** Sides that cannot start, said first whatever else differs. */
const cannotStart = (d: DiffResult) => [d.cannotStart?.a ? `${d.a} cannot start: ${d.cannotStart.a}` : '', d.cannotStart?.b ? `${d.b} cannot start: ${d.cannotStart.b}` : ''].filter(Boolean);

/**
 * For people: the closure first — objects that left or entered, grouped by the edge that took them out or
 * brought them in — then load-time code, hardening and the rest, one line each; what each edge is used for
 * as counts. `verbose`: every item with its evidence, as before.
 */
export function renderDiff(d: DiffResult, style: Style = plain, verbose = false): string {
  d = shown(d);
  const fatal = cannotStart(d).map((l) => style('red', l) + '\n').join('');
  if (d.same) return `${fatal}no differences\n`;
  const out = [...cannotStart(d).map((l) => style('red', l)), style('bold', `${d.a} → ${d.b}: ${d.items.length} difference${d.items.length === 1 ? '' : 's'}`)];
  if (verbose) {
    for (const i of d.items) {
      out.push(style(tone(i.kind), `${sign(i.kind)} ${i.message}`));
      for (const e of i.evidence) out.push(style('dim', `    ${e}`));
    }
    return out.join('\n') + '\n';
  }
  // Objects that left (entered) through the same lost (new) edge are one line.
  const groups = new Map<string, { kind: DiffItem['kind']; cause: string | null; items: DiffItem[] }>();
  for (const i of d.items.filter((x) => x.kind === 'object-left' || x.kind === 'object-entered')) {
    // The edge that took it out or brought it in; else the path it is reached by.
    const cause = i.evidence.find((e) => /^(lost|new) edge /.test(e)) ?? i.evidence.find((e) => e.startsWith('on ')) ?? null;
    const key = `${i.kind}\0${cause ?? i.subject}`;
    const g = groups.get(key) ?? { kind: i.kind, cause, items: [] };
    g.items.push(i);
    groups.set(key, g);
  }
  for (const g of groups.values()) {
    const code = (i: DiffItem) => /load-time code (leaves|comes) with it: (.*)$/.exec(i.evidence.find((e) => e.includes('load-time code')) ?? '')?.[2];
    const names = g.items.map((i) => (code(i) ? `${i.subject} (${code(i)})` : i.subject));
    out.push(style(tone(g.kind), `${sign(g.kind)} ${g.kind === 'object-left' ? 'no longer loads' : 'now loads'} ${names.join(', ')}`));
    if (g.cause) out.push(style('dim', `    ${shortUse(g.cause)}`));
  }
  const symbols = d.items.filter((i) => i.kind === 'symbols-shrank' || i.kind === 'symbols-grew');
  for (const i of d.items) {
    if (i.kind === 'object-left' || i.kind === 'object-entered' || symbols.includes(i)) continue;
    // Edges of objects that left or entered are said by those lines.
    if ((i.kind === 'edge-removed' || i.kind === 'edge-added') && [...groups.values()].some((g) => g.cause?.includes(i.subject))) continue;
    out.push(style(tone(i.kind), `${sign(i.kind)} ${i.message}`));
  }
  if (symbols.length) {
    const fewer = symbols.filter((i) => i.kind === 'symbols-shrank').length;
    out.push(style('dim', `~ what edges are used for: ${fewer} use fewer symbols, ${symbols.length - fewer} use more (--verbose lists them)`));
  }
  return out.join('\n') + '\n';
}

export function renderDiffMarkdown(d: DiffResult): string {
  d = shown(d);
  const fatal = cannotStart(d).map((l) => `⛔ ${l.replace(/[*_`]/g, '\\$&')}\n\n`).join('');
  if (d.same) return `${fatal}**loadgraph diff** \`${d.a}\` → \`${d.b}\`: no differences\n`;
  const out = [...cannotStart(d).map((l) => `⛔ ${l.replace(/[*_`]/g, '\\$&')}\n`), `**loadgraph diff** \`${d.a}\` → \`${d.b}\`: ${d.items.length} difference${d.items.length === 1 ? '' : 's'}`, ''];
  for (const i of d.items) {
    out.push(`- ${sign(i.kind) === '-' ? '➖' : sign(i.kind) === '+' ? '➕' : '✏️'} ${i.message.replace(/[*_`]/g, '\\$&')}`);
    for (const e of i.evidence) out.push(`  - ${e.replace(/[*_`]/g, '\\$&')}`);
  }
  return out.join('\n') + '\n';
}

interface PageSide { path: string | null; why: number[]; code: string }
interface PageNode extends DrawnNode { status: string; a: PageSide | null; b: PageSide | null; changes: Array<[string, readonly string[]]> }

/**
 * Both graphs merged into one drawing: objects and edges only in B green, only in A red (names struck),
 * objects whose load-time code, hardening or .note.dlopen changed yellow. A click shows the object's path
 * from the program on each side and every difference about it; below, every difference as a sortable table.
 */
export function renderDiffHtml(d: DiffResult): string {
  const index = new Map(d.graph.nodes.map((n, i) => [n.key, i]));
  const code = (s: DiffNodeSide | null) => [s?.realConstructors ? `ctor:${s.realConstructors}` : '', s?.ifuncAtLoad ? `ifunc:${s.ifuncAtLoad}` : ''].filter(Boolean).join(' ');
  const side = (s: DiffNodeSide | null): PageSide | null => s && { path: s.path, why: s.why.map((k) => index.get(k)!), code: code(s) };
  // What the items say about an object: those about it, and those about an edge into it.
  const about = (key: string) => d.items.filter((i) => i.subject === key || i.subject.endsWith(` → ${key}`)).map((i): [string, readonly string[]] => [i.message, i.evidence]);
  const nodes = d.graph.nodes.map((n, id): PageNode => ({
    id, name: n.name, kind: n.kind, status: n.status, cls: [n.status === 'same' ? '' : n.status, n.kind === 'missing' ? 'missing' : ''].filter(Boolean).join(' '),
    note: [n.status === 'same' ? '' : n.status, code(n.b ?? n.a)].filter(Boolean).join(' '), a: side(n.a), b: side(n.b), changes: about(n.key),
  }));
  const edges = d.graph.edges.map((e): DrawnEdge => ({ from: index.get(e.from)!, to: index.get(e.to)!, cls: [e.status === 'same' ? '' : e.status, e.reason === 'already-loaded' ? 'again' : ''].filter(Boolean).join(' '), label: `${e.status}: ${e.reason}` }));
  const n = d.items.length;
  return graphPage({
    title: `diff ${d.a} → ${d.b}`, nodes, edges, select: null,
    heading: `<b>diff</b> ${(['a', 'b'] as const).map((s) => `${s.toUpperCase()} <code>${esc(d[s])}</code>${d.roots[s] !== '/' ? ` in <code>${esc(d.roots[s])}</code>` : ''}`).join(' → ')}: ${n ? `${n} difference${n === 1 ? '' : 's'}` : 'no differences'}`,
    legend: [['', 'in both'], ['background:#c8e6c9;border-color:#2e7d32', 'only in B (added)'], ['background:#ffcdd2;border-color:#c62828', 'only in A (removed)'],
      ['background:#fff3c4;border-color:#b58900', 'load-time code, hardening or .note.dlopen changed']],
    css: `.node.added rect{fill:#c8e6c9;stroke:#2e7d32}.node.removed rect{fill:#ffcdd2;stroke:#c62828}.node.removed text.name{text-decoration:line-through}
.node.changed rect{fill:#fff3c4;stroke:#b58900}.node.missing rect{stroke-dasharray:2 2}
.edge.added{stroke:#2e7d32;stroke-width:1.5}.edge.removed{stroke:#c62828;stroke-dasharray:6 3}.edge.again{stroke-opacity:.35}
.edge.hot{stroke-width:3.5;stroke-opacity:1}.edge.hot:not(.added):not(.removed){stroke:#333}
${TABLE_CSS}`,
    below: [...cannotStart(d).map((l) => `<p>${esc(l)}</p>`),
      tableHtml({ heading: 'differences', columns: ['kind', 'subject', 'message', 'evidence'], rows: d.items.map((i) => [i.kind, i.subject, i.message, i.evidence.join('; ')]) })].join('\n'),
    script: `${SORT_SCRIPT}
const STATUS={same:'in both, unchanged',changed:'in both; its load-time code, hardening or .note.dlopen changed',added:'only in B: now loaded at start',removed:'only in A: no longer loaded at start'};
function show(n){pick(n,[n.a,n.b].filter(Boolean).map(s=>s.why));para(STATUS[n.status],'status');
for(const [s,l] of [[n.a,'A'],[n.b,'B']]){para(l+': '+(!s?'not loaded at start':n.kind==='program'?'the program':'loaded at start: '+s.why.map(nameOf).join(' → ')),'why-'+l.toLowerCase());
if(s){pathOf(s.path);if(s.code)para('load-time code: '+s.code);}}
if(n.changes.length){para('what changed:');const u=document.createElement('ul');u.id='changes';
for(const [m,ev] of n.changes){const i=li(m);if(ev.length){const v=document.createElement('ul');for(const t of ev)v.append(li(t));i.append(v);}u.append(i);}side.append(u);}}
document.getElementById('q').addEventListener('input',ev=>{const q=ev.target.value.trim().toLowerCase();
for(const tr of document.querySelectorAll('#below tbody tr'))tr.classList.toggle('hide',!!q&&!tr.textContent.toLowerCase().includes(q));});`,
  });
}
