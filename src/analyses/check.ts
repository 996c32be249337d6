// `check`: hardening checklists over the whole closure. Rules are data (id, severity, title, help,
// reference) with one small function each; docs/rules.md and SARIF's rule list come from the same table.
import { edgeSource } from '../graph/edge-sources.js';
import { displayName, missingAtStart, objectById, programOf, shortestPaths } from '../graph/traverse.js';
import type { ObjectHardening } from '../loader/hardening-facts.js';
import type { ContentCheck } from './indicators.js';
import type { AnalysisResult } from './result.js';
import type { Attribution } from './attribution.js';
import { edgeCost } from './attribution.js';
import { runtimeChain, runtimeWhy } from './why.js';
import { KNOWN_BAD_BY_NAME, KNOWN_BAD_CODE, type KnownBadObject } from './known-bad.js';

export type Severity = 'error' | 'warning' | 'note';
const RANK: Record<Severity, number> = { error: 3, warning: 2, note: 1 };
export const atLeast = (s: Severity, min: Severity) => RANK[s] >= RANK[min];

export interface Policy {
  readonly preset: 'default' | 'strict';
  /** Severity per rule id, or 'off'. */
  readonly rules: Readonly<Record<string, Severity | 'off'>>;
  readonly maxObjects: number;
  /** SONAMEs allowed to run their own code at load time. */
  readonly allowLoadTimeCode: readonly string[];
  readonly costlyEdge: { readonly maxSymbols: number; readonly minObjects: number };
  /** `runtime: true` also denies a library the process may load after start-up (dlopen notes, PAM, NSS). */
  readonly deny: ReadonlyArray<{ readonly program?: string; readonly library: string; readonly runtime?: boolean }>;
  readonly waivers: ReadonlyArray<{ readonly rule: string; readonly object?: string; readonly reason: string }>;
  readonly knownBad: ReadonlyArray<{ readonly library: string; readonly versions: readonly string[]; readonly id: string }>;
}

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  /** The object (SONAME or path) or edge the finding is about. */
  readonly subject: string;
  readonly path: string | null;
  readonly message: string;
  readonly evidence: readonly string[];
  /** Where in the object's file the finding is (a matched byte signature). */
  readonly region?: Region;
}

export interface Region { readonly byteOffset: number; readonly byteLength: number }

export interface Context {
  readonly g: AnalysisResult;
  readonly h: ReadonlyMap<number, ObjectHardening>;
  readonly a: Attribution | null;
  readonly policy: Policy;
  readonly name: (id: number) => string;
}

export interface Rule {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly help: string;
  readonly reference: string;
  /** 'object': about one object's own facts, the same in every program that loads it (a whole-root check reports it once); 'program': about a program's closure. */
  readonly scope: 'object' | 'program';
  /** What the finding says of every object in a group of alike ones, when its message has per-object detail (a whole root's text lists such objects as one entry). */
  readonly alike?: string;
  readonly run: (c: Context, emit: (subjectId: number | null, message: string, evidence?: string[], subject?: string, region?: Region) => void) => void;
}

const objects = (c: Context) => [...c.h.values()];

