// A whole root's closures. Each program gives one self-contained record (what `scan --format ndjson`
// prints, one a line); the root's document is the reduction of its records — objects once, programs
// referring to them — so records from sharded runs concatenate and reduce to the same document.
import type { ObjectSummary } from '../elf/summary.js';
import { libraryName, missingAtStart, programOf } from '../graph/traverse.js';
import type { AnalysisResult } from './result.js';

export const SCAN_SCHEMA = 'loadgraph.scan/1';
export const SCAN_RECORD_SCHEMA = 'loadgraph.scan-program/1';

/** One object of a program's closure, with what a reader of the record needs and nothing shared. */
export interface ClosureEntry {
  /** SONAME, else file name. */
  readonly name: string;
  /** Where it loads from, inside the root (links resolved). */
  readonly path: string | null;
  readonly kind: 'interp' | 'library';
  readonly relro: ObjectSummary['relro'] | null;
  readonly bindNow: boolean | null;
  readonly textrel: boolean | null;
  readonly execStack: boolean | null;
  /** Load-time code: real constructors (not toolchain stubs) and IFUNC resolvers run at load, null without --no-code's analysis. */
  readonly constructors: number | null;
  readonly ifuncAtLoad: number | null;
  /** The objects its start-up edges load, by name (what a root diff follows to say why a library left). */
  readonly needs: readonly string[];
  /** The loader's glibc release ("2.41", from its banner: env.release); only on the 'interp' entry, when known. */
  readonly release?: string;
  /** The x86 ISA levels it needs beyond the baseline (GraphObject.x86IsaNeeded); absent when none. */
  readonly x86IsaNeeded?: readonly string[];
}

export interface ProgramRecord {
  readonly schema: typeof SCAN_RECORD_SCHEMA;
  readonly path: string;
  /** ok: it would start; fatal: ld.so would stop with `message`; error: not analysable (message). */
  readonly status: 'ok' | 'fatal' | 'error';
  readonly message?: string;
  /** The objects mapped at start, in the loader's order (the program itself and the vDSO left out). */
  readonly closure: readonly ClosureEntry[];
  /** Names nothing was found for (ldd's "not found"). */
  readonly missing: readonly string[];
  /** The program's own load-time code (null without the analysis). */
  readonly constructors: number | null;
  readonly ifuncAtLoad: number | null;
  /** The objects the program's own start-up edges (DT_NEEDED, preload) load, by name. */
  readonly needs: readonly string[];
  /** What `loadgraph FILE` warns about (a damaged object of the closure, an unusable ld.so.cache, a bad preload); absent when nothing. */
  readonly warnings?: readonly string[];
}

export function programRecord(path: string, g: AnalysisResult): ProgramRecord {
  const lt = new Map((g.loadTime?.objects ?? []).map((o) => [o.id, o]));
  const code = g.loadTime !== undefined;
  const program = programOf(g);
  const byId = new Map(g.objects.map((o) => [o.id, o]));
  const needs = (id: number) => [...new Set(g.edges.filter((e) => e.from === id && e.to !== null && e.to !== id && byId.get(e.to)!.kind !== 'vdso').map((e) => libraryName(byId.get(e.to!)!)))];
  const closure: ClosureEntry[] = g.objects.filter((o) => o.kind === 'library' || o.kind === 'interp').map((o) => ({
    name: libraryName(o),
    path: o.realPath ?? o.path,
    kind: o.kind as 'library' | 'interp',
    relro: o.summary?.relro ?? null,
    bindNow: o.summary?.bindNow ?? null,
    textrel: o.summary?.textrel ?? null,
    execStack: o.summary?.execStack ?? null,
    constructors: code ? lt.get(o.id)?.realConstructors ?? 0 : null,
    ifuncAtLoad: code ? lt.get(o.id)?.ifuncAtLoad ?? 0 : null,
    needs: needs(o.id),
    ...(o.kind === 'interp' && g.env.release !== null ? { release: g.env.release } : {}),
    ...(o.x86IsaNeeded ? { x86IsaNeeded: o.x86IsaNeeded } : {}),
  }));
  return {
    schema: SCAN_RECORD_SCHEMA,
    path,
    status: g.fatal ? 'fatal' : 'ok',
    ...(g.fatal ? { message: g.fatal.message } : {}),
    closure,
    missing: missingAtStart(g).map((o) => o.name),
    constructors: code ? lt.get(program.id)?.realConstructors ?? 0 : null,
    ifuncAtLoad: code ? lt.get(program.id)?.ifuncAtLoad ?? 0 : null,
    needs: needs(program.id),
    ...(g.warnings.length ? { warnings: g.warnings } : {}),
  };
}

