// The default view: a tree in DT_NEEDED order with the reason on every edge, repeated subtrees collapsed,
// missing libraries with the places tried, and a one-line summary. Pure: graph in, text out.
import { verdictText } from '../analyses/indicators.js';
import type { AnalysisResult } from '../analyses/result.js';
import type { ObjectLoadTime, RuntimeLoadTime } from '../analyses/load-time.js';
import type { Candidate, GraphEdge, GraphObject, LoadGraph, Reason } from '../graph/model.js';
import { edgeSource } from '../graph/edge-sources.js';
import { displayName, edgesFrom, libraryName, objectById, programOf, summarize } from '../graph/traverse.js';
import { type Style, plain } from './style.js';
import { shown } from './shown.js';

export interface TreeOptions {
  readonly style?: Style;
  /** Expand every repeated subtree instead of collapsing it. */
  readonly all?: boolean;
}


/** An object's markers: the load-time code it runs, and known-bad code it contains. */
function markers(g: AnalysisResult, id: number, style: Style): string {
  const bad = [...new Set((g.indicators ?? []).filter((x) => x.id === id && x.matches.length).map((x) => x.indicator))];
  return loadTimeMarkers(g, id, style) + (bad.length ? ' ' + style('red', bad.map((b) => `known-bad:${b}`).join(' ')) : '');
}

/** "known-bad code: liblzma.so.5 (path) contains the CVE-2024-3094 backdoor code (signature … at file offset 0x…)", per matched object. */
export function knownBadLines(g: AnalysisResult, only?: number): string[] {
  const byId = objectById(g);
  return (g.indicators ?? []).filter((x) => x.matches.length && (only === undefined || x.id === only)).map((x) => {
    const o = byId.get(x.id);
    return `known-bad code: ${o ? displayName(g, o) : x.path} (${x.path}) ${verdictText(x)}`;
  });
}

/** Each object's load-time code, start-up and run-time objects alike, by id. */
export const loadTimeById = (g: AnalysisResult): Map<number, ObjectLoadTime> =>
  new Map([...(g.loadTime?.objects ?? []), ...(g.runtimeLoadTime?.objects ?? [])].map((o) => [o.id, o]));

/** The objects whose bytes match a known-bad indicator. */
export const knownBadIds = (g: AnalysisResult): Set<number> => new Set((g.indicators ?? []).filter((c) => c.matches.length > 0).map((c) => c.id));

/** "ifunc:251 ctor:2": the object's own code that runs at load (toolchain-only constructors count none). */
export const codeMarks = (lt: Pick<ObjectLoadTime, 'ifuncAtLoad' | 'realConstructors'> | undefined): string[] =>
  [lt?.ifuncAtLoad ? `ifunc:${lt.ifuncAtLoad}` : '', lt?.realConstructors ? `ctor:${lt.realConstructors}` : ''].filter(Boolean);

/** Markers for objects that run their own code at load time; toolchain-only constructors get none. */
function loadTimeMarkers(g: AnalysisResult, id: number, style: Style): string {
  const lt = g.loadTime?.objects.find((o) => o.id === id);
  if (!lt) return '';
  const m = codeMarks(lt);
  if (lt.constructors.some((c) => c.classification === 'unknown')) m.push('ctor:?');
  if (lt.initFirst) m.push('initfirst');
  if (lt.audit.length) m.push(`audit:${lt.audit.join(',')}`);
  return m.length ? ' ' + style('yellow', m.join(' ')) : '';
}

