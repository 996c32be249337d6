// Renderers for a DiffResult: plain text for people, Markdown for review comments. Pure.
import type { DiffItem, DiffResult } from '../analyses/diff.js';
import { type Style, plain } from './style.js';

const tone = (k: DiffItem['kind']) => (k.endsWith('left') || k.endsWith('removed') || k.endsWith('shrank') ? 'green' : k.endsWith('entered') || k.endsWith('added') || k.endsWith('grew') || k === 'ifunc-moved-to-load' ? 'red' : 'yellow');
const sign = (k: DiffItem['kind']) => (tone(k) === 'green' ? '-' : tone(k) === 'red' ? '+' : '~');

/** Sides that cannot start, said first whatever else differs. */
const cannotStart = (d: DiffResult) => [d.cannotStart?.a ? `${d.a} cannot start: ${d.cannotStart.a}` : '', d.cannotStart?.b ? `${d.b} cannot start: ${d.cannotStart.b}` : ''].filter(Boolean);

export function renderDiff(d: DiffResult, style: Style = plain): string {
  const fatal = cannotStart(d).map((l) => style('red', l) + '\n').join('');
  if (d.same) return `${fatal}no differences\n`;
  const out = [...cannotStart(d).map((l) => style('red', l)), style('bold', `${d.a} → ${d.b}: ${d.items.length} difference${d.items.length === 1 ? '' : 's'}`)];
  for (const i of d.items) {
    out.push(style(tone(i.kind), `${sign(i.kind)} ${i.message}`));
    for (const e of i.evidence) out.push(style('dim', `    ${e}`));
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
