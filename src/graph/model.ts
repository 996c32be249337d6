// The loader's output, serialisable: the load graph: objects in the loader's object-list order, edges with the reason each
// name was resolved and the ordered list of places tried. Everything here is JSON-safe.

export const GRAPH_SCHEMA = 'loadgraph.graph/1';

export type ObjectKind = 'program' | 'interp' | 'vdso' | 'library' | 'missing';

export interface GraphObject {
  readonly id: number;
  readonly kind: ObjectKind;
  /** The first name it was requested by (what ldd prints before "=>"). */
  readonly name: string;
  /** Every name that resolved to it (DT_NEEDED strings, preload names, SONAME once matched). */
  readonly names: string[];
  /** glibc's l_name: the path string that was opened, as built (not canonical); null for the vDSO and missing objects. */
  readonly path: string | null;
  /** The same file with every symbolic link resolved, inside the root. */
  readonly realPath: string | null;
  readonly soname: string | null;
  readonly class: 32 | 64 | null;
  readonly machine: number | null;
  /** The object whose request first mapped it (l_loader). */
  readonly loader: number | null;
  readonly needed: readonly string[];
  readonly rpath: string | null;
  readonly runpath: string | null;
  readonly nodeflib: boolean;
  readonly size: number | null;
  /** Hardening-relevant facts and FDO notes (null for the vDSO and missing objects). */
  readonly summary: import('../elf/summary.js').ObjectSummary | null;
  /** The x86 ISA levels it needs beyond the baseline every x86-64 CPU has (GNU_PROPERTY_X86_ISA_1_NEEDED, as ld.so reads it); absent when none. */
  readonly x86IsaNeeded?: readonly string[];
  /** What could not be read of the object, or what the loader would refuse in it; absent when nothing. */
  readonly diagnostics?: readonly string[];
}

export type SourceKind = 'rpath' | 'LD_LIBRARY_PATH' | 'runpath' | 'ld.so.cache' | 'ld.so.conf' | 'system-dir' | 'path' | 'interp';

export type Outcome =
  | 'accepted'
  | 'missing' // ENOENT
  | 'no-access' // EACCES
  | 'wrong-class'
  | 'wrong-machine'
  | 'nodeflib' // a cache hit under a system dir, dropped for DF_1_NODEFLIB
  | 'not-setuid' // secure-mode preload that is not set-user-ID
  | 'abandons-list' // another errno: glibc's open_path gives up on the rest of this list
  | 'fatal';

export interface Candidate {
  readonly path: string;
  readonly source: SourceKind;
  /** For rpath/runpath: the object whose tag it came from. */
  readonly owner?: number;
  readonly outcome: Outcome;
  readonly detail?: string;
}

export type Reason =
  | { readonly kind: 'already-loaded'; readonly by: 'name' | 'soname' | 'file' }
  | { readonly kind: Exclude<SourceKind, 'interp'>; readonly owner?: number }
  | { readonly kind: 'interp' | 'vdso' | 'not-found' | 'fatal' };

export type EdgeKind = 'needed' | 'preload' | 'filter' | 'auxiliary' | 'dlopen' | 'pam' | 'nss';

/** Why a run-time edge exists: the dlopen note, PAM lines or nsswitch.conf databases that ask for it. */
export type Provenance =
  | { readonly kind: 'dlopen'; readonly feature: string | null; readonly description: string | null; readonly priority: 'required' | 'recommended' | 'suggested'; readonly sonames: readonly string[] }
  | { readonly kind: 'pam'; readonly service: string; readonly lines: ReadonlyArray<{ readonly stack: string; readonly type: string; readonly control: string; readonly module: string; readonly silent: boolean; readonly via: readonly string[] }> }
  | { readonly kind: 'nss'; readonly service: string; readonly databases: readonly string[]; readonly via: readonly string[] };

export interface GraphEdge {
  readonly from: number;
  /** null when nothing was found (the loader's "not found" placeholder) or the search was fatal. */
  readonly to: number | null;
  readonly kind: EdgeKind;
  /** The string as written in DT_NEEDED (or the preload list). */
  readonly name: string;
  /** After $ORIGIN/$LIB/$PLATFORM expansion. */
  readonly expanded: string;
  readonly reason: Reason;
  readonly trace: readonly Candidate[];
  /** Run-time edges only: what asks for the load. */
  readonly provenance?: Provenance;
  /** Why the load failed where the process goes on: a run-time dlopen() (ld.so's error for it), or an auxiliary filtee passed by at start. */
  readonly error?: string;
}

