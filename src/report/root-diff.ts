// A root diff for people: a summary read in a minute (programs added, removed, split; the causes of
// closure changes with their reach; load-time code and hardening changes), and the same as Markdown.
// The details per program are in --format json. Pure.
import type { Cause, ObjectChange, ProgramChange, RootDiff } from '../analyses/root-diff.js';
import { renderTablePage } from './html-table.js';
import { type Style, plain } from './style.js';
import { shown } from './shown.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
/** The first few names, then how many more. */
const some = (xs: readonly string[], n = 5) => xs.slice(0, n).join(', ') + (xs.length > n ? `, … ${xs.length - n} more` : '');

function causeLine(c: Cause): string {
  const n = c.programs.length;
  const who = c.from ?? (n === 1 ? base(c.programs[0]!) : `${n} programs`);
  const s = c.from !== null || n === 1 ? 's' : '';
  if (c.change === 'not-found' || c.change === 'found') {
    return `${c.to} is ${c.change === 'found' ? 'now found' : 'no longer found'} → ${plural(n, 'program')} ${c.change === 'found' ? 'can start again' : 'cannot start'} (${some(c.programs.map(base))})`;
  }
  const head = c.change === 'replaced' ? `${who} need${s} ${c.by} instead of ${c.to}` : `${who} ${c.change === 'removed' ? 'no longer' : 'now'} need${s} ${c.to}`;
  const reach = (verb: string, libs: readonly string[]) => `${plural(n, 'program')} ${verb}${n === 1 ? 's' : ''} ${some(libs, 6)}`;
  const effect = c.change === 'added' ? reach('now load', c.libraries)
    : c.change === 'removed' ? reach('no longer load', c.libraries)
    : [reach('no longer load', c.libraries.filter((l) => l !== c.to)), ...(c.entered!.some((l) => l !== c.by) ? [`now load${n === 1 ? 's' : ''} ${some(c.entered!.filter((l) => l !== c.by), 6)}`] : [])].join(', ');
  const noOther = c.change === 'replaced' && !c.libraries.some((l) => l !== c.to) && !c.entered!.some((l) => l !== c.by);
  return `${head}${noOther ? '' : ` → ${effect}`} (${some(c.programs.map(base))})`;
}

function objectLine(o: ObjectChange): string {
  const what = { 'load-time-code': 'load-time code', relro: 'RELRO', 'bind-now': 'BIND_NOW', textrel: 'TEXTREL', 'exec-stack': 'executable stack', release: 'glibc release', 'x86-isa': 'x86 ISA levels needed' }[o.what];
  return `${o.library}: ${what} ${o.a} → ${o.b} (${plural(o.programs, 'program')} load it)`;
}

/** "223 → 227 programs; 17 added, 13 removed, 101 changed, 29 moved, 80 unchanged" */
const counts = (s: RootDiff['summary']) => `${s.programsA} → ${s.programsB} programs; ${s.added} added, ${s.removed} removed, ${s.changed} changed, ${s.moved ? `${s.moved} moved, ` : ''}${s.unchanged} unchanged`;
const pathText = (p: ProgramChange) => (p.pathB && p.pathB !== p.path ? `${p.path} → ${p.pathB}` : p.path);

