// Known-bad libraries, two ways: by what the distributor says (file name, package note, dpkg: LG105, a
// warning) and by what the bytes are (a published signature of the malicious code in an executable
// segment, or the digest of a known malicious build: LG107, an error whatever the file is called).
import type { ContentCheck } from './indicators.js';
import { INDICATORS, matchText, sourceText, verdictText } from './indicators.js';
import type { GraphObject } from '../graph/model.js';
import type { ObjectHardening } from '../loader/hardening-facts.js';
import type { AnalysisResult } from './result.js';
import { MAX_CONTENT } from '../loader/content-facts.js';

/** What these rules read of check's context (check.ts's Rule and Context, structurally: no import cycle). */
interface Context {
  readonly g: AnalysisResult;
  readonly h: ReadonlyMap<number, ObjectHardening>;
  readonly policy: { readonly knownBad: ReadonlyArray<{ readonly library: string; readonly versions: readonly string[]; readonly id: string }> };
  readonly name: (id: number) => string;
}
interface Rule {
  readonly id: string;
  readonly title: string;
  readonly severity: 'error' | 'warning';
  readonly scope: 'object';
  readonly help: string;
  readonly reference: string;
  readonly run: (c: Context, emit: (subjectId: number | null, message: string, evidence?: string[], subject?: string, region?: { byteOffset: number; byteLength: number }) => void) => void;
}

/** Version evidence an object carries, for the findings. */
const versionEvidence = (v: ObjectHardening['version'] | undefined) =>
  v ? [v.file ? `file ${v.file}` : '', v.package ? `package note ${v.package}` : '', v.dpkg ? `dpkg ${v.dpkg}` : ''].filter(Boolean) : [];

/** "searched 12345 bytes of 1 executable PT_LOAD segment for 1 published signature; SHA-256 …" */
export function verifiedText(x: ContentCheck): string {
  return `searched ${x.bytes} bytes in ${x.segments} executable PT_LOAD segment${x.segments === 1 ? '' : 's'} for ${x.signatures} published signature${x.signatures === 1 ? '' : 's'}; ${x.sha256 === null ? `SHA-256 not computed: the file is over ${MAX_CONTENT >> 20} MiB (code searched up to that)` : `SHA-256 ${x.sha256}`}${x.buildId ? `; build-id ${x.buildId}` : ''}`;
}

/** The release an object is named or packaged as, when the policy lists it as known bad. */
function knownBadRelease(v: ObjectHardening['version'], versions: readonly string[]): { version: string; how: string } | null {
  // Debian's "X+reallyY" versions ship upstream Y (5.6.1+really5.4.5 is the revert to 5.4.5).
  const upstream = (x: string | null | undefined) => x?.replace(/^.*\+really/, '');
  for (const ver of versions) {
    const named = v.file?.endsWith(`.so.${ver}`) === true;
    const packaged = upstream(v.package?.split(' ')[1])?.startsWith(ver) === true || upstream(v.dpkg)?.startsWith(ver) === true;
    if (named || packaged) return { version: ver, how: [named ? 'named' : '', packaged ? 'packaged' : ''].filter(Boolean).join('/') };
  }
  return null;
}

const contentOf = (c: Context, id: number, indicator: string) => c.g.indicators?.find((x) => x.id === id && x.indicator === indicator);

export const KNOWN_BAD_BY_NAME: Rule = {
  id: 'LG105', title: 'known-bad release by name', severity: 'warning', scope: 'object', reference: 'CVE-2024-3094 (xz-utils 5.6.0, 5.6.1); policy knownBad',
  help: 'A library named or packaged as a release known to be compromised (the list is data in the policy). Names are what the distributor says: where an indicator exists the bytes are checked too, and a match is LG107, an error; a known-bad release whose code lacks the published backdoor (built from clean sources?) stays this warning.',
  run: (c, emit) => {
    for (const o of c.h.values()) {
      const soname = c.name(o.id);
      for (const bad of c.policy.knownBad) {
        if (bad.library !== soname) continue;
        const hit = knownBadRelease(o.version, bad.versions);
        if (!hit) continue;
        const content = contentOf(c, o.id, bad.id);
        if (content?.matches.length) continue; // LG107 says what the bytes are
        const what = `${hit.how} as ${soname} ${hit.version}, a known-bad release (${bad.id})`;
        const evidence = versionEvidence(o.version);
        if (!content) emit(o.id, `${what}; its code was not checked (no indicator, or no content check in this run)`, evidence);
        else if (content.signatures === 0) emit(o.id, `${what}; no published signature for this machine's code, so the code could not be verified`, [...evidence, verifiedText(content)]);
        else emit(o.id, `${what}, but the backdoor code is absent (built from clean sources?)`, [...evidence, verifiedText(content)]);
      }
    }
  },
};

