// The load graph as Markdown, for an incident report or a merge request: one table row per object in
// load order (how it was found, its load-time code, RELRO and BIND_NOW), what the process may load at run
// time, the load-time footer and the suggestions. Pure.
import type { AnalysisResult } from '../analyses/result.js';
import { displayName, objectById, passedBy, summarize } from '../graph/traverse.js';
import { codeMarks, loadTimeById, loadTimeFooter, provenanceText, reasonText, runtimeSummary } from './tree.js';
import { shown } from './shown.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/[*_`<>]/g, '\\$&');
/** A name or path as code: nothing inside needs escaping but the pipe and the backtick. */
const code = (s: string | null) => (s ? `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|')}\`` : '');

export function renderMarkdown(g: AnalysisResult): string {
  g = shown(g);
  const byId = objectById(g);
  const lts = loadTimeById(g);
  const firstEdge = new Map<number, (typeof g.edges)[number]>();
  for (const e of g.edges) if (e.to !== null && !firstEdge.has(e.to) && e.reason.kind !== 'already-loaded') firstEdge.set(e.to, e);
  const codeText = (id: number) => codeMarks(lts.get(id)).join(' ');
  const out = [`# ${code(g.program)}`, ''];
  if (g.fatal) out.push(`**cannot start:** ${cell(g.fatal.message)}`, '');
  out.push('| object | found | load-time code | RELRO | BIND_NOW | path |', '|---|---|---|---|---|---|');
  const passed = passedBy(g);
  for (const o of g.objects) {
    if (o.kind === 'vdso') continue;
    const e = firstEdge.get(o.id);
    const found = o.kind === 'program' ? 'the program' : o.kind === 'interp' ? 'PT_INTERP' : o.kind === 'missing' ? (passed.has(o.id) ? 'not found (auxiliary filter, passed by at start)' : '**not found**') : e ? reasonText(e.reason, byId, e.kind) : '';
    const s = o.summary;
    out.push(`| ${code(displayName(g, o))} | ${cell(found)} | ${codeText(o.id)} | ${s?.relro ?? ''} | ${s ? (s.bindNow ? 'yes' : 'no') : ''} | ${code(o.path)} |`);
  }
  const rt = g.runtime;
  const roots = (rt?.edges ?? []).filter((e) => e.provenance);
  if (rt && roots.length) {
    const all = new Map([...byId, ...rt.objects.map((o) => [o.id, o] as const)]);
    out.push('', '## May also load at run time', '', '| object | asked for by | load-time code | path |', '|---|---|---|---|');
    for (const e of roots) {
      const to = e.to === null ? null : all.get(e.to)!;
      out.push(`| ${to ? code(displayName(g, to)) : `${code(e.expanded)} (${e.error ? `fails to load: ${cell(e.error)}` : 'not found'})`} | ${cell(provenanceText(e, all))} | ${to ? codeText(to.id) : ''} | ${code(to?.path ?? null)} |`);
    }
  }
  const notes = [loadTimeFooter(g), runtimeSummary(g), ...(g.suggestions ?? []).map((s) => `suggestion ${s.rule}: ${s.advice}`)].filter((x): x is string => !!x);
  const s = summarize(g);
  out.push('', ...notes.map((n) => `- ${cell(n)}`), `- ${s.objects} objects, depth ${s.depth}, ${s.missing} missing`);
  return out.join('\n') + '\n';
}