export const errorRecord = (path: string, message: string): ProgramRecord =>
  ({ schema: SCAN_RECORD_SCHEMA, path, status: 'error', message, closure: [], missing: [], constructors: null, ifuncAtLoad: null, needs: [] });

/** A library across the root: its facts once, how many programs load it, how many run its code at load. */
export interface ScanObject extends Omit<ClosureEntry, 'ifuncAtLoad'> {
  readonly programs: number;
  /** The most IFUNC resolvers it runs at load in any one program (bindings differ by program). */
  readonly ifuncAtLoad: number | null;
  /** Programs in which it runs code at load (constructors or resolvers). */
  readonly runsCodeIn: number | null;
}

export interface ScanDocument {
  readonly schema: typeof SCAN_SCHEMA;
  readonly root: string;
  /** Every object some program loads, by path, most-loaded first. */
  readonly objects: readonly ScanObject[];
  /** Each program with its closure as indices into `objects`. */
  readonly programs: ReadonlyArray<Omit<ProgramRecord, 'schema' | 'closure'> & { readonly closure: readonly number[] }>;
  readonly diagnostics: readonly string[];
  readonly summary: { readonly programs: number; readonly ok: number; readonly fatal: number; readonly errors: number; readonly withMissing: number; readonly objects: number };
}

/** The root's document from its programs' records (in any order, from any number of shards). */
export function reduceScan(root: string, records: readonly ProgramRecord[], diagnostics: readonly string[] = []): ScanDocument {
  const byKey = new Map<string, { entry: ClosureEntry; programs: number; ifuncAtLoad: number | null; runsCodeIn: number | null }>();
  const keyOf = (e: ClosureEntry) => e.path ?? `?${e.name}`;
  for (const r of records) {
    for (const e of r.closure) {
      const k = keyOf(e);
      const a = byKey.get(k) ?? { entry: e, programs: 0, ifuncAtLoad: null, runsCodeIn: null };
      a.programs++;
      if (e.ifuncAtLoad !== null) a.ifuncAtLoad = Math.max(a.ifuncAtLoad ?? 0, e.ifuncAtLoad);
      if (e.constructors !== null) a.runsCodeIn = (a.runsCodeIn ?? 0) + ((e.constructors ?? 0) + (e.ifuncAtLoad ?? 0) > 0 ? 1 : 0);
      byKey.set(k, a);
    }
  }
  const keys = [...byKey.keys()].sort((x, y) => byKey.get(y)!.programs - byKey.get(x)!.programs || (x < y ? -1 : x > y ? 1 : 0));
  const index = new Map(keys.map((k, i) => [k, i]));
  const objects = keys.map((k) => {
    const a = byKey.get(k)!;
    return { ...a.entry, programs: a.programs, ifuncAtLoad: a.ifuncAtLoad, runsCodeIn: a.runsCodeIn };
  });
  const programs = [...records].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0)).map(({ schema: _s, closure, ...rest }) => ({ ...rest, closure: closure.map((e) => index.get(keyOf(e))!) }));
  return {
    schema: SCAN_SCHEMA,
    root,
    objects,
    programs,
    diagnostics,
    summary: {
      programs: records.length,
      ok: records.filter((r) => r.status === 'ok').length,
      fatal: records.filter((r) => r.status === 'fatal').length,
      errors: records.filter((r) => r.status === 'error').length,
      withMissing: records.filter((r) => r.missing.length > 0).length,
      objects: objects.length,
    },
  };
}

/** --shard I/N: part I of N, 0 ≤ I < N. */
export interface Shard { readonly index: number; readonly count: number }

/** --shard I/N: the programs with index ≡ I (mod N), 0 ≤ I < N, of the sorted list (round-robin spreads big directories). */
export function shardOf<T>(items: readonly T[], shard: Shard | null): T[] {
  return shard === null ? [...items] : items.filter((_, i) => i % shard.count === shard.index);
}
