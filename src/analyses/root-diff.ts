// Two builds of a system compared: programs added, removed and split; for each program in both, what left
// and entered its start-up closure (by name); and the causes, grouped with their reach — where the old
// (or new) shortest path to a name leaves what the program loads in the other build, as in "libsystemd.so.0
// no longer needs liblzma.so.5 → 12 programs no longer load liblzma.so.5". A pure function of the two
// roots' scan records, so saved `scan --format ndjson` output diffs the same as a live run.
import type { ClosureEntry, ProgramRecord } from './scan.js';

export const ROOTDIFF_SCHEMA = 'loadgraph.rootdiff/1';

export interface ProgramChange {
  /** The path in A (in B for an added program). */
  readonly path: string;
  /** Its path in B when it moved (merged /usr, multiarch, or another directory under the same name). */
  readonly pathB?: string;
  /** 'moved': only its path changed. */
  readonly status: 'added' | 'removed' | 'changed' | 'moved';
  /** Names that left and entered its start-up closure. */
  readonly left: readonly string[];
  readonly entered: readonly string[];
  /** Whether it would start in each build (ld.so's verdict or not analysable: false). */
  readonly starts: { readonly a: boolean | null; readonly b: boolean | null };
  readonly missing: { readonly a: readonly string[]; readonly b: readonly string[] };
}

export interface Cause {
  /**
   * 'removed': `from` no longer needs `to` in B; 'added': it newly does; 'replaced': it needs `by` instead of
   * `to`; 'not-found': `to` is still needed but no longer found (the programs cannot start); 'found': the reverse.
   */
  readonly change: 'removed' | 'added' | 'replaced' | 'not-found' | 'found';
  /** The library whose DT_NEEDED changed; null: the programs' own DT_NEEDED. */
  readonly from: string | null;
  readonly to: string;
  readonly by?: string;
  /** The libraries that left closures through it (entered, for 'added'), and the programs concerned (paths in B). */
  readonly libraries: readonly string[];
  /** For 'replaced': the libraries that entered. */
  readonly entered?: readonly string[];
  readonly programs: readonly string[];
}

export interface ObjectChange {
  readonly library: string;
  /** 'release': the loader's glibc release (which decides parts of the search: docs/loader.md). */
  readonly what: 'load-time-code' | 'relro' | 'bind-now' | 'textrel' | 'exec-stack' | 'release' | 'x86-isa';
  readonly a: string;
  readonly b: string;
  /** A worse fact in B (hardening regression, more code at load). */
  readonly worse: boolean;
  /** Programs of B that load it. */
  readonly programs: number;
}

export interface RootDiff {
  readonly schema: typeof ROOTDIFF_SCHEMA;
  readonly a: string;
  readonly b: string;
  readonly same: boolean;
  readonly summary: { readonly programsA: number; readonly programsB: number; readonly added: number; readonly removed: number; readonly changed: number; readonly moved: number; readonly unchanged: number };
  /** Added programs that carry part of a program present in both (OpenSSH's sshd → sshd, sshd-session, sshd-auth). */
  readonly splits: ReadonlyArray<{ readonly from: string; readonly into: readonly string[] }>;
  readonly programs: readonly ProgramChange[];
  readonly causes: readonly Cause[];
  readonly objects: readonly ObjectChange[];
}

const TRIPLET = /\/lib(32|64|x32)?\/[a-z0-9_]+-linux-gnu[a-z0-9_]*\//g;

/** A program's identity across builds: merged /usr (/bin = /usr/bin) and the multiarch triplet taken out. */
export const programKey = (path: string): string => path.replace(/^\/usr(?=\/)/, '').replace(TRIPLET, '/lib/<triplet>/');

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const sorted = (xs: Iterable<string>) => [...xs].sort();

/** Start-up edges by name: each name's direct needs, the program itself as `self`. */
type Graph = Map<string, readonly string[]>;

function graphOf(r: ProgramRecord, self: string): Graph {
  const g = new Map<string, readonly string[]>([[self, r.needs]]);
  for (const e of r.closure) if (!g.has(e.name)) g.set(e.name, e.needs);
  return g;
}

