// Renderers for check results: a table per program (cli-table3) with the findings under it, and SARIF
// 2.1.0 whose tool.driver.rules come from the rule table. Pure.
import { pathToFileURL } from 'node:url';
import Table from 'cli-table3';
import { type CheckedProgram, RULES, type Severity } from '../analyses/check.js';
import type { KnownBadObject } from '../analyses/known-bad.js';
import { type ObjectFinding, type RootCheckDocument, byUnits } from '../analyses/check-root.js';
import { type TableSection, renderTablePage } from './html-table.js';
import { type Style, plain } from './style.js';
import { shown } from './shown.js';

const mark = (ok: boolean, style: Style) => (ok ? style('green', '✓') : style('red', '✗'));

export function renderCheckTable(p: CheckedProgram, style: Style = plain): string {
  p = shown(p);
  const t = new Table({
    head: ['object', 'RELRO', 'NOW', 'PIE', 'NX', 'W^X', 'canary', 'fortify', 'CET/BTI', 'no TEXTREL', 'no RPATH'],
    style: { head: [], border: [], compact: true },
  });
  for (const o of p.objects) {
    t.push([
      o.name,
      o.relro === 'full' ? mark(true, style) : o.relro === 'partial' ? style('yellow', 'partial') : mark(false, style),
      mark(o.bindNow, style), o.type === 'library' ? '–' : mark(o.type === 'pie', style), mark(o.nxStack, style), mark(o.wxSegments === 0, style),
      mark(o.canary, style), o.fortifiable.length || o.fortified.length ? mark(o.fortified.length > 0, style) : '–',
      o.cfi ? mark(o.cfi.features.length === 2, style) : '–', mark(!o.textrel, style), mark(o.rpath === null || o.runpath !== null, style),
    ]);
  }
  const findings = p.findings.map((f) => {
    const tone = f.severity === 'error' ? 'red' : f.severity === 'warning' ? 'yellow' : 'dim';
    return [style(tone, `${f.severity} ${f.rule} ${f.subject}: ${f.message}`), ...f.evidence.map((e) => style('dim', `    ${e}`))].join('\n');
  });
  const counts = (['error', 'warning', 'note'] as Severity[]).map((s) => `${p.findings.filter((f) => f.severity === s).length} ${s}${p.findings.filter((f) => f.severity === s).length === 1 ? '' : 's'}`).join(', ');
  return [style('bold', p.program), t.toString(), ...findings, counts].join('\n') + '\n';
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', note: 'note' };

/** SARIF 2.1.0 with tool.driver.rules from the rule table; `results` from the findings. */
function sarifDocument(version: string, results: unknown[], baseIds?: Record<string, unknown>): string {
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'loadgraph',
          version,
          rules: RULES.map((r) => ({
            id: r.id, name: r.title.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase()),
            shortDescription: { text: r.title }, fullDescription: { text: r.help }, help: { text: `${r.help} Reference: ${r.reference}.` },
            defaultConfiguration: { level: LEVEL[r.severity] },
          })),
        },
      },
      ...(baseIds ? { originalUriBaseIds: baseIds } : {}),
      results,
    }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

const uri = (path: string) => ({ uri: path.replace(/^\/+/, '') });

export function renderSarif(programs: readonly CheckedProgram[], version: string): string {
  return sarifDocument(version, programs.flatMap((p) => p.findings.map((f) => ({
    ruleId: f.rule,
    ruleIndex: RULES.findIndex((r) => r.id === f.rule),
    level: LEVEL[f.severity],
    message: { text: `${p.program}: ${f.subject}: ${f.message}${f.evidence.length ? ` (${f.evidence.join('; ')})` : ''}` },
    locations: [{ physicalLocation: { artifactLocation: uri(f.path ?? p.program), ...(f.region ? { region: f.region } : {}) } }],
    partialFingerprints: { loadgraphFinding: `${p.program}|${f.rule}|${f.subject}|${f.message}` },
  }))));
}

/**
 * A grouped check as SARIF: each finding once, located at the object, the programs it concerns as related
 * locations; paths relative to ROOT, the root checked (an absolute host path).
 */
