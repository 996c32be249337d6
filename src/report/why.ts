// `loadgraph why` as text: every path, then each hop once with its reason and what it is used for, the
// cost of the first hops, and the suggestions that apply. Pure: result in, text out.
import type { Attribution, UsedSymbol } from '../analyses/attribution.js';
import { edgeSource } from '../graph/edge-sources.js';
import type { AnalysisResult } from '../analyses/result.js';
import type { RuntimeHop, WhyResult } from '../analyses/why.js';
import type { GraphObject, LoadGraph } from '../graph/model.js';
import { displayName, objectById } from '../graph/traverse.js';
import { type Style, plain } from './style.js';
import { knownBadLines, provenanceText, reasonText, suggestionLines } from './tree.js';
import { shown } from './shown.js';

/** Symbols listed per hop in text; JSON has all of them. */
const SHOWN = 12;

export function renderWhy(g: AnalysisResult, w: WhyResult, style: Style = plain, indirect: Attribution['indirect'] = []): string {
  g = shown(g); w = shown(w); indirect = shown(indirect);
  const byId = objectById(g);
  const name = (id: number) => displayName(g, byId.get(id)!);
  const out: string[] = [];
  const n = w.paths.length + w.more;
  out.push(style('bold', `${g.program} loads ${name(w.target)} through ${n} path${n === 1 ? '' : 's'}:`));
  for (const p of w.paths) out.push(`  ${[name(p[0]!.from), ...p.map((h) => name(h.to))].join(' → ')}`);
  if (w.more) out.push(`  … and ${w.more} more`);
  for (const line of knownBadLines(g, w.target)) out.push(style('red', line));
  out.push('');
  const seen = new Set<number>();
  for (const h of w.paths.flat()) {
    if (seen.has(h.edge)) continue;
    seen.add(h.edge);
    const e = g.edges[h.edge]!;
    out.push(`${name(h.from)} → ${style('cyan', name(h.to))} [${reasonText(h.reason, byId, e.kind)}]`);
    const fns = h.symbols.filter((s) => s.kind === 'function').length;
    const objs = h.symbols.length - fns;
    const symbolList = (symbols: readonly UsedSymbol[]) => symbols.slice(0, SHOWN).map((s) => `${s.name}${s.version ? `@${s.version}` : ''}`).join(', ') +
      (symbols.length > SHOWN ? `, … +${symbols.length - SHOWN} more (--format json lists all)` : '');
    if (!edgeSource(e.kind).edgeUse) out.push(style('dim', `    ${edgeSource(e.kind).filtee ? 'its filtee: lookups find definitions here before the filter\'s' : 'not a binding dependency'}`));
    else if (h.symbols.length === 0 && h.filtees) out.push(style('yellow', '    uses nothing from it itself (ldd -u counts it unused), but it is a filter'));
    else if (h.symbols.length === 0) out.push(style('yellow', '    uses nothing from it (an unused direct dependency)'));
    else {
      const ofF = h.exports ? ` of its ${h.exports.functions}` : '';
      const ofO = h.exports ? ` of its ${h.exports.objects}` : '';
      out.push(`    uses ${fns}${ofF} functions${objs ? ` and ${objs}${ofO} objects` : ''}: ${symbolList(h.symbols)}`);
    }
    for (const f of h.filtees ?? []) out.push(`    binds through it to its filtee ${name(f.to)}: ${symbolList(f.symbols)}`);
    for (const x of indirect.filter((i) => i.from === h.from)) {
      out.push(style('dim', `    ${name(h.from)} also binds to ${name(x.to)}, not a direct need: ${x.symbols.map((s) => s.name).join(', ')}`));
    }
    const cost = w.costs.find((c) => c.edge === h.edge);
    if (cost && cost.removes.length) {
      out.push(`    removing this edge removes ${cost.removes.length} object${cost.removes.length === 1 ? '' : 's'}: ${cost.removes.map(name).join(', ')}` +
        ` (${Math.round(cost.bytes / 1024)} KiB on disk${cost.realConstructors ? `, ${cost.realConstructors} real constructors` : ''}${cost.ifuncAtLoad ? `, ${cost.ifuncAtLoad} IFUNC resolver calls` : ''})`);
    }
  }
  const sug = suggestionLines(g).filter((_, i) => w.paths.some((p) => p.some((h) => h.edge === g.suggestions![i]!.edge)));
  if (sug.length) out.push('', ...sug.map((l) => style('green', l)));
  return out.join('\n') + '\n';
}

/** why for a library only a run-time load reaches: the path, each run-time hop with what asks for it. */
export function renderRuntimeWhy(g: LoadGraph, w: { target: GraphObject; path: readonly RuntimeHop[] }, style: Style = plain): string {
  g = shown(g); w = shown(w);
  const byId = new Map([...objectById(g), ...(g.runtime?.objects ?? []).map((o) => [o.id, o] as const)]);
  const name = (id: number) => displayName(g, byId.get(id)!);
  const first = w.path.find((h) => !h.atStart)!;
  const out = [
    style('bold', `${g.program} does not load ${name(w.target.id)} at start; it may load it at run time:`),
    `  ${[name(w.path[0]!.from), ...w.path.map((h) => name(h.to))].join(' → ')}`,
    '',
  ];
  for (const h of w.path) {
    const e = { ...h, name: '', expanded: '', trace: [] };
    const why = h.provenance ? provenanceText(e, byId) : reasonText(h.reason, byId, h.kind);
    out.push(`${name(h.from)} → ${style('cyan', name(h.to))} [${why}${h.provenance && h.reason.kind !== 'already-loaded' ? `; ${reasonText(h.reason, byId, 'needed')}` : ''}]${h.atStart ? '' : style('yellow', ' (not at start)')}`);
  }
  const p = first.provenance;
  if (p?.kind === 'dlopen') out.push('', `not loaded at start; dlopen()ed by ${name(first.from)} for ${p.feature ?? 'an unnamed feature'} — ${p.priority}${p.description ? ` (${p.description})` : ''}`);
  return out.join('\n') + '\n';
}
