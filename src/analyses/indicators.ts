// Known-bad code by content, not by name: per advisory, the objects it concerns, the published byte
// signatures of the malicious code and the published digests of known malicious builds, each with its
// public source and date. Data, like the rule table: docs/rules.md and SARIF's rule help come from it.
// The loader reads the bytes (loader/content-facts.ts); what they mean is decided here.
// Only what was published is here; a value no public source gives is left out, never guessed.
import { EM_X86_64 } from '../elf/constants.js';
import type { ElfImage } from '../elf/image.js';
import type { LoadGraph } from '../graph/model.js';
import { type ContentCache, type ContentFacts, type Needle, readContent } from '../loader/content-facts.js';
import type { FileSystem } from '../loader/fs.js';

export interface Source {
  readonly what: string;
  readonly url: string;
  /** When it was published (ISO date), as the source gives it. */
  readonly date: string;
}

export interface ByteSignature {
  readonly name: string;
  /** e_machine the bytes are code for; objects of another machine are not searched for them. */
  readonly machine: number;
  readonly arch: string;
  /** The bytes, as hex. */
  readonly hex: string;
  readonly sources: readonly Source[];
}

export interface KnownBuild {
  /** The build, as the sources name it. */
  readonly build: string;
  readonly sha256?: string;
  /** GNU build-id (NT_GNU_BUILD_ID), as hex. */
  readonly buildId?: string;
  readonly sources: readonly Source[];
}

export interface Indicator {
  /** The advisory id; the policy's knownBad entries with the same id are the by-name side. */
  readonly id: string;
  readonly title: string;
  /** The objects whose bytes are checked: by SONAME (or a name they were requested by) or file-name prefix. */
  readonly concerns: { readonly sonames: readonly string[]; readonly filePrefix: string };
  readonly signatures: readonly ByteSignature[];
  readonly builds: readonly KnownBuild[];
  readonly advisories: readonly Source[];
  /** What is knowingly not in the table, and why. */
  readonly gaps?: string;
}

const OSS_SECURITY: Source = {
  what: 'Andres Freund, "backdoor in upstream xz/liblzma leading to ssh server compromise", oss-security; attached detect.sh by Vegard Nossum',
  url: 'https://www.openwall.com/lists/oss-security/2024/03/29/4', date: '2024-03-29',
};
const SIGNATURE_BASE: Source = {
  what: 'Florian Roth, signature-base YARA rule BKDR_XZUtil_Binary_CVE_2024_3094_Mar24_1 (hash1..hash6)',
  url: 'https://github.com/Neo23x0/signature-base/blob/6b8e2a00e5aafcfcfc767f3f53ae986cf81f968a/yara/bkdr_xz_util_cve_2024_3094.yar', date: '2024-03-30',
};

