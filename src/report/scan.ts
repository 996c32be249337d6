// scan as tables: per library (how many programs load it, its load-time code, its hardening), per program
// (closure size, load-time code, what is missing), and a summary. Pure.
import Table from 'cli-table3';
import type { ScanDocument } from '../analyses/scan.js';
import { type TableSection, renderTablePage } from './html-table.js';
import { type Style, plain } from './style.js';
import { shown } from './shown.js';

export function renderScanTable(doc: ScanDocument, style: Style = plain): string {
  doc = shown(doc);
  const code = doc.objects.some((o) => o.runsCodeIn !== null) || doc.programs.some((p) => p.constructors !== null);
  const libs = new Table({
    head: ['library', 'path', 'programs', ...(code ? ['runs code in', 'ctors', 'ifunc@load (max)'] : []), 'RELRO', 'NOW', 'TEXTREL', 'exec stack'],
    style: { head: [], border: [], compact: true },
  });
  for (const o of doc.objects) {
    libs.push([
      o.name, o.path ?? '?', String(o.programs),
      ...(code ? [String(o.runsCodeIn ?? '–'), String(o.constructors ?? '–'), String(o.ifuncAtLoad ?? '–')] : []),
      o.relro === 'full' ? 'full' : o.relro === 'partial' ? style('yellow', 'partial') : o.relro === null ? '–' : style('red', 'none'),
      o.bindNow === null ? '–' : o.bindNow ? 'yes' : 'no', o.textrel ? style('red', 'yes') : 'no', o.execStack ? style('red', 'yes') : 'no',
    ]);
  }
  const progs = new Table({
    head: ['program', 'objects', ...(code ? ['objects running code', 'own ctors', 'own ifunc@load'] : []), 'status'],
    style: { head: [], border: [], compact: true },
  });
  for (const p of doc.programs) {
    const running = p.closure.filter((i) => { const o = doc.objects[i]!; return (o.constructors ?? 0) + (o.ifuncAtLoad ?? 0) > 0; }).length;
    const status = p.status === 'ok' ? (p.missing.length ? style('yellow', `missing ${p.missing.join(', ')}`) : 'ok') : style('red', `${p.status}: ${p.message ?? ''}`);
    progs.push([p.path, String(p.closure.length + 1), ...(code ? [String(running), String(p.constructors ?? '–'), String(p.ifuncAtLoad ?? '–')] : []), status]);
  }
  const s = doc.summary;
  const summary = `${s.programs} programs (${s.ok} start, ${s.fatal} would not start, ${s.errors} not analysable, ${s.withMissing} with missing libraries); ${s.objects} distinct objects loaded`;
  return [style('bold', 'libraries'), libs.toString(), '', style('bold', 'programs'), progs.toString(), '', summary].join('\n') + '\n';
}

/** The same tables as one self-contained page with sortable columns (`scan --format html`). */
export function renderScanHtml(doc: ScanDocument): string {
  const yn = (v: boolean | null) => (v === null ? '–' : v ? 'yes' : 'no');
  const libraries: TableSection = {
    heading: 'libraries', columns: ['library', 'path', 'programs', 'runs code in', 'ctors', 'ifunc@load (max)', 'RELRO', 'NOW', 'TEXTREL', 'exec stack'],
    rows: doc.objects.map((o) => [o.name, o.path ?? '?', o.programs, o.runsCodeIn ?? '–', o.constructors ?? '–', o.ifuncAtLoad ?? '–', o.relro ?? '–', yn(o.bindNow), yn(o.textrel), yn(o.execStack)]),
  };
  const programs: TableSection = {
    heading: 'programs', columns: ['program', 'objects', 'own ctors', 'own ifunc@load', 'status'],
    rows: doc.programs.map((p) => [p.path, p.closure.length + 1, p.constructors ?? '–', p.ifuncAtLoad ?? '–', p.status === 'ok' ? (p.missing.length ? `missing ${p.missing.join(', ')}` : 'ok') : `${p.status}: ${p.message ?? ''}`]),
  };
  const s = doc.summary;
  return renderTablePage(`scan of ${doc.root}`, [libraries, programs], [`${s.programs} programs (${s.ok} start, ${s.fatal} would not start, ${s.errors} not analysable, ${s.withMissing} with missing libraries); ${s.objects} distinct objects loaded`, ...doc.diagnostics]);
}