export function renderRootDiff(d: RootDiff, style: Style = plain): string {
  d = shown(d);
  const lines = [style('bold', `${d.a} → ${d.b}: ${counts(d.summary)}`)];
  if (d.same) return lines.concat('no differences').join('\n') + '\n';
  const added = d.programs.filter((p) => p.status === 'added'), removed = d.programs.filter((p) => p.status === 'removed');
  if (d.splits.length) lines.push('', style('bold', 'split'), ...d.splits.map((x) => `  ${x.from} → also ${x.into.map(base).join(', ')}`));
  if (added.length) lines.push('', style('bold', 'added'), `  ${some(added.map((p) => p.path), 12)}`);
  if (removed.length) lines.push('', style('bold', 'removed'), `  ${some(removed.map((p) => p.path), 12)}`);
  const moved = d.programs.filter((p) => p.status === 'moved');
  if (moved.length) lines.push('', style('bold', 'moved, closure unchanged'), `  ${some(moved.map(pathText), 6)}`);
  if (d.causes.length) {
    lines.push('', style('bold', 'why closures changed'));
    for (const c of d.causes.slice(0, 15)) lines.push(`  ${style(c.change === 'removed' ? 'green' : 'yellow', causeLine(c))}`);
    if (d.causes.length > 15) lines.push(`  … ${d.causes.length - 15} more causes (--format json)`);
  }
  const startChanged = d.programs.filter((p) => p.status === 'changed' && p.starts.a !== p.starts.b);
  if (startChanged.length) lines.push('', style('bold', 'start-up verdict changed'), ...startChanged.map((p) => `  ${p.path}: ${p.starts.b ? 'now starts' : style('red', 'no longer starts')}`));
  const worse = d.objects.filter((o) => o.worse), other = d.objects.filter((o) => !o.worse);
  if (worse.length) lines.push('', style('bold', 'worse in B'), ...worse.slice(0, 15).map((o) => `  ${style('red', objectLine(o))}`), ...(worse.length > 15 ? [`  … ${worse.length - 15} more`] : []));
  if (other.length) lines.push('', style('bold', 'other library changes'), ...other.slice(0, 10).map((o) => `  ${objectLine(o)}`), ...(other.length > 10 ? [`  … ${other.length - 10} more (--format json)`] : []));
  return lines.join('\n') + '\n';
}

export function renderRootDiffMarkdown(d: RootDiff): string {
  d = shown(d);
  const out = [`# ${d.a} → ${d.b}`, '', `${counts(d.summary)}.`];
  if (d.same) return out.concat('', 'No differences.').join('\n') + '\n';
  if (d.splits.length) out.push('', '## Split programs', '', ...d.splits.map((x) => `- \`${x.from}\` → also ${x.into.map((p) => `\`${p}\``).join(', ')}`));
  if (d.causes.length) out.push('', '## Why closures changed', '', ...d.causes.map((c) => `- ${causeLine(c)}`));
  const changed = d.programs.filter((p) => p.status !== 'changed' || p.left.length || p.entered.length || p.starts.a !== p.starts.b);
  if (changed.length) {
    out.push('', '## Programs', '', '| program | status | left | entered |', '|---|---|---|---|');
    for (const p of changed) out.push(`| \`${pathText(p)}\` | ${p.status}${p.starts.b === false ? ' (does not start)' : ''} | ${p.status === 'removed' ? '' : p.left.join(', ')} | ${p.status === 'added' ? '' : p.entered.join(', ')} |`);
  }
  if (d.objects.length) out.push('', '## Library changes', '', ...d.objects.map((o) => `- ${o.worse ? '**worse:** ' : ''}${objectLine(o)}`));
  return out.join('\n') + '\n';
}

/** A root diff as one self-contained page: programs, causes and library changes, sortable. */
export function renderRootDiffHtml(d: RootDiff): string {
  return renderTablePage(`${d.a} → ${d.b}`, [
    { heading: 'programs', columns: ['program', 'status', 'left', 'entered', 'starts (A → B)'],
      rows: d.programs.map((p) => [pathText(p), p.status, p.left.join(' '), p.entered.join(' '), `${p.starts.a ?? '–'} → ${p.starts.b ?? '–'}`]) },
    { heading: 'why closures changed', columns: ['cause', 'programs', 'which'], rows: d.causes.map((c) => [causeLine(c), c.programs.length, c.programs.join(' ')]) },
    { heading: 'library changes', columns: ['library', 'what', 'A', 'B', 'worse', 'programs'], rows: d.objects.map((o) => [o.library, o.what, o.a, o.b, o.worse ? 'yes' : 'no', o.programs]) },
  ], [counts(d.summary), ...d.splits.map((x) => `split: ${x.from} → also ${x.into.join(', ')}`)]);
}