/** Shortest chain of names from `self` to `target` (both included), or null. */
function chain(g: Graph, self: string, target: string): string[] | null {
  const prev = new Map<string, string | null>([[self, null]]);
  const queue = [self];
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i]!;
    if (n === target) {
      const out: string[] = [];
      for (let c: string | null = n; c !== null; c = prev.get(c)!) out.unshift(c);
      return out;
    }
    for (const m of g.get(n) ?? []) if (!prev.has(m)) { prev.set(m, n); queue.push(m); }
  }
  return null;
}

/**
 * Where `path` (a chain in one build) leaves what the program loads in the other: the last name on it the
 * other build loads too, and the next. (journalctl → libsystemd-shared-257 → libcrypto → libz: libz came
 * with libcrypto, which the old journalctl loaded too, not with the new libsystemd-shared.)
 */
function departure(path: string[], other: Graph): [string, string] | null {
  for (let i = path.length - 2; i >= 0; i--) if (other.has(path[i]!)) return [path[i]!, path[i + 1]!];
  return null;
}

const starts = (r: ProgramRecord | undefined) => (r === undefined ? null : r.status === 'ok');

export function diffRoots(a: string, b: string, recordsA: readonly ProgramRecord[], recordsB: readonly ProgramRecord[]): RootDiff {
  const byKey = (rs: readonly ProgramRecord[]) => new Map(rs.map((r) => [programKey(r.path), r]));
  const A = byKey(recordsA), B = byKey(recordsB);
  // A program only in A and one only in B with the same file name, the only such pair, moved
  // (/lib/systemd/systemd-ac-power → /usr/bin/systemd-ac-power): B's is filed under A's key.
  const onlyIn = (x: typeof A, y: typeof A) => [...x].filter(([k]) => !y.has(k));
  const unique = (rs: Array<[string, ProgramRecord]>) => {
    const n = new Map<string, number>();
    for (const [, r] of rs) n.set(base(r.path), (n.get(base(r.path)) ?? 0) + 1);
    return new Map(rs.filter(([, r]) => n.get(base(r.path)) === 1).map(([k, r]) => [base(r.path), k]));
  };
  const goneA = unique(onlyIn(A, B)), newB = unique(onlyIn(B, A));
  for (const [name, kb] of newB) {
    const ka = goneA.get(name);
    if (ka === undefined) continue;
    B.set(ka, B.get(kb)!);
    B.delete(kb);
  }
  const programs: ProgramChange[] = [];
  const causes = new Map<string, Acc>();
  // A hop from the program itself is grouped across programs: "57 programs no longer need X".
  const addCause = (change: Acc['change'], hop: [string, string], self: string, lib: string, program: string) => {
    const from = hop[0] === self ? null : hop[0];
    const k = `${change}\0${from ?? ''}\0${hop[1]}`;
    const c = causes.get(k) ?? { change, from, to: hop[1], perProgram: new Map() };
    c.perProgram.set(program, (c.perProgram.get(program) ?? new Set<string>()).add(lib));
    causes.set(k, c);
  };
  let unchanged = 0;
  for (const [key, ra] of A) {
    const rb = B.get(key);
    if (!rb) {
      programs.push({ path: ra.path, status: 'removed', left: sorted(new Set(ra.closure.map((e) => e.name))), entered: [], starts: { a: starts(ra), b: null }, missing: { a: ra.missing, b: [] } });
      continue;
    }
    const self = base(ra.path);
    const ga = graphOf(ra, self), gb = graphOf(rb, self);
    const na = new Set(ra.closure.map((e) => e.name)), nb = new Set(rb.closure.map((e) => e.name));
    const left = sorted([...na].filter((n) => !nb.has(n))), entered = sorted([...nb].filter((n) => !na.has(n)));
    // Each name that left (entered) through the first hop of its old (new) chain the other side lacks; a
    // name the other side still asks for but does not find is not an edge: it is its own cause.
    const explain = (names: readonly string[], has: Graph, lacks: Graph, missing: readonly string[], ifMissing: Acc['change'], ifBroken: Acc['change']) => {
      for (const n of names) {
        const hop = missing.includes(n) ? [self, n] as [string, string] : departure(chain(has, self, n) ?? [], lacks);
        if (hop) addCause(missing.includes(n) ? ifMissing : ifBroken, hop, self, n, rb.path);
      }
    };
    explain(left, ga, gb, rb.missing, 'not-found', 'removed');
    explain(entered, gb, ga, ra.missing, 'found', 'added');
    const same = !left.length && !entered.length && starts(ra) === starts(rb) && ra.missing.join('\0') === rb.missing.join('\0');
    if (same && ra.path === rb.path) {
      unchanged++;
      continue;
    }
    programs.push({ path: ra.path, ...(rb.path !== ra.path ? { pathB: rb.path } : {}), status: same ? 'moved' : 'changed', left, entered, starts: { a: starts(ra), b: starts(rb) }, missing: { a: ra.missing, b: rb.missing } });
  }
  const added = [...B].filter(([k]) => !A.has(k)).map(([, r]) => r);
  for (const rb of added) programs.push({ path: rb.path, status: 'added', left: [], entered: sorted(new Set(rb.closure.map((e) => e.name))), starts: { a: null, b: starts(rb) }, missing: { a: [], b: rb.missing } });
  programs.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));

  // A split: new programs named after one present in both that carry libraries it no longer loads
  // (OpenSSH 9.8: sshd → sshd-session, sshd-auth; systemd 255: systemd → systemd-executor).
  const splits: Array<{ from: string; into: string[] }> = [];
  for (const p of programs) {
    if (p.status !== 'changed' || !p.left.length) continue;
    const name = base(p.pathB ?? p.path);
    const into = added.filter((n) => base(n.path).startsWith(name) && /^[-_.]/.test(base(n.path).slice(name.length)) && n.closure.some((e) => p.left.includes(e.name)));
    if (into.length) splits.push({ from: p.pathB ?? p.path, into: sorted(into.map((n) => n.path)) });
  }

  const objects = objectChanges(recordsA, recordsB);
  const count = (status: ProgramChange['status']) => programs.filter((p) => p.status === status).length;
  const counts = { added: added.length, removed: count('removed'), changed: count('changed'), moved: count('moved') };
  return {
    schema: ROOTDIFF_SCHEMA,
    a,
    b,
    same: programs.length === 0 && objects.length === 0,
    summary: { programsA: A.size, programsB: B.size, ...counts, unchanged },
    splits,
    programs,
    causes: pairReplacements([...causes.values()])
      .sort((x, y) => y.programs.length - x.programs.length || reachOf(y) - reachOf(x) || ((x.from ?? '') + x.to < (y.from ?? '') + y.to ? -1 : 1)),
    objects,
  };
}

