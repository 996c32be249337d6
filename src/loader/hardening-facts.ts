// Per-object facts for `check`, read through the FileSystem port: the load-time summary and header facts
// the graph already has, the imports (stack protector, FORTIFY) and GNU property note (CET/BTI), the
// search-path directories as the root has them, version evidence.
import * as C from '../elf/constants.js';
import { type ElfImage, dynValue } from '../elf/image.js';
import { type GnuProperties, decodeGnuProperties, readNotes } from '../elf/notes.js';
import type { ByteSource } from '../elf/source.js';
import { summarize } from '../elf/summary.js';
import { DynamicSymbols, LookupKey } from '../elf/symtab.js';
import type { LoadGraph } from '../graph/model.js';
import { originOf } from './dst.js';
import type { FileSystem } from './fs.js';

/** What check knows of each object beyond the graph, read from the object's own bytes and the root. */
export interface ObjectHardening {
  readonly id: number;
  readonly type: 'executable' | 'pie' | 'library';
  readonly relro: 'none' | 'partial' | 'full';
  readonly bindNow: boolean;
  readonly nxStack: boolean;
  /** PT_LOAD segments both writable and executable. */
  readonly wxSegments: number;
  readonly textrel: boolean;
  readonly canary: boolean;
  /** Fortified (_chk) functions imported, and fortifiable ones imported unfortified. */
  readonly fortified: readonly string[];
  readonly fortifiable: readonly string[];
  /** x86: IBT and SHSTK; AArch64: BTI and PAC; null when the architecture has neither. */
  readonly cfi: { readonly kind: 'x86' | 'aarch64'; readonly features: readonly string[] } | null;
  readonly rpath: string | null;
  readonly runpath: string | null;
  /** RPATH/RUNPATH directories as the loader expands them, with what the root says of each. */
  readonly pathDirs: ReadonlyArray<{ readonly dir: string; readonly problem: 'relative' | 'empty' | 'missing' | 'world-writable' | null }>;
  readonly setuid: boolean;
  /** Version evidence: the real file name, the FDO package note, the root's package database. */
  readonly version: { readonly file: string | null; readonly package: string | null; readonly dpkg: string | null };
}

/** libc functions with a fortified __*_chk variant (glibc debug/ and include/bits/*-fortified.h). */
/** The stack protector's symbols: imported by an object built with canaries, defined by the libc that provides them (its own functions call them directly). */
const CANARY = ['__stack_chk_fail', '__stack_chk_guard'].map((name) => ({ name, key: LookupKey.of(name) }));

const FORTIFIABLE = new Set(['memcpy', 'memmove', 'mempcpy', 'memset', 'strcpy', 'stpcpy', 'strncpy', 'stpncpy', 'strcat', 'strncat',
  'sprintf', 'snprintf', 'vsprintf', 'vsnprintf', 'printf', 'fprintf', 'vprintf', 'vfprintf', 'dprintf', 'vdprintf', 'asprintf', 'vasprintf',
  'gets', 'fgets', 'fgets_unlocked', 'fread', 'fread_unlocked', 'read', 'pread', 'pread64', 'recv', 'recvfrom', 'readlink', 'readlinkat',
  'realpath', 'getcwd', 'getwd', 'confstr', 'getgroups', 'ttyname_r', 'getlogin_r', 'gethostname', 'getdomainname', 'wcscpy', 'wcsncpy',
  'wcscat', 'wcsncat', 'wmemcpy', 'wmemmove', 'wmemset', 'swprintf', 'fwprintf', 'wprintf', 'mbstowcs', 'wcstombs', 'wcrtomb', 'ptsname_r',
  'poll', 'ppoll', 'syslog', 'vsyslog', 'longjmp', 'explicit_bzero', 'obstack_printf', 'fdelt']);