export function renderRootSarif(doc: RootCheckDocument, version: string, root = '/'): string {
  const base = { ROOT: { uri: pathToFileURL(root.replace(/\/*$/, '/')).href, description: { text: 'the root the programs were checked in' } } };
  const inRoot = (path: string) => ({ uri: path.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/'), uriBaseId: 'ROOT' });
  return sarifDocument(version, [...doc.objects, ...doc.closure].map((f) => ({
    ruleId: f.rule,
    ruleIndex: RULES.findIndex((r) => r.id === f.rule),
    level: LEVEL[f.severity],
    message: { text: `${f.subject}: ${f.message}${f.evidence.length ? ` (${f.evidence.join('; ')})` : ''} — ${f.programs.length} program${f.programs.length === 1 ? '' : 's'}` },
    locations: [{ physicalLocation: { artifactLocation: inRoot(f.path ?? f.programs[0]!), ...(f.region ? { region: f.region } : {}) } }],
    relatedLocations: f.programs.map((p, i) => ({ id: i, physicalLocation: { artifactLocation: inRoot(p) }, message: { text: 'a program this finding concerns' } })),
    partialFingerprints: { loadgraphFinding: `${f.rule}|${f.path ?? f.subject}|${f.message}` },
  })), base);
}

/** "1 object contains the CVE-2024-3094 backdoor code; 3 programs load it:", then one line per object. */
export function renderKnownBadSummary(objects: readonly KnownBadObject[], style: Style = plain): string {
  objects = shown(objects);
  if (!objects.length) return '';
  const n = objects.length;
  const programs = new Set(objects.flatMap((o) => o.programs)).size;
  const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  const head = `${plural(n, 'object')} contain${n === 1 ? 's' : ''} the ${[...new Set(objects.map((o) => o.indicator))].join('/')} backdoor code; ${plural(programs, 'program')} load${programs === 1 ? 's' : ''} ${n === 1 ? 'it' : 'them'}:`;
  const lines = objects.map((o) => {
    const shown = o.programs.slice(0, 10).join(', ') + (o.programs.length > 10 ? `, … +${o.programs.length - 10} more` : '');
    return `  ${o.path} (${o.indicator}: ${o.matches.map((m) => m.kind).join(', ')}), loaded by ${shown}`;
  });
  return [style('red', head), ...lines].join('\n') + '\n';
}

/**
 * A whole root's check, each object once: its findings under one line that says which programs load it
 * (one finding: one line), the worst first and then the most programs; programs whose own files have the
 * same findings, and that no other program loads, as one entry ("214 programs themselves"), and libraries
 * with the same findings as one entry ("37 libraries alike", each named with how many programs load it).
 * Then the closure findings, each once with the programs it was found in.
 */
/** A finding as an entry of alike objects says it: without per-object detail where its rule has some (LG007's function names). */
const ALIKE = new Map(RULES.flatMap((r) => (r.alike ? [[r.id, r.alike] as const] : [])));
const asAlike = (f: ObjectFinding): ObjectFinding => ({ ...f, message: ALIKE.get(f.rule) ?? f.message });
/** Objects with equal keys are alike: the same findings, but for such detail. */
const findingsKey = (fs: readonly ObjectFinding[]) => fs.map((f) => `${f.severity}\0${f.rule}\0${asAlike(f).message}`).join('\0\0');

export function renderRootCheck(doc: RootCheckDocument, style: Style = plain): string {
  doc = shown(doc);
  const tone = (s: Severity) => (s === 'error' ? 'red' : s === 'warning' ? 'yellow' : 'dim');
  const rank = (s: Severity) => (s === 'error' ? 0 : s === 'warning' ? 1 : 2);
  const names = (ps: readonly string[]) => ps.slice(0, 5).map((p) => p.slice(p.lastIndexOf('/') + 1)).join(', ') + (ps.length > 5 ? `, … ${ps.length - 5} more` : '');
  const count = (n: number) => `${n} program${n === 1 ? '' : 's'}`;
  // A finding on a program's own file concerns that program itself (libc.so.6 runs as one, too), then the others that load it.
  const where = (path: string | null, programs: readonly string[], verb: string) => {
    const self = !!path && programs.includes(path);
    const others = self ? programs.filter((p) => p !== path) : programs;
    return [self ? 'the program itself' : '', others.length ? `${verb} ${count(others.length)} (${names(others)})` : ''].filter(Boolean).join(', and ');
  };
  const said = (f: ObjectFinding, what: string) => style(tone(f.severity), `${f.severity} ${f.rule} ${what}${f.message}`);
  const line = (f: ObjectFinding, verb: string) => said(f, `${f.subject}${f.path ? ` (${f.path})` : ''}: `) + style('dim', ` — ${where(f.path, f.programs, verb)}`);

  // Each object's findings (the same file is one object whatever a program's tree calls it).
  const byObject = new Map<string, ObjectFinding[]>();
  for (const f of doc.objects) {
    const k = f.path ?? f.subject;
    if (!byObject.has(k)) byObject.set(k, []);
    byObject.get(k)!.push(f);
  }
  type Entry = { worst: number; reach: number; name: string; lines: string[] };
  const entries: Entry[] = [];
  // Under a head line, or (head null: an object with one finding) as one line.
  const entry = (fs: readonly ObjectFinding[], reach: number, name: string, head: string | null) => entries.push({
    worst: Math.min(...fs.map((f) => rank(f.severity))), reach, name,
    lines: head === null ? [line(fs[0]!, 'loaded by')] : [head, ...fs.map((f) => `  ${said(f, '')}`)],
  });
  // Programs' own files that no other program loads, by the findings they have: alike ones are one entry.
  const alone = new Map<string, ObjectFinding[][]>();
  const objects: ObjectFinding[][] = [];
  for (const fs of byObject.values()) {
    const path = fs[0]!.path;
    if (!path || !fs.every((f) => f.programs.length === 1 && f.programs[0] === path)) objects.push(fs);
    else {
      const kind = findingsKey(fs);
      if (!alone.has(kind)) alone.set(kind, []);
      alone.get(kind)!.push(fs);
    }
  }
  for (const group of alone.values()) {
    if (group.length === 1) objects.push(group[0]!);
    else {
      const paths = group.map((fs) => fs[0]!.path!).sort();
      entry(group[0]!.map(asAlike), paths.length, paths[0]!, style('bold', `${count(paths.length)} themselves`) + style('dim', ` (${names(paths)})`));
    }
  }
  // Libraries (no program's own file) with the very same findings, as one entry: a root's many libraries
  // with partial RELRO and lazy binding read as one list, each with how many programs load it.
  const alike = new Map<string, ObjectFinding[][]>();
  for (const fs of objects) {
    const path = fs[0]!.path;
    const library = fs.every((f) => !path || !f.programs.includes(path));
    const kind = library ? findingsKey(fs) : `\0${path ?? fs[0]!.subject}`;
    if (!alike.has(kind)) alike.set(kind, []);
    alike.get(kind)!.push(fs);
  }
  const programsOf = (fs: readonly ObjectFinding[]) => [...new Set(fs.flatMap((f) => f.programs))].sort();
  for (const group of alike.values()) {
    if (group.length === 1) {
      const fs = group[0]!, f0 = fs[0]!, programs = programsOf(fs);
      entry(fs, programs.length, f0.subject, fs.length === 1 ? null : style('bold', `${f0.subject}${f0.path ? ` (${f0.path})` : ''}`) + style('dim', ` — ${where(f0.path, programs, 'loaded by')}`));
      continue;
    }
    const reach = group.map((fs) => ({ name: fs[0]!.subject, n: programsOf(fs).length })).sort((a, b) => b.n - a.n || byUnits(a.name, b.name));
    const all = programsOf(group.flat());
    const list = reach.slice(0, 8).map((x) => `${x.name} (${x.n})`).join(', ') + (reach.length > 8 ? `, … ${reach.length - 8} more` : '');
    entry(group[0]!.map(asAlike), all.length, reach[0]!.name, style('bold', `${group.length} libraries alike`) + style('dim', ` — ${list}; loaded by ${count(all.length)} in all (${names(all)})`));
  }
  entries.sort((a, b) => a.worst - b.worst || b.reach - a.reach || byUnits(a.name, b.name));

  const lines = [style('bold', `${doc.checked} programs checked; ${doc.objects.length} findings on ${byObject.size} objects, each object once:`), ...entries.flatMap((e) => e.lines)];
  if (doc.closure.length) lines.push('', style('bold', `${doc.closure.length} findings on programs' closures:`), ...closureLines(doc.closure, line, where, said, style));
  const all = [...doc.objects, ...doc.closure];
  lines.push('', (['error', 'warning', 'note'] as Severity[]).map((s) => `${all.filter((f) => f.severity === s).length} ${s}s`).join(', '));
  return lines.join('\n') + '\n';
}

/**
 * The closure findings, each once with its programs; an unused need (LG103) found in several programs is one
 * line per library ("libm.so.6: needed, but nothing from it is used — by 67 programs (…)"), not one per program.
 */
function closureLines(closure: readonly ObjectFinding[], line: (f: ObjectFinding, verb: string) => string, where: (path: string | null, programs: readonly string[], verb: string) => string,
  said: (f: ObjectFinding, what: string) => string, style: Style): string[] {
  // LG103's subject is "PROGRAM → LIBRARY", PROGRAM the base name of its path (check.ts); anything else stays as it is.
  const needed = (f: ObjectFinding) => {
    const prefix = `${f.path?.slice(f.path.lastIndexOf('/') + 1)} → `;
    return f.rule === 'LG103' && f.path !== null && f.subject.startsWith(prefix) ? f.subject.slice(prefix.length) : null;
  };
  const unused = new Map<string, ObjectFinding[]>();
  for (const f of closure) {
    const lib = needed(f);
    if (lib !== null) unused.set(lib, [...(unused.get(lib) ?? []), f]);
  }
  type Item = { reach: number; rule: string; subject: string; text: string };
  const items: Item[] = [];
  for (const f of closure) {
    const lib = needed(f);
    const group = lib === null ? [f] : unused.get(lib)!;
    if (group.length === 1) items.push({ reach: f.programs.length, rule: f.rule, subject: f.subject, text: line(f, 'in') });
    else if (group[0] === f) {
      const programs = [...new Set(group.flatMap((g) => g.programs))].sort();
      items.push({ reach: programs.length, rule: f.rule, subject: lib!, text: said({ ...f, message: 'needed, but nothing from it is used' }, `${lib}: `) + style('dim', ` — ${where(null, programs, 'by')}`) });
    }
  }
  return items.sort((a, b) => b.reach - a.reach || byUnits(a.rule, b.rule) || byUnits(a.subject, b.subject)).map((i) => i.text);
}

/** Findings as one self-contained page with sortable columns: grouped (each once, with its programs) or per program. */
export function renderCheckHtml(title: string, grouped: RootCheckDocument | null, programs: readonly CheckedProgram[]): string {
  const sections: TableSection[] = grouped
    ? [
      { heading: 'findings on objects, each once', columns: ['severity', 'rule', 'subject', 'path', 'message', 'programs', 'loaded by'],
        rows: grouped.objects.map((f) => [f.severity, f.rule, f.subject, f.path ?? '', f.message, f.programs.length, f.programs.join(' ')]) },
      { heading: "findings on programs' closures", columns: ['severity', 'rule', 'subject', 'message', 'programs', 'in'],
        rows: grouped.closure.map((f) => [f.severity, f.rule, f.subject, f.message, f.programs.length, f.programs.join(' ')]) },
    ]
    : [{ heading: 'findings', columns: ['program', 'severity', 'rule', 'subject', 'path', 'message', 'evidence'],
      rows: programs.flatMap((p) => p.findings.map((f) => [p.program, f.severity, f.rule, f.subject, f.path ?? '', f.message, f.evidence.join('; ')])) }];
  return renderTablePage(title, sections);
}