export const KNOWN_BAD_CODE: Rule = {
  id: 'LG107', title: 'known-bad code by content', severity: 'error', scope: 'object',
  reference: INDICATORS.map((i) => `${i.id}: ${[...new Set([...i.signatures.flatMap((s) => s.sources), ...i.builds.flatMap((b) => b.sources)].map((s) => `${s.url} (${s.date})`))].join(', ')}`).join('; '),
  help: `An object an indicator concerns contains the published malicious code (a byte signature inside an executable PT_LOAD segment) or is, byte for byte, a published malicious build (SHA-256, GNU build-id), whatever its name, package note or version says. Indicators: ${INDICATORS.map((i) => `${i.id} (${i.title}; ${i.signatures.length} signature${i.signatures.length === 1 ? '' : 's'}, ${i.builds.length} known build${i.builds.length === 1 ? '' : 's'})`).join(', ')}; docs/rules.md lists them with their sources.`,
  run: (c, emit) => {
    for (const x of c.g.indicators ?? []) {
      if (!x.matches.length) continue;
      const sig = x.matches.find((m) => m.kind === 'signature');
      const evidence = [
        `object ${x.path}`, ...versionEvidence(c.h.get(x.id)?.version), verifiedText(x),
        ...x.matches.flatMap((m) => m.sources.map((s) => `${m.kind === 'signature' ? 'signature' : 'digest'} source: ${sourceText(s)}`)),
      ];
      emit(x.id, verdictText(x, true), evidence, undefined, sig?.kind === 'signature' ? { byteOffset: sig.offset, byteLength: sig.length } : undefined);
    }
  },
};

/** Per object with matched code, across every program of a run: which programs load it. */
export interface KnownBadObject {
  readonly path: string;
  readonly indicator: string;
  readonly matches: ContentCheck['matches'];
  readonly programs: readonly string[];
}

export function knownBadObjects(programs: ReadonlyArray<{ readonly program: string; readonly indicators: ReadonlyArray<Omit<ContentCheck, 'id'>> }>): KnownBadObject[] {
  const byPath = new Map<string, { path: string; indicator: string; matches: ContentCheck['matches']; programs: string[] }>();
  for (const p of programs) {
    for (const x of p.indicators) {
      if (!x.matches.length) continue;
      const key = `${x.indicator}\0${x.path}`;
      const e = byPath.get(key) ?? { path: x.path, indicator: x.indicator, matches: x.matches, programs: [] };
      if (!e.programs.includes(p.program)) e.programs.push(p.program);
      byPath.set(key, e);
    }
  }
  return [...byPath.values()];
}

/** Objects (matched by `key` across the two sides) that gained or lost an indicator match, for diff. */
export function knownBadChanges(a: AnalysisResult, b: AnalysisResult, key: (o: GraphObject) => string | null) {
  const matched = (g: AnalysisResult) => {
    const m = new Map<string, ContentCheck>();
    for (const x of g.indicators ?? []) {
      const o = g.objects.find((y) => y.id === x.id);
      const k = o ? key(o) : null;
      if (k !== null && x.matches.length) m.set(`${k}\0${x.indicator}`, x);
    }
    return m;
  };
  const ma = matched(a), mb = matched(b);
  const what = (x: ContentCheck) => x.matches.map((m) => matchText(m));
  const out: Array<{ kind: 'indicator-added' | 'indicator-removed'; subject: string; message: string; evidence: string[] }> = [];
  for (const [k, x] of ma) {
    if (mb.has(k)) continue;
    const subject = k.slice(0, k.indexOf('\0'));
    const now = (b.indicators ?? []).find((y) => {
      const o = b.objects.find((z) => z.id === y.id);
      return y.indicator === x.indicator && o !== undefined && key(o) === subject;
    });
    out.push({ kind: 'indicator-removed', subject, message: `${subject} no longer contains ${x.indicator} known-bad code`, evidence: [`was ${x.path}: ${what(x).join('; ')}`, now ? `now ${now.path}: ${verifiedText(now)}` : 'now not loaded'] });
  }
  for (const [k, x] of mb) {
    if (ma.has(k)) continue;
    const subject = k.slice(0, k.indexOf('\0'));
    out.push({ kind: 'indicator-added', subject, message: `${subject} now contains ${x.indicator} known-bad code`, evidence: [`${x.path}: ${what(x).join('; ')}`] });
  }
  return out;
}