export const INDICATORS: readonly Indicator[] = [
  {
    id: 'CVE-2024-3094',
    title: 'xz-utils 5.6.0/5.6.1 liblzma backdoor',
    concerns: { sonames: ['liblzma.so.5'], filePrefix: 'liblzma.so' },
    signatures: [{
      name: 'detect.sh x86-64 prologue',
      machine: EM_X86_64, arch: 'x86-64',
      hex: 'f30f1efa554889f54c89ce5389fb81e7000000804883ec28488954241848894c2410',
      sources: [OSS_SECURITY, { ...SIGNATURE_BASE, what: `${SIGNATURE_BASE.what}: $xc1, "function signature from detect.sh provided by Vegard Nossum"` }],
    }],
    builds: [
      {
        build: 'Debian xz-utils 5.6.1-1, liblzma5 amd64 (liblzma.so.5.6.1)',
        sha256: '605861f833fc181c7cdcabd5577ddb8989bea332648a8f498b4eef89b8f85ad4',
        sources: [SIGNATURE_BASE, { what: 'xzbot README (A. Weems): shasum of liblzma.so.5.6.1 from snapshot.debian.org/package/xz-utils/5.6.1-1', url: 'https://github.com/amlweems/xzbot', date: 'undated; its examples are dated 2024-03-30' }],
      },
      {
        build: 'Debian unstable/testing liblzma5 in the official Docker images of 2024-03-11 (package version not named by the source)',
        sha256: '319feb5a9cddd81955d915b5632b4a5f8f9080281fb46e2f6d69d53f693c23ae',
        sources: [SIGNATURE_BASE, { what: 'Binarly (T. Haruyama), docker-debian-artifacts issue 246: "All images contain the same backdoor sample"', url: 'https://github.com/debuerreotype/docker-debian-artifacts/issues/246', date: '2025-08-06' }],
      },
      {
        build: 'a backdoored liblzma (Elastic\'s reference sample; the build is not named by the source)',
        sha256: '5448850cdc3a7ae41ff53b433c2adbd0ff492515012412ee63a40d2685db3049',
        sources: [SIGNATURE_BASE, { what: 'Elastic Security Labs, "500ms to midnight: XZ / liblzma backdoor", YARA Linux_Trojan_XZBackdoor reference_sample', url: 'https://www.elastic.co/security-labs/500ms-to-midnight', date: '2024-04-05' }],
      },
      {
        build: 'a backdoored liblzma (the build is not named by the source)',
        sha256: '8fa641c454c3e0f76de73b7cc3446096b9c8b9d33d406d38b8ac76090b0344fd',
        sources: [SIGNATURE_BASE, { what: 'Costin Raiu, YARA rule unk_liblzma_backdoor', url: 'https://github.com/craiu/yararules/blob/68bc7e129467d2c027f06918f28c3196e5c684a1/files/unk_liblzma_backdoor.yara', date: '2024-03-30' }],
      },
    ],
    advisories: [
      OSS_SECURITY,
      { what: 'Debian security announcement, xz-utils: compromised packages from 5.5.1alpha-0.1 up to and including 5.6.1-1, reverted as 5.6.1+really5.4.5-1', url: 'https://lists.debian.org/debian-security-announce/2024/msg00057.html', date: '2024-03-29' },
      { what: 'Red Hat blog, urgent security alert for Fedora 41 and Rawhide users (5.6.0 and 5.6.1)', url: 'https://www.redhat.com/en/blog/urgent-security-alert-fedora-41-and-rawhide-users', date: '2024-03-29' },
      { what: 'Arch Linux news, "The xz package has been backdoored"; ASA-202403-1', url: 'https://archlinux.org/news/the-xz-package-has-been-backdoored/', date: 'cited by 2024-03-30' },
    ],
    gaps: 'No GNU build-id of a malicious build, and no SHA-256 of the Fedora, openSUSE, Arch or Kali builds, was found published with a citable source, so none is listed; their code is still caught by the signature. The two digests some rules also list for liblzma_la-crc64-fast.o (the injected object file) are left out: an object file is never loaded.',
  },
];

/** Does the indicator concern an object with these names (SONAME, requested names, file names)? */
export function concerns(ind: Indicator, names: ReadonlyArray<string | null>): boolean {
  return names.some((n) => n !== null && (ind.concerns.sonames.includes(n) || n.startsWith(ind.concerns.filePrefix)));
}

/** What was verified in one object's bytes for one indicator. */
export interface ContentCheck {
  /** The graph object (a saved result keeps it with the graph). */
  readonly id: number;
  readonly indicator: string;
  readonly path: string;
  /** null: not digested, the file being larger than any build (loader/content-facts.ts MAX_CONTENT). */
  readonly sha256: string | null;
  readonly buildId: string | null;
  /** Signatures published for this object's machine, and the executable PT_LOAD bytes searched for them. */
  readonly signatures: number;
  readonly segments: number;
  readonly bytes: number;
  readonly matches: readonly ContentMatch[];
}