export const RULES: readonly Rule[] = [
  { id: 'LG001', title: 'RELRO', severity: 'warning', scope: 'object', reference: 'ld(1) -z relro, -z now; glibc _dl_protect_relro',
    help: 'Without PT_GNU_RELRO the GOT and other relocated data stay writable after start-up; partial RELRO leaves the PLT GOT writable. Link with -z relro -z now.',
    run: (c, emit) => { for (const o of objects(c)) if (o.relro !== 'full') emit(o.id, `RELRO is ${o.relro}`); } },
  { id: 'LG002', title: 'BIND_NOW', severity: 'note', scope: 'object', reference: 'ld(1) -z now; DF_BIND_NOW, DF_1_NOW',
    help: 'Lazy binding keeps the PLT GOT writable and defers symbol resolution (and IFUNC resolvers) to the first call. Link with -z now.',
    run: (c, emit) => { for (const o of objects(c)) if (!o.bindNow) emit(o.id, 'no BIND_NOW: lazy binding'); } },
  { id: 'LG003', title: 'PIE', severity: 'warning', scope: 'object', reference: 'gcc -fPIE -pie',
    help: 'A non-PIE executable loads at a fixed address, which defeats ASLR for its code.',
    run: (c, emit) => { for (const o of objects(c)) if (o.type === 'executable') emit(o.id, 'not a position-independent executable'); } },
  { id: 'LG004', title: 'non-executable stack', severity: 'error', scope: 'object', reference: 'PT_GNU_STACK; ld(1) -z noexecstack',
    help: 'A PT_GNU_STACK with PF_X, or none at all on a port whose default is executable (x86, 32-bit ARM, MIPS, s390x, 32-bit POWER; not AArch64, 64-bit POWER, RISC-V), makes the whole process stack executable (for every object loaded with it).',
    run: (c, emit) => { for (const o of objects(c)) if (!o.nxStack) emit(o.id, 'executable stack requested (PT_GNU_STACK with PF_X, or missing)'); } },
  { id: 'LG005', title: 'W^X segments', severity: 'error', scope: 'object', reference: 'PT_LOAD p_flags',
    help: 'A PT_LOAD segment that is both writable and executable lets written data run as code.',
    run: (c, emit) => { for (const o of objects(c)) if (o.wxSegments) emit(o.id, `${o.wxSegments} PT_LOAD segment(s) both writable and executable`); } },
  { id: 'LG006', title: 'stack protector', severity: 'note', scope: 'object', reference: 'gcc -fstack-protector-strong',
    help: 'No import of __stack_chk_fail or __stack_chk_guard, and no definition (the libc that provides them): no function of the object was built with a stack canary (or none needed one).',
    run: (c, emit) => { for (const o of objects(c)) if (!o.canary) emit(o.id, 'no stack-protector symbol imported or defined'); } },
  { id: 'LG007', title: 'FORTIFY_SOURCE', severity: 'note', scope: 'object', reference: 'gcc -D_FORTIFY_SOURCE=2 (or 3)', alike: 'not fortified: imports functions that have a _chk variant, but no _chk variant',
    help: 'The object imports libc functions that have fortified (_chk) variants, but none of those variants.',
    run: (c, emit) => { for (const o of objects(c)) if (o.fortifiable.length && !o.fortified.length) emit(o.id, `not fortified: imports ${o.fortifiable.slice(0, 6).join(', ')}${o.fortifiable.length > 6 ? ', …' : ''} but no _chk variant`); } },
  { id: 'LG008', title: 'control-flow protection (CET, BTI/PAC)', severity: 'note', scope: 'object', reference: 'gcc -fcf-protection (x86), -mbranch-protection=standard (AArch64); GNU property notes',
    help: 'The GNU property note does not mark the object for Intel CET (IBT, SHSTK) or Arm BTI/PAC; one unmarked object disables the feature for the whole process.',
    run: (c, emit) => {
      for (const o of objects(c)) {
        if (!o.cfi) continue;
        const want = o.cfi.kind === 'x86' ? ['IBT', 'SHSTK'] : ['BTI', 'PAC'];
        const missing = want.filter((f) => !o.cfi!.features.includes(f));
        if (missing.length) emit(o.id, `not marked for ${missing.join(', ')}`);
      }
    } },
  { id: 'LG009', title: 'TEXTREL', severity: 'error', scope: 'object', reference: 'DT_TEXTREL, DF_TEXTREL',
    help: 'Relocations against the text segment: the loader makes code writable while relocating.',
    run: (c, emit) => { for (const o of objects(c)) if (o.textrel) emit(o.id, 'text relocations (DT_TEXTREL)'); } },
  { id: 'LG010', title: 'DT_RPATH', severity: 'warning', scope: 'object', reference: 'ld(1) --enable-new-dtags; glibc elf/dl-load.c _dl_map_object (DT_RPATH, then LD_LIBRARY_PATH, then DT_RUNPATH)',
    help: 'DT_RPATH is searched before LD_LIBRARY_PATH and is inherited by everything the object loads; DT_RUNPATH is neither.',
    run: (c, emit) => { for (const o of objects(c)) if (o.rpath !== null && o.runpath === null) emit(o.id, `uses DT_RPATH ${o.rpath}`); } },
  { id: 'LG011', title: 'search path entries', severity: 'error', scope: 'object', reference: 'glibc elf/dl-load.c fillin_rpath (an empty entry is "./"), open_path',
    help: 'A relative or empty RPATH/RUNPATH entry is resolved against the current directory; a missing or world-writable directory lets whoever creates or writes it supply libraries.',
    run: (c, emit) => { for (const o of objects(c)) for (const d of o.pathDirs) if (d.problem) emit(o.id, `search path entry "${d.dir}" is ${d.problem}`); } },
  { id: 'LG012', title: '$ORIGIN in a set-user-ID/set-group-ID program', severity: 'error', scope: 'object', reference: 'glibc _dl_dst_substitute (secure mode)',
    help: 'In secure mode ld.so accepts $ORIGIN only under trusted directories; elsewhere it is a hijack risk and usually a broken search path.',
    run: (c, emit) => { for (const o of objects(c)) if (o.setuid && /\$\{?ORIGIN/.test(`${o.rpath ?? ''}:${o.runpath ?? ''}`)) emit(o.id, '$ORIGIN in the search path of a set-user-ID/set-group-ID program'); } },
  { id: 'LG013', title: 'unreadable or refused object', severity: 'error', scope: 'program', reference: 'docs/reliability.md',
    help: 'The object is truncated or corrupt, or the kernel or ld.so would refuse it: loading fails or faults, and the hardening columns of what could not be read are not graded.',
    run: (c, emit) => {
      // A missing version or symbol is not an object that cannot be read: LG108 alone says the program cannot start.
      if (c.g.fatal && c.g.fatal.stage !== 'versions' && c.g.fatal.stage !== 'cpu' && c.g.fatal.stage !== 'relocation') emit(c.g.fatal.object, `loading would fail: ${c.g.fatal.message}`);
      for (const o of c.g.objects) if (o.diagnostics?.length) emit(o.id, `not graded, could not be read whole: ${o.diagnostics.join('; ')}`);
    } },
  { id: 'LG014', title: 'x86 ISA level', severity: 'warning', scope: 'object', reference: 'GNU_PROPERTY_X86_ISA_1_NEEDED; glibc sysdeps/x86/dl-prop.h dl_isa_level_check',
    help: 'The object needs an x86-64 ISA level beyond the baseline (ld -z x86-64-v2/v3/v4, or a glibc built for one): on a CPU without it ld.so stops every program that loads it ("CPU ISA level is lower than required").',
    run: (c, emit) => { for (const o of c.g.objects) if (o.x86IsaNeeded) emit(o.id, `needs ${o.x86IsaNeeded.join(', ')}: a CPU without ${o.x86IsaNeeded.length > 1 ? 'them' : 'it'} cannot start a program that loads it`); } },
  { id: 'LG100', title: 'closure size', severity: 'warning', scope: 'program', reference: 'policy maxObjects',
    help: 'Every object in the closure can run code at load time; the budget keeps the closure small.',
    run: (c, emit) => {
      const n = c.g.objects.filter((o) => o.kind === 'library' || o.kind === 'interp').length + 1;
      if (n > c.policy.maxObjects) emit(null, `${n} objects in the closure, over the budget of ${c.policy.maxObjects}`, [], c.name(programOf(c.g).id));
    } },
  { id: 'LG101', title: 'load-time code', severity: 'warning', scope: 'program', reference: 'docs/load-time-code.md',
    help: 'Objects that run their own code before main (real constructors, IFUNC resolvers) beyond the allow-list.',
    run: (c, emit) => {
      for (const o of c.g.loadTime?.objects ?? []) {
        if (!o.realConstructors && !o.ifuncAtLoad) continue;
        if (c.policy.allowLoadTimeCode.includes(c.name(o.id))) continue;
        emit(o.id, `runs its own code at load time: ${[o.realConstructors ? `${o.realConstructors} real constructor(s)` : '', o.ifuncAtLoad ? `${o.ifuncAtLoad} IFUNC resolver call(s)` : ''].filter(Boolean).join(', ')}`);
      }
    } },
  { id: 'LG102', title: 'costly edge', severity: 'warning', scope: 'program', reference: 'loadgraph why; docs/suggestions.md',
    help: 'An edge used for only a few symbols that alone brings in many objects: a candidate for a native replacement.',
    run: (c, emit) => {
      for (const u of c.a?.edges ?? []) {
        if (u.unused || u.symbols.length > c.policy.costlyEdge.maxSymbols) continue;
        const cost = edgeCost(c.g, u.edge, c.g.loadTime ?? null);
        if (cost.removes.length < c.policy.costlyEdge.minObjects) continue;
        // Located at the object whose DT_NEEDED would change, as LG103's.
        emit(u.from, `${c.name(u.from)} → ${c.name(u.to)} is used for ${u.symbols.map((s) => s.name).join(', ')} and alone brings in ${cost.removes.length} objects`,
          [`removing it removes ${cost.removes.map(c.name).join(', ')}`], `${c.name(u.from)} → ${c.name(u.to)}`);
      }
    } },
  { id: 'LG103', title: 'unused direct dependency', severity: 'note', scope: 'program', reference: 'ldd -u',
    help: 'A DT_NEEDED the program binds nothing from: it loads (and runs the load-time code of) a library for nothing.',
    run: (c, emit) => {
      // A need of a filter whose filtee provides what the program binds is what brings that filtee in.
      for (const u of c.a?.edges ?? []) if (u.unused && !u.filtees && c.g.objects.find((o) => o.id === u.from)?.kind === 'program') emit(u.from, `${c.name(u.from)} needs ${c.name(u.to)} but uses nothing from it`, [], `${c.name(u.from)} → ${c.name(u.to)}`);
    } },
  { id: 'LG104', title: 'preload and audit libraries', severity: 'warning', scope: 'program', reference: 'ld.so(8): LD_PRELOAD, /etc/ld.so.preload, DT_AUDIT',
    help: 'Preloaded and audit libraries run code in every process; audit libraries even under ldd.',
    run: (c, emit) => {
      for (const e of c.g.edges) if (edgeSource(e.kind).preload && e.to !== null) emit(e.to, `preloaded: ${e.name}`);
      for (const o of c.g.loadTime?.objects ?? []) if (o.audit.length) emit(o.id, `names audit libraries: ${o.audit.join(', ')}`);
    } },
  KNOWN_BAD_BY_NAME,
  { id: 'LG106', title: 'denied library', severity: 'error', scope: 'program', reference: 'policy deny',
    help: 'The policy says this program must not load this library (e.g. "sshd must not reach liblzma.so.5"); with "runtime": true, not even after start-up (a dlopen note, a PAM module, an NSS service).',
    run: (c, emit) => {
      const prog = c.g.program.slice(c.g.program.lastIndexOf('/') + 1);
      for (const d of c.policy.deny) {
        if (d.program && d.program !== prog && d.program !== c.g.program) continue;
        const o = c.g.objects.find((x) => (x.kind === 'library' || x.kind === 'interp') && (x.soname === d.library || x.names.includes(d.library)));
        if (o) emit(o.id, `${prog} loads ${d.library}, which the policy denies`, [whyPath(c, o.id)]);
        else if (d.runtime) {
          const later = runtimeWhy(c.g, d.library);
          if (!later) continue;
          emit(null, `${prog} may load ${d.library} at run time, which the policy denies`, [`run-time path: ${runtimeChain(c.g, later.path)}`], d.library);
        }
      }
    } },
  KNOWN_BAD_CODE,
  { id: 'LG108', title: 'cannot start', severity: 'error', scope: 'program', reference: 'glibc rtld.c dl_main, elf/dl-version.c _dl_check_all_versions, elf/dl-lookup.c _dl_lookup_symbol_x; execve(2) ENOENT',
    help: 'The program does not start: a needed library is not found, ld.so stops with a fatal error, a required symbol version is missing from its provider, a symbol bound at start is defined nowhere, or the kernel cannot run its PT_INTERP.',
    run: (c, emit) => {
      if (c.g.fatal) emit(c.g.fatal.object, `cannot start: ${c.g.fatal.message}`);
      for (const o of missingAtStart(c.g)) emit(o.loader, `cannot start: ${o.name} not found`);
    } },
];

/** The shortest chain of names from the program to an object, with what the last hop is used for. */
function whyPath(c: Context, id: number): string {
  const hops = shortestPaths(c.g).get(id) ?? [];
  const chain = [c.name(programOf(c.g).id), ...hops.map((ei) => c.name(c.g.edges[ei]!.to!))].join(' → ');
  const last = hops.map((ei) => c.a?.edges.find((u) => u.edge === ei)).filter(Boolean).map((u) => `${c.name(u!.from)} → ${c.name(u!.to)} used for ${u!.symbols.map((s) => s.name).join(', ') || 'nothing'}`);
  return [`path: ${chain}`, ...last].join('; ');
}

export const PRESETS: Readonly<Record<Policy['preset'], Policy>> = {
  default: {
    preset: 'default', rules: {}, maxObjects: 100,
    allowLoadTimeCode: ['libc.so.6', 'ld-linux-x86-64.so.2', 'ld-linux-aarch64.so.1', 'ld-linux-armhf.so.3', 'ld-linux.so.2', 'ld64.so.1', 'ld64.so.2', 'ld.so.1', 'libstdc++.so.6', 'libgcc_s.so.1'],
    costlyEdge: { maxSymbols: 3, minObjects: 3 }, deny: [], waivers: [],
    knownBad: [{ library: 'liblzma.so.5', versions: ['5.6.0', '5.6.1'], id: 'CVE-2024-3094' }],
  },
  strict: {
    preset: 'strict', rules: { LG002: 'warning', LG006: 'warning', LG007: 'warning', LG008: 'warning', LG103: 'warning' }, maxObjects: 40,
    allowLoadTimeCode: ['libc.so.6', 'ld-linux-x86-64.so.2', 'ld-linux-aarch64.so.1', 'ld-linux-armhf.so.3', 'ld-linux.so.2', 'ld64.so.1', 'ld64.so.2', 'ld.so.1'],
    costlyEdge: { maxSymbols: 5, minObjects: 2 }, deny: [], waivers: [],
    knownBad: [{ library: 'liblzma.so.5', versions: ['5.6.0', '5.6.1'], id: 'CVE-2024-3094' }],
  },
};

/** A policy file (JSON) over its preset; unknown keys and rule ids are errors, not silently ignored. */
export function policyFrom(json: unknown): Policy {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('a policy is a JSON object');
  const p = json as Record<string, unknown>;
  const known = ['preset', 'rules', 'maxObjects', 'allowLoadTimeCode', 'costlyEdge', 'deny', 'waivers', 'knownBad'];
  for (const k of Object.keys(p)) if (!known.includes(k)) throw new Error(`unknown policy key "${k}" (${known.join(', ')})`);
  const preset = p.preset ?? 'default';
  if (preset !== 'default' && preset !== 'strict') throw new Error(`unknown preset "${String(preset)}" (default, strict)`);
  const base = PRESETS[preset];
  for (const [id, sev] of Object.entries((p.rules as Record<string, unknown>) ?? {})) {
    if (!RULES.some((r) => r.id === id)) throw new Error(`unknown rule "${id}"`);
    if (!['error', 'warning', 'note', 'off'].includes(String(sev))) throw new Error(`rule ${id}: severity must be error, warning, note or off`);
  }
  return {
    ...base,
    ...(p as Partial<Policy>),
    preset,
    rules: { ...base.rules, ...((p.rules as Policy['rules']) ?? {}) },
    allowLoadTimeCode: [...base.allowLoadTimeCode, ...((p.allowLoadTimeCode as string[]) ?? [])],
    knownBad: [...base.knownBad, ...((p.knownBad as Policy['knownBad']) ?? [])],
  };
}

export function runChecks(g: AnalysisResult, h: ReadonlyMap<number, ObjectHardening>, a: Attribution | null, policy: Policy): Finding[] {
  const byId = objectById(g);
  const name = (id: number) => displayName(g, byId.get(id)!);
  const c: Context = { g, h, a, policy, name };
  const out: Finding[] = [];
  for (const rule of RULES) {
    const sev = policy.rules[rule.id] ?? rule.severity;
    if (sev === 'off') continue;
    rule.run(c, (id, message, evidence = [], subject, region) => {
      const subj = subject ?? name(id ?? programOf(g).id);
      if (policy.waivers.some((w) => w.rule === rule.id && (!w.object || w.object === subj))) return;
      out.push({ rule: rule.id, severity: sev, subject: subj, path: id === null ? null : byId.get(id)?.realPath ?? byId.get(id)?.path ?? null, message, evidence, ...(region ? { region } : {}) });
    });
  }
  return out;
}

/** One program's check: each object's hardening facts under its display name, and the findings. */
export interface CheckedProgram {
  readonly program: string;
  readonly objects: ReadonlyArray<ObjectHardening & { readonly name: string; readonly indicators?: ReadonlyArray<Omit<ContentCheck, 'id'>> }>;
  readonly findings: readonly Finding[];
}

/** The checklist over one program's result: findings (only those not in `baseline`, when given) and the per-object table. */
export function checkProgram(file: string, g: AnalysisResult, h: ReadonlyMap<number, ObjectHardening>, a: Attribution | null, policy: Policy, baseline: readonly Finding[] | null): CheckedProgram {
  let findings = runChecks(g, h, a, policy);
  if (baseline) findings = newSince(findings, baseline);
  const byId = objectById(g);
  const contentOf = (id: number) => (g.indicators ?? []).filter((x) => x.id === id).map(({ id: _, ...x }) => x);
  return { program: file, objects: [...h.values()].map((o) => ({ ...o, name: displayName(g, byId.get(o.id)!), indicators: contentOf(o.id) })), findings };
}

/** `check --format json`: the policy applied and every program's result. */
export const checkDocument = (policy: Policy, programs: readonly CheckedProgram[], knownBadCode: readonly KnownBadObject[] = []) => ({ schema: 'loadgraph.check/1' as const, policy, programs, knownBadCode });

/** Findings not in a baseline (a previous `check --format json` output), matched by rule, subject and message. */
export function newSince(findings: readonly Finding[], baseline: readonly Finding[]): Finding[] {
  const seen = new Set(baseline.map((f) => `${f.rule}\0${f.subject}\0${f.message}`));
  return findings.filter((f) => !seen.has(`${f.rule}\0${f.subject}\0${f.message}`));
}