export function readHardening(fs: FileSystem, g: LoadGraph, images: ReadonlyMap<number, ElfImage>, dpkg: ReadonlyMap<string, string>): Map<number, ObjectHardening> {
  const out = new Map<number, ObjectHardening>();
  const programMode = g.objects[0]?.path ? fs.stat(abs(g.objects[0].path, g.env.cwd)) : null;
  for (const o of g.objects) {
    if ((o.kind !== 'program' && o.kind !== 'library' && o.kind !== 'interp') || !o.path || !images.get(o.id)) continue;
    // Facts that could not be read are not graded (LG013 says why).
    if (o.diagnostics?.length) continue;
    const f = fs.open(abs(o.path, g.env.cwd));
    if (!f.ok) continue;
    try {
      const img = images.get(o.id)!;
      // RELRO, BIND_NOW, the stack and TEXTREL were summarised once, at load; only the imports and the GNU property note are read here.
      const summary = o.summary ?? summarize(img, []);
      const syms = DynamicSymbols.read(f.value, images.get(o.id)!);
      const imports = new Set<string>();
      for (let i = 1; i < (syms?.count ?? 0); i++) if (syms!.shndx(i) === C.SHN_UNDEF) imports.add(syms!.name(i));
      const fortified = [...imports].filter((s) => /^__\w+_chk$/.test(s)).sort();
      const fortifiable = [...imports].filter((s) => FORTIFIABLE.has(s)).sort();
      const h = img.header;
      const pie = h.type === C.ET_DYN && (((dynValue(img, C.DT_FLAGS_1) ?? 0) & C.DF_1_PIE) !== 0 || (o.kind === 'program' && img.interp !== null));
      const wx = img.segments.filter((s) => s.type === C.PT_LOAD && (s.flags & C.PF_W) && (s.flags & C.PF_X)).length;
      const x86 = h.machine === C.EM_X86_64 || h.machine === C.EM_386;
      const arm64 = h.machine === C.EM_AARCH64;
      const gp = x86 || arm64 ? gnuProperties(f.value, img) : null;
      out.set(o.id, {
        id: o.id,
        type: o.kind === 'program' ? (h.type === C.ET_EXEC ? 'executable' : pie ? 'pie' : 'library') : 'library',
        relro: summary.relro,
        bindNow: summary.bindNow,
        nxStack: !summary.execStack,
        wxSegments: wx,
        textrel: summary.textrel,
        canary: CANARY.some((k) => imports.has(k.name) || (syms?.lookup(k.key) ?? []).some((i) => syms!.shndx(i) !== C.SHN_UNDEF)),
        fortified, fortifiable,
        cfi: x86 ? { kind: 'x86', features: gp?.x86Features ?? [] } : arm64 ? { kind: 'aarch64', features: gp?.aarch64Features ?? [] } : null,
        rpath: o.rpath, runpath: o.runpath,
        pathDirs: [o.rpath, o.runpath].filter((x): x is string => x !== null).flatMap((p) => p.split(':')).map((dir) => ({ dir, problem: problemOf(fs, dir, o.path!, g.env.cwd) })),
        setuid: o.kind === 'program' && programMode?.ok === true && (programMode.value.mode & 0o6000) !== 0,
        version: { file: o.realPath ? base(o.realPath) : null, package: o.summary?.package ?? null, dpkg: o.realPath ? dpkg.get(base(o.realPath)) ?? null : null },
      });
    } finally {
      f.value.close();
    }
  }
  return out;
}

/** The (last) GNU property note's decoded features, as readelf -n shows them. */
function gnuProperties(src: ByteSource, img: ElfImage): GnuProperties | null {
  let gp: GnuProperties | null = null;
  for (const n of readNotes(src, img, [])) {
    if (n.owner === 'GNU' && n.type === C.NT_GNU_PROPERTY_TYPE_0) gp = decodeGnuProperties(n.desc, img.header.endian === 'little', img.header.class === 64, img.header.machine);
  }
  return gp;
}

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const abs = (p: string, cwd: string) => (p.startsWith('/') ? p : `${cwd.replace(/\/+$/, '')}/${p}`);

function problemOf(fs: FileSystem, dir: string, objectPath: string, cwd: string): 'relative' | 'empty' | 'missing' | 'world-writable' | null {
  if (dir === '') return 'empty';
  const expanded = dir.replace(/\$\{ORIGIN\}|\$ORIGIN(?![A-Za-z0-9_])/g, originOf(objectPath, cwd));
  if (!expanded.startsWith('/')) return 'relative';
  if (/\$/.test(expanded)) return null; // $LIB/$PLATFORM: checked by the loader's own expansion
  const st = fs.stat(expanded);
  if (!st.ok) return 'missing';
  return (st.value.mode & 0o002) !== 0 ? 'world-writable' : null;
}

/** What a run keeps of the root's dpkg database: package versions, and each file name looked up (null: in no package). */
export interface DpkgCache {
  versions?: Map<string, string> | null;
  lists?: readonly string[];
  readonly found: Map<string, string | null>;
}

/**
 * Installed package versions by file name, from the root's dpkg database (only for the given files). The
 * database is read once per run (`cache`): every program of a whole-root check that loads liblzma asks.
 */
export function dpkgVersions(fs: FileSystem, files: readonly string[], cache: DpkgCache = { found: new Map() }): Map<string, string> {
  const missing = new Set(files.filter((f) => !cache.found.has(f)));
  if (missing.size) findOwners(fs, missing, cache);
  const out = new Map<string, string>();
  for (const f of files) {
    const v = cache.found.get(f);
    if (v != null) out.set(f, v);
  }
  return out;
}

function findOwners(fs: FileSystem, want: ReadonlySet<string>, cache: DpkgCache): void {
  if (cache.versions === undefined) {
    const status = fs.readFile('/var/lib/dpkg/status', 64 << 20);
    const lists = fs.readdir('/var/lib/dpkg/info');
    cache.versions = status.ok && lists.ok ? new Map() : null;
    cache.lists = lists.ok ? lists.value.map((e) => e.name).filter((n) => n.endsWith('.list') && n.startsWith('lib')) : [];
    for (const stanza of status.ok ? new TextDecoder().decode(status.value).split('\n\n') : []) {
      const pkg = /^Package: (.+)$/m.exec(stanza)?.[1];
      const ver = /^Version: (.+)$/m.exec(stanza)?.[1];
      const arch = /^Architecture: (.+)$/m.exec(stanza)?.[1];
      if (pkg && ver) cache.versions?.set(arch && arch !== 'all' ? `${pkg}:${arch}` : pkg, ver), cache.versions?.set(pkg, ver);
    }
  }
  for (const f of want) cache.found.set(f, null);
  if (!cache.versions) return;
  for (const list of cache.lists!) {
    const r = fs.readFile(`/var/lib/dpkg/info/${list}`, 16 << 20);
    if (!r.ok) continue;
    for (const line of new TextDecoder().decode(r.value).split('\n')) {
      if (want.has(base(line))) cache.found.set(base(line), cache.versions.get(list.slice(0, -'.list'.length)) ?? '');
    }
  }
}