/** How many libraries a cause moved in or out of closures: of two causes with as many programs, the larger first. */
const reachOf = (c: Cause) => c.libraries.length + (c.entered?.length ?? 0);

/** A library name without its version numbers: libsystemd-shared-252.so and libsystemd-shared-257.so are one stem. */
const stem = (name: string) => name.replace(/[-.]?\d+/g, '');

/** A cause while it is collected: for each program (path in B), the libraries it reached. */
type Acc = { change: Exclude<Cause['change'], 'replaced'>; from: string | null; to: string; perProgram: Map<string, Set<string>> };

const unionOf = (acc: Acc, programs: Iterable<string>) => sorted(new Set([...programs].flatMap((p) => [...acc.perProgram.get(p)!])));

/**
 * A removal and an addition by the same requester of two versions of one library (libsystemd-shared-252.so
 * → libsystemd-shared-257.so) are, for the programs both concern, one change: a replacement.
 */
function pairReplacements(accs: Acc[]): Cause[] {
  const out: Cause[] = [];
  for (const r of accs) {
    if (r.change !== 'removed') continue;
    for (const a of accs) {
      if (a.change !== 'added' || a.from !== r.from || stem(a.to) !== stem(r.to)) continue;
      const common = sorted([...r.perProgram.keys()].filter((p) => a.perProgram.has(p)));
      if (!common.length) continue;
      out.push({ change: 'replaced', from: r.from, to: r.to, by: a.to, libraries: unionOf(r, common), entered: unionOf(a, common), programs: common });
      for (const p of common) { r.perProgram.delete(p); a.perProgram.delete(p); }
    }
  }
  for (const c of accs) if (c.perProgram.size) out.push({ change: c.change, from: c.from, to: c.to, libraries: unionOf(c, c.perProgram.keys()), programs: sorted(c.perProgram.keys()) });
  return out;
}

