// Replacement suggestions as data: a rule matches a provider's SONAME and the set of symbols an edge uses
// from it, and says what to do, what it saves (the edge's cost) and where the advice comes from.
// docs/suggestions.md is generated from this table (npm run docs).
import type { LoadGraph } from '../graph/model.js';
import { type Attribution, type EdgeCost, edgeCost } from './attribution.js';
import type { LoadTimeCode } from './load-time.js';

export interface SuggestionRule {
  readonly id: string;
  /** SONAMEs (or requested names) of the provider. */
  readonly providers: readonly string[];
  /** The edge qualifies only when every symbol it uses is one of these; null: any use at all. */
  readonly onlySymbols: readonly string[] | null;
  readonly title: string;
  readonly advice: string;
  readonly source: string;
}

export const SUGGESTION_RULES: readonly SuggestionRule[] = [
  {
    id: 'LGS001',
    providers: ['libsystemd.so.0'],
    onlySymbols: ['sd_notify', 'sd_notifyf', 'sd_pid_notify', 'sd_listen_fds', 'sd_listen_fds_with_names', 'sd_booted', 'sd_watchdog_enabled'],
    title: 'libsystemd used only for the notify/socket-activation protocols',
    advice: 'Implement the protocols natively (under 25 lines each: samples/sd_notify.c, samples/sd_listen_fds.c), as OpenSSH 9.8 did; or require libsystemd ≥ 256, which dlopen()s its compressors instead of linking them (liblzma is then still loaded, at run time, whenever compressed journal data is read or written).',
    source: 'sd_notify(3) and sd_listen_fds(3), "Notes" (the protocol is the stable interface; standalone implementation); systemd v256 NEWS (PR #31550, compression libraries dlopen()ed); OpenSSH 9.8p1 release notes (native sd_notify, commit 08f5792)',
  },
  {
    id: 'LGS002',
    providers: ['libpthread.so.0', 'libdl.so.2', 'libutil.so.1', 'libanl.so.1'],
    onlySymbols: null,
    title: 'a library merged into libc in glibc 2.34',
    advice: 'Since glibc 2.34 these functions live in libc.so.6 and this library is an empty compatibility stub: relink without -lpthread/-ldl/-lutil/-lanl.',
    source: 'glibc 2.34 release announcement and NEWS (libpthread, libdl, libutil and libanl integrated into libc; empty static archives kept for old link lines)',
  },
  {
    id: 'LGS003',
    providers: ['libbsd.so.0'],
    onlySymbols: ['strlcpy', 'strlcat'],
    title: 'libbsd used only for strlcpy/strlcat',
    advice: 'glibc 2.38 provides strlcpy and strlcat in <string.h>; drop libbsd (and its libmd dependency).',
    source: 'glibc 2.38 NEWS (strlcpy and strlcat added, as in POSIX.1-2024)',
  },
  {
    id: 'LGS004',
    providers: ['libattr.so.1'],
    onlySymbols: ['getxattr', 'lgetxattr', 'fgetxattr', 'setxattr', 'lsetxattr', 'fsetxattr', 'listxattr', 'llistxattr', 'flistxattr', 'removexattr', 'lremovexattr', 'fremovexattr'],
    title: 'libattr used only for the xattr system-call wrappers',
    advice: 'Include <sys/xattr.h> and use glibc\'s own wrappers (in libc since glibc 2.3); libattr\'s copies are deprecated.',
    source: 'getxattr(2), setxattr(2), listxattr(2), removexattr(2) (glibc wrappers in <sys/xattr.h>); attr package: libattr\'s <attr/xattr.h> deprecated in favour of <sys/xattr.h>',
  },
  {
    id: 'LGS005',
    providers: ['libuuid.so.1'],
    onlySymbols: ['uuid_generate', 'uuid_generate_random', 'uuid_unparse', 'uuid_unparse_lower'],
    title: 'libuuid used only to make and print random UUIDs',
    advice: 'A version-4 UUID is 16 bytes from getrandom(2) with the version (0100) and variant (10) bits set, printed as 8-4-4-4-12 hex digits: a few lines without libuuid.',
    source: 'RFC 9562 §5.4 (UUID version 4); getrandom(2); uuid_generate(3)',
  },
  {
    id: 'LGS006',
    providers: ['libacl.so.1'],
    onlySymbols: ['acl_extended_file', 'acl_extended_file_nofollow'],
    title: 'libacl used only to test whether a file has an extended ACL',
    advice: 'acl_extended_file is a test for the system.posix_acl_access / system.posix_acl_default extended attributes: getxattr(2) (or lgetxattr) on those names does the same without libacl.',
    source: 'acl_extended_file(3); acl(5) and xattr(7) (access and default ACLs are the system.posix_acl_access and system.posix_acl_default extended attributes)',
  },
];

export interface Suggestion {
  readonly rule: string;
  readonly edge: number;
  readonly from: number;
  readonly to: number;
  readonly title: string;
  readonly advice: string;
  readonly source: string;
  readonly symbols: readonly string[];
  readonly saves: EdgeCost;
}

export function suggest(g: LoadGraph, a: Attribution, loadTime: LoadTimeCode | null, rules: readonly SuggestionRule[] = SUGGESTION_RULES): Suggestion[] {
  const byId = new Map(g.objects.map((o) => [o.id, o]));
  const out: Suggestion[] = [];
  for (const use of a.edges) {
    const to = byId.get(use.to)!;
    for (const r of rules) {
      if (!r.providers.some((p) => p === to.soname || to.names.includes(p))) continue;
      const names = [...new Set(use.symbols.map((s) => s.name))];
      if (r.onlySymbols && (names.length === 0 || !names.every((n) => r.onlySymbols!.includes(n)))) continue;
      out.push({ rule: r.id, edge: use.edge, from: use.from, to: use.to, title: r.title, advice: r.advice, source: r.source, symbols: names, saves: edgeCost(g, use.edge, loadTime) });
    }
  }
  return out;
}

/** The SONAMEs any rule is about: the binder needs every symbol of the edges into them. */
export const suggestionProviders = (rules: readonly SuggestionRule[] = SUGGESTION_RULES) => new Set(rules.flatMap((r) => r.providers));
