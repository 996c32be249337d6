// Renderers for a DiffResult: plain text for people, Markdown for review comments. Pure.
import type { DiffItem, DiffResult } from '../analyses/diff.js';
import { renderTablePage } from './html-table.js';
import { type Style, plain } from './style.js';

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
  const fatal = cannotStart(d).map((l) => `⛔ ${l.replace(/[*_`]/g, '\\$&')}\n\n`).join('');
  if (d.same) return `${fatal}**loadgraph diff** \`${d.a}\` → \`${d.b}\`: no differences\n`;
  const out = [...cannotStart(d).map((l) => `⛔ ${l.replace(/[*_`]/g, '\\$&')}\n`), `**loadgraph diff** \`${d.a}\` → \`${d.b}\`: ${d.items.length} difference${d.items.length === 1 ? '' : 's'}`, ''];
  for (const i of d.items) {
    out.push(`- ${sign(i.kind) === '-' ? '➖' : sign(i.kind) === '+' ? '➕' : '✏️'} ${i.message.replace(/[*_`]/g, '\\$&')}`);
    for (const e of i.evidence) out.push(`  - ${e.replace(/[*_`]/g, '\\$&')}`);
  }
  return out.join('\n') + '\n';
}

/** Every difference with its evidence as one self-contained page (sortable, filterable). */
export function renderDiffHtml(d: DiffResult): string {
  return renderTablePage(`diff ${d.a} → ${d.b}`, [{ heading: 'differences', columns: ['kind', 'subject', 'message', 'evidence'], rows: d.items.map((i) => [i.kind, i.subject, i.message, i.evidence.join('; ')]) }],
    [...cannotStart(d), ...(d.same ? ['no differences'] : [])]);
}