/** A library's facts across a build: the first record's (they are the same file); IFUNC resolvers at load, the most in any program (they depend on what it binds to). */
type Facts = { e: ClosureEntry; ifunc: number | null; programs: number };

function libraryFacts(records: readonly ProgramRecord[]): Map<string, Facts> {
  const out = new Map<string, Facts>();
  for (const r of records) {
    for (const e of r.closure) {
      const f = out.get(e.name) ?? { e, ifunc: null, programs: 0 };
      f.programs++;
      if (e.ifuncAtLoad !== null) f.ifunc = Math.max(f.ifunc ?? 0, e.ifuncAtLoad);
      out.set(e.name, f);
    }
  }
  return out;
}

const RELRO_RANK = { none: 0, partial: 1, full: 2 } as const;

/** Libraries in both builds whose load-time code or hardening changed, with how many programs of B load them. */
function objectChanges(recordsA: readonly ProgramRecord[], recordsB: readonly ProgramRecord[]): ObjectChange[] {
  const fa = libraryFacts(recordsA), fb = libraryFacts(recordsB);
  const out: ObjectChange[] = [];
  const yesNo = (v: boolean | null) => (v === null ? 'unknown' : v ? 'yes' : 'no');
  for (const [name, b] of fb) {
    const a = fa.get(name);
    if (!a) continue;
    const push = (what: ObjectChange['what'], va: string, vb: string, worse: boolean) => { if (va !== vb) out.push({ library: name, what, a: va, b: vb, worse, programs: b.programs }); };
    if (a.ifunc !== null && b.ifunc !== null && a.e.constructors !== null && b.e.constructors !== null) {
      const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
      const code = (f: Facts) => `${count(f.e.constructors!, 'constructor')}, ${f.ifunc ? `up to ${count(f.ifunc, 'IFUNC resolver')}` : 'no IFUNC resolvers'} at load`;
      // More of either is more code run before main.
      push('load-time-code', code(a), code(b), b.e.constructors > a.e.constructors || b.ifunc! > a.ifunc!);
    }
    if (a.e.relro !== null && b.e.relro !== null) push('relro', a.e.relro, b.e.relro, RELRO_RANK[b.e.relro] < RELRO_RANK[a.e.relro]);
    push('bind-now', yesNo(a.e.bindNow), yesNo(b.e.bindNow), a.e.bindNow === true && b.e.bindNow === false);
    push('textrel', yesNo(a.e.textrel), yesNo(b.e.textrel), a.e.textrel === false && b.e.textrel === true);
    push('exec-stack', yesNo(a.e.execStack), yesNo(b.e.execStack), a.e.execStack === false && b.e.execStack === true);
    if (a.e.release !== undefined && b.e.release !== undefined) push('release', a.e.release, b.e.release, false);
    // A level more is a CPU fewer that can start the programs that load it (dl_isa_level_check).
    const isa = (f: Facts) => f.e.x86IsaNeeded ?? [];
    push('x86-isa', isa(a).join(', ') || 'baseline', isa(b).join(', ') || 'baseline', isa(b).some((l) => !isa(a).includes(l)));
  }
  return out.sort((x, y) => Number(y.worse) - Number(x.worse) || y.programs - x.programs || (x.library < y.library ? -1 : 1));
}