/**
 * What the process may load after start-up (dlopen notes, PAM modules, NSS services) and those objects'
 * own closures. Never part of the start-up graph: its objects continue the start-up ids, and its edges
 * point at start-up objects only when a run-time load finds one already loaded.
 */
export interface RuntimeGraph {
  readonly objects: readonly GraphObject[];
  readonly edges: readonly GraphEdge[];
  readonly warnings: readonly string[];
}

export interface ResolvedEnv {
  readonly root: string;
  readonly cwd: string;
  readonly arch: string;
  readonly interp: string;
  /** The loader's glibc release ("2.41"), from its version banner; null when it has none (older than 2.33, or not read): 2.36's rules are applied. */
  readonly release: string | null;
  readonly vdso: string | null;
  readonly systemDirs: readonly string[];
  readonly lib: string;
  readonly platform: string;
  readonly hwcaps: readonly string[];
  readonly legacyHwcaps: readonly string[];
  readonly libraryPath: string | null;
  readonly preload: string | null;
  readonly preloadFile: readonly string[];
  readonly secure: boolean;
  readonly cache: { readonly kind: 'ld.so.cache'; readonly format: string; readonly entries: number } | { readonly kind: 'ld.so.conf'; readonly dirs: readonly string[] } | { readonly kind: 'none' };
}

/** One report of glibc's version check (elf/dl-version.c match_symbol, _dl_check_map_versions). */
export interface VersionProblem {
  /** The object whose DT_VERNEED asks for the version, and the object that should define it. */
  readonly requester: number;
  readonly provider: number | null;
  readonly version: string | null;
  /**
   * 'not-found': fatal; 'weak-not-found' (VER_FLG_WEAK) and 'no-version-information' (provider has no
   * DT_VERDEF): warnings only; 'unsupported-verdef': fatal; 'relr-without-abi-version': fatal at once.
   */
  readonly kind: 'not-found' | 'weak-not-found' | 'no-version-information' | 'unsupported-verdef' | 'unsupported-verneed' | 'relr-without-abi-version';
  readonly fatal: boolean;
  /** "OBJECT: text", as ld.so prints it after the program's name. */
  readonly message: string;
}

export interface LoadGraph {
  readonly schema: typeof GRAPH_SCHEMA;
  readonly program: string;
  /** 'static': no PT_DYNAMIC, nothing is loaded; 'no-needs': PT_DYNAMIC but no DT_NEEDED (static-pie, or a leaf library). */
  readonly linkage: 'dynamic' | 'no-needs' | 'static';
  readonly env: ResolvedEnv;
  /** The object list in link-map order (what ldd prints, after the program). */
  readonly objects: readonly GraphObject[];
  readonly edges: readonly GraphEdge[];
  /** The global scope: the breadth-first search list, placeholders left out. */
  readonly searchList: readonly number[];
  /**
   * What stops the program from starting; the graph up to that point is still here. stage 'exec': the
   * kernel cannot run its PT_INTERP; 'load' (or absent): ld.so's fatal error while mapping; 'abort': ld.so
   * stops abruptly, in every mode and with nothing more printed — one of its own assertions fails while
   * mapping or checking versions ("Inconsistency detected by ld.so" on stderr), or the version check
   * faults, or its dependency walk overflows the stack (filters that lead back to each other);
   * 'versions': _dl_check_all_versions found a version a requester needs missing from its provider;
   * 'cpu': an object needs an x86 ISA level the CPU lacks (checked after ldd's list, before relocating);
   * 'relocation': relocating at start fails — ld.so reads a table through a missing tag (the loader), or a
   * strong reference bound at start is defined nowhere in its scope, or a versioned one reaches an
   * unversioned object its DT_VERNEED names and check_match's assertion aborts (the analyses' full binding
   * only), or, relocation done, libc.so.6 has no __libc_early_init for ld.so to call.
   */
  readonly fatal: { readonly message: string; readonly object: number | null; readonly stage?: 'exec' | 'load' | 'abort' | 'versions' | 'cpu' | 'relocation' } | null;
  /** _dl_check_all_versions' reports, in the order ld.so prints them (absent when the check did not run). */
  readonly versionCheck?: readonly VersionProblem[];
  readonly warnings: readonly string[];
  /** Present unless run-time sources were turned off (--no-runtime). */
  readonly runtime?: RuntimeGraph;
}