const mib = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${Math.round(n / 1024)} KiB`);

/** One line per suggestion: the edge, what it is used for, the advice, and what it would save. */
export function suggestionLines(g: AnalysisResult): string[] {
  const byId = objectById(g);
  const name = (id: number) => displayName(g, byId.get(id)!);
  return (g.suggestions ?? []).map((s) => {
    const saves = s.saves.removes.length
      ? ` Removing the edge removes ${s.saves.removes.length} object${s.saves.removes.length === 1 ? '' : 's'} (${s.saves.removes.map(name).join(', ')}; ${mib(s.saves.bytes)}` +
        `${s.saves.realConstructors ? `; ${s.saves.realConstructors} real constructor${s.saves.realConstructors === 1 ? '' : 's'}` : ''}${s.saves.ifuncAtLoad ? `; ${s.saves.ifuncAtLoad} IFUNC resolver calls` : ''}).`
      : '';
    return `suggestion [${s.rule}] ${name(s.from)} → ${name(s.to)} is used only for ${s.symbols.join(', ') || 'nothing'}: ${s.advice}${saves}`;
  });
}

/** "6 of 28 objects run their own code before main: …" */
export function loadTimeFooter(g: AnalysisResult): string | null {
  const lt = g.loadTime;
  if (!lt) return null;
  const byId = objectById(g);
  const name = (id: number) => displayName(g, byId.get(id)!);
  const running = lt.objects.filter((o) => o.ifuncAtLoad || o.realConstructors);
  const ifunc = lt.objects.filter((o) => o.ifuncAtLoad);
  const ctor = lt.objects.filter((o) => o.realConstructors);
  const unknown = lt.objects.filter((o) => o.constructors.some((c) => c.classification === 'unknown'));
  const toolchainOnly = lt.objects.filter((o) => !running.includes(o) && !unknown.includes(o) && o.constructors.length > 0).length;
  const irel = (o: (typeof lt.objects)[number]) => o.ifunc.filter((c) => c.phase === 'load' && c.via.endsWith('IRELATIVE')).length;
  const parts = [
    ifunc.length ? `${ifunc.length} with IFUNC resolvers (${ifunc.map((o) => `${name(o.id)}: ${o.ifuncAtLoad}${irel(o) && irel(o) !== o.ifuncAtLoad ? `, ${irel(o)} via IRELATIVE` : ''}`).join('; ')})` : '',
    ctor.length ? `${ctor.length} with real constructors (${ctor.map((o) => `${name(o.id)}: ${o.realConstructors}`).join(', ')})` : '',
  ].filter(Boolean);
  const objects = g.objects.filter((o) => o.kind !== 'vdso' && o.kind !== 'missing').length;
  return `${running.length} of ${objects} objects run their own code before main${parts.length ? ': ' + parts.join('; ') : ''}` +
    (toolchainOnly ? `; ${toolchainOnly} more have only toolchain constructors (frame_dummy, _init)` : '') +
    (unknown.length ? `; ${unknown.length} have constructors this architecture's signatures cannot classify (marked ctor:?)` : '') +
    (lt.bindNow ? ' [--bind-now]' : '');
}

export function reasonText(r: Reason, byId: Map<number, GraphObject>, kind: GraphEdge['kind']): string {
  const pre = edgeSource(kind).label;
  switch (r.kind) {
    case 'already-loaded': return `${pre}already loaded`;
    case 'rpath': {
      const owner = r.owner === undefined ? undefined : byId.get(r.owner);
      return `${pre}rpath${owner && owner.kind !== 'program' ? ` of ${libraryName(owner)}` : ''}`;
    }
    case 'runpath': return `${pre}runpath`;
    case 'LD_LIBRARY_PATH': return `${pre}LD_LIBRARY_PATH`;
    case 'ld.so.cache': return `${pre}ld.so.cache`;
    case 'ld.so.conf': return `${pre}ld.so.conf`;
    case 'system-dir': return `${pre}system dir`;
    case 'path': return `${pre}direct path`;
    default: return `${pre}${r.kind}`;
  }
}

const outcomeText: Record<Candidate['outcome'], string> = {
  accepted: 'accepted', missing: 'no such file', 'no-access': 'permission denied', 'wrong-class': 'wrong ELF class',
  'wrong-machine': 'wrong machine', nodeflib: 'dropped: DF_1_NODEFLIB', 'not-setuid': 'not set-user-ID (secure mode)',
  'abandons-list': 'error: rest of this list abandoned', fatal: 'fatal',
};

