// `check --root`: a whole root's checklist with each object's findings once. A finding about an object's
// own facts (RELRO, stack, TEXTREL, search paths, known-bad version…) is the same in every program that
// loads it: it is reported once, with the programs that load it. Findings about a program's closure
// (size, load-time code beyond the allow-list, costly or unused edges, preloads, deny lists) are judged per
// program; the same finding (rule, subject, message) in several programs is listed once with them all.
import { type CheckedProgram, type Finding, type Policy, RULES } from './check.js';
import type { KnownBadObject } from './known-bad.js';

const OBJECT_RULES = new Set(RULES.filter((r) => r.scope === 'object').map((r) => r.id));

export interface ObjectFinding extends Finding {
  /** Programs that load the object, sorted. */
  readonly programs: readonly string[];
}

export interface RootCheckDocument {
  readonly schema: 'loadgraph.check-root/1';
  readonly policy: Policy;
  /** Each object finding once, most programs first. */
  readonly objects: readonly ObjectFinding[];
  /** Per-program (closure) findings, each distinct one once with the programs it was found in. */
  readonly closure: readonly ObjectFinding[];
  readonly checked: number;
  /** The programs checked, sorted. */
  readonly programs: readonly string[];
  /** Objects with known-bad code by content, each with the programs that load it. */
  readonly knownBad: readonly KnownBadObject[];
}

export function groupFindings(policy: Policy, checked: readonly CheckedProgram[], knownBad: readonly KnownBadObject[] = []): RootCheckDocument {
  const objects = new Map<string, { finding: Finding; programs: Set<string> }>();
  const closure = new Map<string, { finding: Finding; programs: Set<string> }>();
  for (const p of checked) {
    for (const f of p.findings) {
      const own = OBJECT_RULES.has(f.rule);
      // The same file is the same object whatever name a program's tree gives it.
      const key = `${f.rule}\0${own ? f.path ?? f.subject : f.subject}\0${f.message}`;
      const groups = own ? objects : closure;
      const g = groups.get(key) ?? { finding: f, programs: new Set<string>() };
      g.programs.add(p.program);
      groups.set(key, g);
    }
  }
  const list = (groups: typeof objects) => [...groups.values()]
    .map((g) => ({ ...g.finding, programs: [...g.programs].sort() }))
    .sort((a, b) => b.programs.length - a.programs.length || byUnits(a.rule, b.rule) || byUnits(a.subject, b.subject));
  return { schema: 'loadgraph.check-root/1', policy, objects: list(objects), closure: list(closure), checked: checked.length, programs: checked.map((p) => p.program).sort(), knownBad };
}

/** Code-unit order, as `sort()` uses: the same on every machine (localeCompare follows the user's locale). */
export const byUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