export type ContentMatch =
  | { readonly kind: 'signature'; readonly name: string; readonly arch: string; readonly offset: number; readonly length: number; readonly vaddr: number; readonly sources: readonly Source[] }
  | { readonly kind: 'sha256' | 'build-id'; readonly build: string; readonly value: string; readonly sources: readonly Source[] };

const needleKey = (ind: Indicator, sig: ByteSignature) => `${ind.id}\0${sig.name}`;

/** The byte strings the loader looks for in an object the indicators concern. */
export const needlesOf = (inds: readonly Indicator[]): Needle[] => inds.flatMap((i) => i.signatures.map((s) => ({ key: needleKey(i, s), machine: s.machine, hex: s.hex })));

/** What the facts of one object's file say for one indicator: signatures found, digests of known builds. Pure. */
export function matchFacts(ind: Indicator, id: number, facts: ContentFacts): ContentCheck {
  const matches: ContentMatch[] = [];
  for (const sig of ind.signatures) {
    const hit = facts.found.find((f) => f.key === needleKey(ind, sig));
    if (hit) matches.push({ kind: 'signature', name: sig.name, arch: sig.arch, offset: hit.offset, length: hit.length, vaddr: hit.vaddr, sources: sig.sources });
  }
  for (const b of ind.builds) {
    if (b.sha256 && b.sha256 === facts.sha256) matches.push({ kind: 'sha256', build: b.build, value: b.sha256, sources: b.sources });
    if (b.buildId && facts.buildId && b.buildId === facts.buildId) matches.push({ kind: 'build-id', build: b.build, value: facts.buildId, sources: b.sources });
  }
  return {
    id, indicator: ind.id, path: facts.path, sha256: facts.sha256, buildId: facts.buildId,
    signatures: ind.signatures.filter((s) => s.machine === facts.machine).length, segments: facts.segments, bytes: facts.bytes, matches,
  };
}

/** Content checks of every object of a graph that an indicator concerns; the cache makes it once per file per run. */
export function checkContent(fs: FileSystem, g: LoadGraph, images: ReadonlyMap<number, ElfImage>, cache: ContentCache = new Map(), indicators: readonly Indicator[] = INDICATORS): ContentCheck[] {
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const out: ContentCheck[] = [];
  for (const o of g.objects) {
    const image = images.get(o.id);
    if (!o.path || !image) continue;
    const wanted = indicators.filter((i) => concerns(i, [o.soname, ...o.names, base(o.path!), o.realPath ? base(o.realPath) : null]));
    if (!wanted.length) continue;
    const open = o.path.startsWith('/') ? o.path : `${g.env.cwd.replace(/\/+$/, '')}/${o.path}`;
    const facts = readContent(fs, open, o.realPath ?? o.path, image, needlesOf(indicators), cache);
    if (facts) for (const ind of wanted) out.push(matchFacts(ind, o.id, facts));
  }
  return out;
}

export const indicatorById = (id: string) => INDICATORS.find((i) => i.id === id);

/** "signature detect.sh x86-64 prologue at file offset 0x24470" or "SHA-256 of the build …". */
export function matchText(m: ContentMatch): string {
  return m.kind === 'signature' ? `signature "${m.name}" (${m.arch}) at file offset 0x${m.offset.toString(16)}` : `${m.kind === 'sha256' ? 'SHA-256' : 'GNU build-id'} ${m.value} of ${m.build}`;
}

/** "contains the CVE-… backdoor code (signature …); it is byte for byte the known malicious build … (…)" */
export function verdictText(x: ContentCheck, cite = false): string {
  return x.matches.map((m) => (m.kind === 'signature'
    ? `contains the ${x.indicator} backdoor code (${matchText(m)}${cite ? `; source: ${m.sources[0]!.what}, ${m.sources[0]!.date}` : ''})`
    : `is byte for byte the known malicious build ${m.build} (${x.indicator}; ${m.kind === 'sha256' ? 'SHA-256' : 'GNU build-id'} ${m.value})`)).join('; it ');
}

export const sourceText = (s: Source) => `${s.what}, ${s.date}, ${s.url}`;