export function renderTree(g: AnalysisResult, opts: TreeOptions = {}): string {
  g = shown(g);
  const style = opts.style ?? plain;
  const byId = objectById(g);
  const from = edgesFrom(g);
  const program = programOf(g);
  const out: string[] = [style('bold', g.program) + markers(g, program.id, style)];
  // Each object's subtree is shown once, under the edge through which ld.so first reached it (BFS order).
  const home = new Map<number, GraphEdge>();
  for (const e of g.edges) if (e.to !== null && !home.has(e.to)) home.set(e.to, e);

  const walk = (id: number, prefix: string, ancestors: Set<number>) => {
    const all = from.get(id) ?? [];
    // Edges to objects shown elsewhere are folded into one line, unless --all.
    const shown = opts.all ? all : all.filter((e) => e.to === null || home.get(e.to) === e || byId.get(e.to)?.kind === 'missing');
    const folded = opts.all ? [] : all.filter((e) => !shown.includes(e));
    const lines = shown.length + (folded.length ? 1 : 0);
    shown.forEach((e, i) => {
      const last = i === lines - 1;
      const branch = prefix + (last ? '└── ' : '├── ');
      const cont = prefix + (last ? '    ' : '│   ');
      const to = e.to === null ? null : byId.get(e.to)!;
      if (!to || to.kind === 'missing') {
        // An auxiliary filtee that is missing or cannot be mapped: a start passes it by.
        const passed = edgeSource(e.kind).optional;
        const what = e.reason.kind !== 'fatal' ? 'not found' : passed ? 'not mapped' : 'fatal';
        out.push(`${branch}${passed ? style('yellow', `${e.expanded} ${what}`) + style('dim', ` [${edgeSource(e.kind).label}passed by at start]`) : style('red', `${e.expanded} ${what}`)}`);
        for (const c of e.trace) out.push(`${cont}${style('dim', `tried ${c.path} (${c.source}: ${c.detail ?? outcomeText[c.outcome]})`)}`);
        return;
      }
      const reason = `[${reasonText(e.reason, byId, e.kind)}]`;
      const where = to.path && to.path !== e.expanded ? ` ${style('dim', to.path)}` : '';
      const cycle = ancestors.has(to.id);
      const code = home.get(to.id) === e ? markers(g, to.id, style) : '';
      out.push(`${branch}${style('cyan', e.expanded)} ${style('dim', reason)}${where}${code}${cycle ? style('dim', ' ↻ cycle') : ''}`);
      if (!cycle) walk(to.id, cont, new Set([...ancestors, to.id]));
    });
    if (folded.length) out.push(`${prefix}└── ${style('dim', `${folded.map((e) => e.expanded).join(', ')} [already loaded]`)}`);
  };
  walk(program.id, '', new Set([program.id]));
  if (g.fatal && g.fatal.stage !== 'versions') out.push(style('red', `fatal: ${g.fatal.message}`));
  // Every report of the version check; the fatal ones stop the program at start-up.
  for (const p of g.versionCheck ?? []) out.push(p.fatal ? style('red', `fatal: ${p.message}`) : style('yellow', `warning: ${p.message}`));
  for (const w of g.warnings) out.push(style('yellow', `warning: ${w}`));
  for (const line of knownBadLines(g)) out.push(style('red', line));
  if (g.linkage === 'static') out.push('statically linked (no PT_DYNAMIC): the kernel maps it alone; no loader runs');
  out.push(...runtimeLines(g, style));
  const footer = loadTimeFooter(g);
  if (footer) out.push(footer);
  const rt = runtimeSummary(g);
  if (rt) out.push(rt);
  for (const line of suggestionLines(g)) out.push(style('green', line));
  const s = summarize(g);
  out.push(`${s.objects} objects, depth ${s.depth}, ${s.missing} missing${g.fatal ? `, ${g.fatal.stage === 'exec' ? 'cannot start' : 'loading would fail'}` : ''}`);
  return out.join('\n') + '\n';
}

/** Why a run-time edge exists, in a few words: the note's feature and priority, the PAM line, the NSS databases. */
export function provenanceText(e: GraphEdge, byId: Map<number, GraphObject>): string {
  const p = e.provenance;
  const from = byId.get(e.from);
  const who = from ? libraryName(from) : `object ${e.from}`;
  if (!p) return '';
  switch (p.kind) {
    case 'dlopen': return `dlopen note of ${who}: ${p.feature ?? 'no feature'}, ${p.priority}`;
    case 'pam': {
      const l = p.lines[0]!;
      return `PAM ${p.service}${l.stack !== p.service ? ` (${l.stack})` : ''}: ${l.type} ${l.control}${l.silent ? ' (-, optional module)' : ''}, ${l.via.at(-1)}` +
        (p.lines.length > 1 ? ` +${p.lines.length - 1} more line${p.lines.length > 2 ? 's' : ''}` : '');
    }
    case 'nss': return `NSS ${p.databases.join(', ')}: ${p.service}, ${p.via[0]}`;
  }
}

