// The version check ld.so runs once every object is mapped (glibc 2.36 elf/dl-version.c:
// _dl_check_all_versions → _dl_check_map_versions → match_symbol; rtld.c dl_main calls it with verbose
// set, so warnings are printed too). Pure: the mapped objects in link-map order in, the reports out.
import * as C from '../elf/constants.js';
import type { ElfImage } from '../elf/image.js';
import { dynValue } from '../elf/image.js';
import type { SymbolVersions } from '../elf/symbols.js';
import type { VersionProblem } from '../graph/model.js';

export interface VersionedObject {
  readonly id: number;
  /** l_name, as DSO_FILENAME prints it. */
  readonly lName: string;
  /** l_name and l_libname: what _dl_name_match_p compares a vn_file with. */
  readonly names: readonly string[];
  readonly image: ElfImage | null;
  readonly versions: SymbolVersions | null;
  /** A trace-mode "not found" placeholder (l_faked): neither checked nor checked against. */
  readonly faked: boolean;
}

/** _dl_elf_hash ("GLIBC_ABI_DT_RELR") */
const GLIBC_ABI_DT_RELR_HASH = 0xfd0e42;

/** ld.so stopping abruptly during the check (one of its assertions, or a fault): its message, and the object being checked. */
export interface VersionAbort { readonly message: string; readonly requester: number }

/**
 * Every report of `_dl_check_all_versions` over `chain` (the namespace's l_next list). A report with
 * `kind` 'unsupported-verneed' or 'relr-without-abi-version' is signalled outside the receiver, so ld.so
 * stops there; the others are collected and, when one is fatal, ld.so exits after the whole walk. `abort`:
 * the check ended abruptly instead, in an assertion or a fault (the reports before it are printed).
 */
export function checkAllVersions(chain: readonly VersionedObject[]): { problems: VersionProblem[]; abort: VersionAbort | null } {
  const out: VersionProblem[] = [];
  // find_needed: the global list first, by _dl_name_match_p (the requester's own search list only matters for dlopen).
  // The program's l_name is "" at a start (rtld.c dl_main), so an empty name finds it.
  const findNeeded = (name: string) => (name === '' ? chain[0] : chain.find((o) => o.lName === name || o.names.includes(name))) ?? null;
  for (const map of chain) {
    if (map.faked || !map.image || dynValue(map.image, C.DT_STRTAB) === undefined) continue;
    const needs = map.versions?.needs ?? [];
    const hasVerneed = dynValue(map.image, C.DT_VERNEED) !== undefined;
    let relrRef = false;
    if (hasVerneed && needs[0] && needs[0].version !== 1) {
      out.push({ requester: map.id, provider: null, version: null, kind: 'unsupported-verneed', fatal: true, message: `${map.lName}: unsupported version ${needs[0].version} of Verneed record` });
      return { problems: out, abort: null };
    }
    for (const need of hasVerneed ? needs : []) {
      const needed = findNeeded(need.file);
      // glibc asserts that a provider is loaded (in trace mode a missing one has a placeholder, whose versions are not checked).
      if (!needed) return { problems: out, abort: { requester: map.id, message: `${map.lName}: needs versions of ${need.file}, which nothing loads: ld.so aborts on the assertion in _dl_check_map_versions ("Inconsistency detected by ld.so: dl-version.c: ... Assertion \`needed != NULL' failed!")` } };
      if (needed.faked) continue;
      for (const v of need.versions) {
        // match_symbol asserts that a provider's DT_VERDEF is not 0 before reading there.
        if (needed.image && dynValue(needed.image, C.DT_VERDEF) === 0) {
          return { problems: out, abort: { requester: map.id, message: `${needed.lName}: its DT_VERDEF is 0: ld.so aborts on the assertion in match_symbol ("Inconsistency detected by ld.so: dl-version.c: ... Assertion \`def_offset != 0' failed!")` } };
        }
        const p = matchSymbol(map, needed, v.name, v.hash, (v.flags & C.VER_FLG_WEAK) !== 0);
        if (p) out.push(p);
        if (v.hash === GLIBC_ABI_DT_RELR_HASH && v.name === 'GLIBC_ABI_DT_RELR') relrRef = true;
      }
    }
    // Then _dl_check_map_versions points l_versyms at DT_VERSYM for an object with a version index above 0
    // (in its needs or its definitions): without DT_VERSYM that is a read through a null pointer.
    if (dynValue(map.image, C.DT_VERSYM) === undefined && versionIndexUsed(map, hasVerneed)) {
      return { problems: out, abort: { requester: map.id, message: `${map.lName}: version tables without DT_VERSYM: ld.so's version check reads the missing entry through a null pointer (the process would be killed by SIGSEGV)` } };
    }
    // 2.36: an object with DT_RELR that needs libc.so.* by version must also need GLIBC_ABI_DT_RELR.
    if (hasVerneed && map.image.needed.length > 0 && dynValue(map.image, C.DT_RELR) !== undefined && !relrRef &&
        map.image.needed.some((n) => n.startsWith('libc.so.'))) {
      out.push({ requester: map.id, provider: null, version: null, kind: 'relr-without-abi-version', fatal: true, message: `${map.lName}: DT_RELR without GLIBC_ABI_DT_RELR dependency` });
      return { problems: out, abort: null };
    }
  }
  return { problems: out, abort: null };
}

/** Whether the object's DT_VERNEED or DT_VERDEF entries use a version index above 0 (ndx_high > 0). */
function versionIndexUsed(map: VersionedObject, hasVerneed: boolean): boolean {
  if (hasVerneed) for (const need of map.versions?.needs ?? []) for (const v of need.versions) if (v.index > 0) return true;
  if (map.image && dynValue(map.image, C.DT_VERDEF) !== undefined) for (const d of map.versions?.defs ?? []) if ((d.index & 0x7fff) > 0) return true;
  return false;
}

/** match_symbol with verbose set: null when the provider defines the version. */
function matchSymbol(map: VersionedObject, needed: VersionedObject, version: string, hash: number, weak: boolean): VersionProblem | null {
  const report = (kind: VersionProblem['kind'], fatal: boolean, text: string): VersionProblem =>
    ({ requester: map.id, provider: needed.id, version, kind, fatal, message: `${needed.lName}: ${text}` });
  if (!needed.image || dynValue(needed.image, C.DT_VERDEF) === undefined) {
    // Linked against a versioned build of the library, run with an unversioned one: a warning only.
    return report('no-version-information', false, `no version information available (required by ${map.lName})`);
  }
  for (const def of needed.versions?.defs ?? []) {
    if (def.version !== 1) return report('unsupported-verdef', true, `unsupported version ${def.version} of Verdef record`);
    if (def.hash === hash && def.names[0] === version) return null;
  }
  return weak
    ? report('weak-not-found', false, `weak version \`${version}' not found (required by ${map.lName})`)
    : report('not-found', true, `version \`${version}' not found (required by ${map.lName})`);
}