/** The "may also load at run time" section: each run-time load with its provenance, then its own new objects. */
export function runtimeLines(g: LoadGraph, style: Style = plain): string[] {
  const rt = g.runtime;
  if (!rt) return [];
  // Nothing found, but something could not be read (a PAM file, a dlopen note): say so.
  if (rt.edges.length === 0) return rt.warnings.map((w) => style('yellow', `warning: ${w}`));
  const byId = new Map([...objectById(g), ...rt.objects.map((o) => [o.id, o] as const)]);
  const isNew = (id: number | null) => id !== null && rt.objects.some((o) => o.id === id);
  const roots = rt.edges.filter((e) => e.provenance);
  const from = new Map<number, GraphEdge[]>();
  for (const e of rt.edges) if (!e.provenance) from.set(e.from, [...(from.get(e.from) ?? []), e]);
  const home = new Map<number, GraphEdge>();
  for (const e of rt.edges) if (e.to !== null && isNew(e.to) && !home.has(e.to)) home.set(e.to, e);
  const out = [style('bold', 'may also load at run time (not at start; --no-runtime hides this):')];
  const line = (e: GraphEdge, why: string) => {
    const to = e.to === null ? null : byId.get(e.to)!;
    // Found but refused (a damaged file, an executable stack since glibc 2.41) is not "not found".
    if (!to) return style('red', `${e.expanded} ${e.error ? 'fails to load' : 'not found'}`) + ' ' + style('dim', `[${why}]${e.error ? ` ${e.error}` : ''}`);
    const reason = e.reason.kind === 'already-loaded' ? 'already loaded' : reasonText(e.reason, byId, 'needed');
    // A PAM module is named by its path; its file name reads better at the head of the line.
    const name = e.kind === 'pam' ? e.expanded.slice(e.expanded.lastIndexOf('/') + 1) : e.expanded;
    const where = to.path && to.path !== name ? ` ${style('dim', to.path)}` : '';
    return `${style('cyan', name)} ${style('dim', `[${why ? `${why}; ` : ''}${reason}]`)}${where}`;
  };
  const walk = (id: number, prefix: string) => {
    const all = from.get(id) ?? [];
    const shown = all.filter((e) => e.to === null || home.get(e.to) === e);
    const folded = all.filter((e) => !shown.includes(e));
    const n = shown.length + (folded.length ? 1 : 0);
    shown.forEach((e, i) => {
      const last = i === n - 1;
      out.push(`${prefix}${last ? '└── ' : '├── '}${line(e, '')}`);
      if (e.to !== null) walk(e.to, prefix + (last ? '    ' : '│   '));
    });
    if (folded.length) out.push(`${prefix}└── ${style('dim', `${folded.map((e) => e.expanded).join(', ')} [already loaded]`)}`);
  };
  roots.forEach((e, i) => {
    const last = i === roots.length - 1;
    out.push(`${last ? '└── ' : '├── '}${line(e, provenanceText(e, byId))}`);
    if (e.to !== null && home.get(e.to) === e) walk(e.to, last ? '    ' : '│   ');
  });
  for (const w of rt.warnings) out.push(style('yellow', `warning: ${w}`));
  return out;
}

/** "run-time loads may add 9 objects (dlopen notes 7, PAM 1, NSS 1)". */
export function runtimeSummary(g: AnalysisResult): string | null {
  const rt = g.runtime;
  if (!rt || rt.edges.length === 0) return null;
  const count = (k: string) => rt.edges.filter((e) => e.kind === k && e.to !== null).length;
  const kinds = (['dlopen', 'pam', 'nss'] as const).map((k) => [k, count(k)] as const).filter(([, n]) => n);
  const label = { dlopen: 'dlopen notes', pam: 'PAM modules', nss: 'NSS services' };
  const head = `run-time loads may add ${rt.objects.length} object${rt.objects.length === 1 ? '' : 's'}` +
    (kinds.length ? ` (${kinds.map(([k, n]) => `${label[k]}: ${n} found`).join(', ')})` : '');
  return g.runtimeLoadTime ? `${head}; ${runtimeCodeText(g, g.runtimeLoadTime)}` : head;
}

/** The second figure: what the run-time loads would run when they happen (start-up code is the footer above). */
function runtimeCodeText(g: AnalysisResult, r: RuntimeLoadTime): string {
  const byId = new Map([...objectById(g), ...(g.runtime?.objects ?? []).map((o) => [o.id, o] as const)]);
  const name = (id: number) => libraryName(byId.get(id)!);
  const running = r.objects.filter((o) => o.realConstructors || o.ifuncAtLoad);
  const again = r.startup.map((x) => ({ id: x.id, n: x.ifunc.filter((c) => c.phase === 'load').length })).filter((x) => x.n);
  const own = running.length
    ? `${running.length} of them would run their own code when loaded (${running.map((o) => `${name(o.id)}: ${[o.realConstructors ? `ctor:${o.realConstructors}` : '', o.ifuncAtLoad ? `ifunc:${o.ifuncAtLoad}` : ''].filter(Boolean).join(' ')}`).join(', ')})`
    : 'none of them runs its own code when loaded';
  return own + (again.length ? `, and their relocations would call ${again.map((x) => `${x.n} IFUNC resolver${x.n === 1 ? '' : 's'} of ${name(x.id)}`).join(', ')}` : '');
}
