// Accepting or rejecting a candidate file, as glibc 2.36's open_verify (elf/dl-load.c) and
// _dl_map_object_from_fd do: some problems skip to the next candidate, others are fatal.
import * as C from '../elf/constants.js';
import { decodeElf } from '../elf/decode.js';
import { type ElfImage, type Note, congruent, dynValue, locate } from '../elf/image.js';
import { wideDec, wideHex, wordsInPlace } from '../elf/kit.js';
import { readNotes, x86IsaNeeded } from '../elf/notes.js';
import { type SymbolVersions, bytesAt, readVersionTables } from '../elf/symbols.js';
import { DynamicSymbols, LookupKey, gnuHashHeader, sysvChainLoop } from '../elf/symtab.js';
import type { ByteSource } from '../elf/source.js';
import type { FileInfo, FsErrno, FileSystem } from './fs.js';
import type { ElfIdentity } from './target.js';

export type Verdict =
  | { kind: 'ok'; image: ElfImage; info: FileInfo; notes: Note[]; versions: SymbolVersions | null; hashAbort: string | null; relativeAbort: string | null; isaNeeded: number; earlyInitFailure: string | null }
  | { kind: 'skip'; outcome: 'missing' | 'no-access' | 'wrong-class' | 'wrong-machine'; detail: string }
  | { kind: 'abandon'; errno: FsErrno; detail?: string }
  | { kind: 'fatal'; message: string };

/** Highest EI_ABIVERSION glibc 2.36 accepts for ELFOSABI_GNU objects (LIBC_ABI_MAX from libc-abis: DEFAULT, UNIQUE, IFUNC, ABSOLUTE). */
const LIBC_ABI_MAX = 4;

/**
 * What the loader reads of an object beyond its headers: its notes, its version lists, whether its hash
 * table stops ld.so when it is mapped, and whether its relative relocations stop it when it is relocated.
 */
export interface ParsedObject {
  readonly image: ElfImage;
  readonly notes: Note[];
  readonly versions: SymbolVersions | null;
  readonly hashAbort: string | null;
  readonly relativeAbort: string | null;
  /** The x86 ISA levels it needs (GNU_PROPERTY_X86_ISA_1_NEEDED bits as ld.so reads them; 0: none). */
  readonly isaNeeded: number;
  /** A libc.so.6 without the __libc_early_init ld.so calls after relocating: what then happens (earlyInitVerdict). */
  readonly earlyInitFailure: string | null;
}

export function parsedObject(src: ByteSource, image: ElfImage): ParsedObject {
  const versions = readVersionTables(src, image);
  return {
    image, notes: readNotes(src, image, []), versions, hashAbort: hashTableVerdict(src, image), relativeAbort: relativePrefixVerdict(src, image),
    isaNeeded: x86IsaNeeded(src, image), earlyInitFailure: earlyInitVerdict(src, image, versions),
  };
}

/** LIBC_SO: the SONAME that makes an object the namespace's libc_map (dl-load.c _dl_map_object_from_fd). */
export const LIBC_SO = 'libc.so.6';

/**
 * After relocating, rtld.c dl_main calls libc_map's __libc_early_init@GLIBC_PRIVATE (glibc 2.32 and later:
 * elf/dl-call-libc-early-init.c), found by _dl_lookup_direct in that object alone; without it ld.so fails
 * an assertion — a libc.so.6 from an older glibc, or another build, run by this ld.so. What happens then,
 * or null (also for any object that is not a libc.so.6). A libc.so.6 without DT_VERDEF is no glibc build
 * (a stand-in): it is left alone — a versioned reference to it fails first, check_match's assertion.
 */
function earlyInitVerdict(src: ByteSource, image: ElfImage, versions: SymbolVersions | null): string | null {
  if (image.soname !== LIBC_SO || dynValue(image, C.DT_VERDEF) === undefined) return null;
  const symbols = DynamicSymbols.read(src, image);
  const at = dynValue(image, C.DT_VERSYM);
  const versym = at === undefined || !symbols ? null : bytesAt(src, image, at, symbols.count * 2, 'DT_VERSYM', []);
  const le = image.header.endian === 'little';
  for (const i of symbols?.lookup(LookupKey.of('__libc_early_init')) ?? []) {
    // dl-lookup-direct.c check_match: a matchable definition, then l_versyms[symidx] read unchecked.
    if (!symbols!.matchable(i)) continue;
    if (versym === null) return 'it defines __libc_early_init but has no DT_VERSYM: ld.so reads its version through a null pointer after relocating (the process would be killed by SIGSEGV)';
    const ndx = i * 2 + 2 <= versym.bytes.length ? new DataView(versym.bytes.buffer, versym.bytes.byteOffset, versym.bytes.byteLength).getUint16(i * 2, le) & 0x7fff : 0;
    const def = versions?.defs.find((d) => (d.index & 0x7fff) === ndx);
    if (def?.names[0] === 'GLIBC_PRIVATE' && def.hash === 0x0963cf85) return null;
  }
  return 'it has no __libc_early_init@GLIBC_PRIVATE, which ld.so calls after relocating: it aborts on the assertion in _dl_call_libc_early_init ("Inconsistency detected by ld.so: dl-call-libc-early-init.c: ...: _dl_call_libc_early_init: Assertion `sym != NULL\' failed!"); a libc.so.6 of glibc before 2.32, or of another build, with this ld.so';
}

/**
 * _dl_setup_hash, run for the program and for each object as it is mapped, asserts that a GNU hash table's
 * bloom filter has a power-of-two number of words: otherwise ld.so aborts there, in every mode (the
 * message; null otherwise). Tables that pass but make do_lookup_x fail get a diagnostic on the object:
 * zero bloom words (every lookup that reaches the object indexes the filter with 0xffffffff, far outside
 * it) and a DT_HASH chain that loops (a lookup that walks it never returns).
 */
function hashTableVerdict(src: ByteSource, image: ElfImage): string | null {
  const loop = sysvChainLoop(src, image);
  if (loop !== null) image.diagnostics.push({ code: 'ELF_BAD_VALUE', structure: 'DT_HASH', message: `the DT_HASH chain of bucket ${loop} loops back on itself: ld.so follows a chain until it ends, so a symbol lookup that walks this one never returns (the process would hang)` });
  const h = gnuHashHeader(src, image);
  if (!h) return null;
  if (h.bloomWords === 0) {
    image.diagnostics.push({ code: 'ELF_BAD_VALUE', structure: 'DT_GNU_HASH', offset: h.offset, message: 'GNU hash table with 0 bloom filter words: ld.so accepts it, then reads far outside it at every symbol lookup that reaches this object (the process would most likely be killed by SIGSEGV)' });
    return null;
  }
  if ((h.bloomWords & (h.bloomWords - 1)) === 0) return null;
  return `its GNU hash table has ${h.bloomWords} bloom filter words, not a power of two: ld.so aborts on the assertion in _dl_setup_hash ("Inconsistency detected by ld.so: dl-setup_hash.c: ... Assertion \`(bitmask_nwords & (bitmask_nwords - 1)) == 0' failed!")`;
}

/** How much of a relocation table relativePrefixVerdict reads at a time, and where (made at the first). */
const CHUNK = 1 << 20;
let scratch: Uint8Array | null = null;

/**
 * elf/do-rel.h elf_dynamic_do_Rel applies the first DT_RELCOUNT/DT_RELACOUNT entries of DT_REL/DT_RELA as
 * relative relocations, and on x86 each one asserts that it is: elf_machine_rel_relative (i386) and
 * elf_machine_rela_relative (x86-64, x32: R_X86_64_RELATIVE64 allowed too; run only when l_addr is not 0,
 * so not for an ET_EXEC program). An entry that is not, among the count, makes ld.so abort when it
 * relocates the object (in a real start; ldd does not relocate). The count is not bounded by the table:
 * entries past it are whatever the mapping holds there. Other ports apply the prefix without looking.
 */
function relativePrefixVerdict(src: ByteSource, image: ElfImage): string | null {
  const h = image.header;
  const i386 = h.machine === C.EM_386;
  if (!i386 && (h.machine !== C.EM_X86_64 || h.type !== C.ET_DYN)) return null;
  const [table, count, entsize, relative] = i386 ? ['DT_REL', dynValue(image, C.DT_RELCOUNT), 8, 'R_386_RELATIVE'] as const
    : ['DT_RELA', dynValue(image, C.DT_RELACOUNT), h.class === 64 ? 24 : 12, 'R_X86_64_RELATIVE'] as const;
  const addr = dynValue(image, i386 ? C.DT_REL : C.DT_RELA) ?? 0;
  if (!count || addr === 0 || !Number.isSafeInteger(addr) || !Number.isSafeInteger(count)) return null;
  const abort = (what: string) => `${table}COUNT is ${count}, but ${what}: relocating it, ld.so aborts on the assertion in elf_machine_${i386 ? 'rel' : 'rela'}_relative ("Inconsistency detected by ld.so: ../sysdeps/${i386 ? 'i386' : 'x86_64'}/dl-machine.h: ...: Assertion \`${i386 ? 'ELF32_R_TYPE' : 'ELFW(R_TYPE)'} (reloc->r_info) == ${relative}' failed!")`;
  const seg = image.segments.find((s) => s.type === C.PT_LOAD && addr >= s.vaddr && addr - s.vaddr < s.memsz);
  if (!seg) return null; // not mapped: elf_get_dynamic_info or the first read faults, as other checks say
  // The entries the file provides there; past them the segment is zero-filled (type 0), then unmapped.
  const inFile = Math.max(0, Math.min(seg.filesz, src.size - seg.offset) - (addr - seg.vaddr));
  const n = Math.min(count, Math.floor(inFile / entsize));
  const le = h.endian === 'little';
  const typeAt = h.class === 64 ? (le ? 8 : 12) : le ? 4 : 7;
  const ok = (type: number) => (i386 ? type === C.R_386_RELATIVE : type === C.R_X86_64_RELATIVE || type === C.R_X86_64_RELATIVE64);
  // In chunks: a large program's prefix runs to tens of megabytes (Chromium: 1.1 million entries), so the
  // 64-bit types are compared as 32-bit words in place where the byte order allows, not through a DataView.
  const per = Math.floor(CHUNK / entsize);
  for (let first = 0; first < n; first += per) {
    const at = seg.offset + (addr - seg.vaddr) + first * entsize, length = Math.min(per, n - first) * entsize;
    // Into one reused buffer where the source copies anyway: fresh megabytes would each be paged in.
    const into = src.readInto ? (scratch ??= new Uint8Array(CHUNK)) : null;
    const bytes = into ? into.subarray(0, src.readInto!(at, into.subarray(0, length))) : src.read(at, length);
    let bad = -1;
    const words = h.class === 64 ? wordsInPlace(bytes, le) : null;
    if (words) {
      for (let w = typeAt >>> 2; w < words.length; w += entsize >>> 2) {
        const type = words[w]!;
        if (type !== C.R_X86_64_RELATIVE && type !== C.R_X86_64_RELATIVE64) {
          bad = (w << 2) - typeAt;
          break;
        }
      }
    } else {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let at = 0; at + entsize <= bytes.length && bad < 0; at += entsize) if (!ok(h.class === 64 ? v.getUint32(at + typeAt, le) : v.getUint8(at + typeAt))) bad = at;
    }
    if (bad >= 0) {
      const v = new DataView(bytes.buffer, bytes.byteOffset + bad, entsize);
      return abort(`entry ${first + bad / entsize} of ${table} has type ${h.class === 64 ? v.getUint32(typeAt, le) : v.getUint8(typeAt)}, not ${relative}`);
    }
  }
  if (count <= n) return null;
  const next = addr + n * entsize;
  return next < seg.vaddr + seg.memsz ? abort(`the file holds only ${n} entries there; entry ${n} is zero-filled memory (type 0)`)
    : `${table}COUNT is ${count}, but the segment holding ${table} ends after ${n} entries: relocating it, ld.so reads past the mapping (the process would be killed by SIGSEGV)`;
}

/** Objects parsed once per run, by file identity (FileInfo.id), shared by every program a run loads. */
export type ObjectCache = Map<string, ParsedObject>;

/** A run's verdicts: each candidate path judged once per target, each object parsed once (files do not change during a run). */
export interface VerifyCache {
  readonly objects: ObjectCache;
  readonly verdicts: Map<string, Verdict>;
  /** The kernel's verdict on each interpreter (interpreterError), by the same key: every program of a run names the same one. */
  readonly interpreters: Map<string, string | null>;
}

export const verdictKey = (path: string, target: ElfIdentity) => `${target.class}${target.endian}${target.machine}:${target.flags}:${path}`;

export function verifyCandidate(fs: FileSystem, path: string, target: ElfIdentity, cache?: VerifyCache): Verdict {
  if (!cache) return verifyOnce(fs, path, target);
  const key = verdictKey(path, target);
  let v = cache.verdicts.get(key);
  if (!v) cache.verdicts.set(key, (v = verifyOnce(fs, path, target, cache.objects)));
  return v;
}

function verifyOnce(fs: FileSystem, path: string, target: ElfIdentity, cache?: ObjectCache): Verdict {
  const f = fs.open(path);
  if (!f.ok) {
    if (f.errno === 'ENOENT') return { kind: 'skip', outcome: 'missing', detail: 'no such file' };
    if (f.errno === 'EACCES') return { kind: 'skip', outcome: 'no-access', detail: 'permission denied' };
    // open() on a directory succeeds and the read then fails, which is fatal (open_verify).
    if (f.errno === 'EISDIR') return { kind: 'fatal', message: 'cannot read file data: Error 21' }; // ld.so prints errno numbers
    // open_path: an open() error other than ENOENT/EACCES ends this search list (a socket: ENXIO).
    if (f.special === 'socket') return { kind: 'abandon', errno: 'ENXIO', detail: 'a socket: open() fails with ENXIO, which ends this search list' };
    if (f.special === 'fifo') return { kind: 'fatal', message: 'is a FIFO: ld.so would block in open() until something writes to it, and read the library from it (loadgraph never opens one)' };
    if (f.special) return { kind: 'fatal', message: `is a ${f.special === 'char-device' ? 'character' : 'block'} device: ld.so would open it and read it as a library (loadgraph does not read devices)` };
    return { kind: 'abandon', errno: f.errno };
  }
  const file = f.value;
  try {
    const ehdrSize = target.class === 64 ? 64 : 52;
    const ident = file.read(0, ehdrSize);
    if (ident.length < ehdrSize) return { kind: 'fatal', message: 'file too short' };
    if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) return { kind: 'fatal', message: 'invalid ELF header' };
    const cls = ident[C.EI_CLASS] === C.ELFCLASS64 ? 64 : ident[C.EI_CLASS] === C.ELFCLASS32 ? 32 : 0;
    if (cls !== target.class) return { kind: 'skip', outcome: 'wrong-class', detail: `wrong ELF class: ELFCLASS${cls || ident[C.EI_CLASS]}` };
    const le = ident[C.EI_DATA] === C.ELFDATA2LSB;
    if ((le ? 'little' : 'big') !== target.endian || (ident[C.EI_DATA] !== C.ELFDATA2LSB && ident[C.EI_DATA] !== C.ELFDATA2MSB)) {
      return { kind: 'fatal', message: `ELF file data encoding not ${target.endian}-endian` };
    }
    if (ident[C.EI_VERSION] !== C.EV_CURRENT) return { kind: 'fatal', message: 'ELF file version ident does not match current one' };
    const osabi = ident[C.EI_OSABI]!;
    const abiOk = osabi === C.ELFOSABI_SYSV || osabi === C.ELFOSABI_GNU || (target.machine === C.EM_ARM && osabi === C.ELFOSABI_ARM);
    if (!abiOk) return { kind: 'fatal', message: 'ELF file OS ABI invalid' };
    const abiVersion = ident[C.EI_ABIVERSION]!;
    if (!(abiVersion === 0 || (osabi === C.ELFOSABI_GNU && abiVersion < LIBC_ABI_MAX))) return { kind: 'fatal', message: 'ELF file ABI version invalid' };
    if (!ident.subarray(9, 16).every((b) => b === 0)) return { kind: 'fatal', message: 'nonzero padding in e_ident' };
    let parsed = cache?.get(file.info.id);
    if (!parsed) {
      const decoded = decodeElf(file);
      if (!decoded.ok) {
        return decoded.error.code === 'ELF_BAD_PHENTSIZE'
          ? { kind: 'fatal', message: "ELF file's phentsize not the expected size" }
          : { kind: 'fatal', message: `invalid ELF file: ${decoded.error.message}` };
      }
      parsed = parsedObject(file, decoded.image);
      cache?.set(file.info.id, parsed);
    }
    const h = parsed.image.header;
    if (h.version !== C.EV_CURRENT) return { kind: 'fatal', message: 'ELF file version does not match current one' };
    if (!machineMatches(h.machine, h.flags, target)) return { kind: 'skip', outcome: 'wrong-machine', detail: `wrong machine (e_machine ${h.machine})` };
    if (h.type !== C.ET_DYN && h.type !== C.ET_EXEC) return { kind: 'fatal', message: 'only ET_DYN and ET_EXEC can be loaded' };
    return { kind: 'ok', image: parsed.image, info: file.info, notes: parsed.notes, versions: parsed.versions, hashAbort: parsed.hashAbort, relativeAbort: parsed.relativeAbort, isaNeeded: parsed.isaNeeded, earlyInitFailure: parsed.earlyInitFailure };
  } finally {
    file.close();
  }
}

/** elf_machine_matches_host: e_machine, plus the ELFv1/ELFv2 ABI bits on ppc64. */
function machineMatches(machine: number, flags: number, t: ElfIdentity): boolean {
  if (machine !== t.machine) return false;
  if (machine === C.EM_PPC64) {
    const abi = (f: number) => (f & 3) || (t.endian === 'little' ? 2 : 1);
    return abi(flags) === abi(t.flags);
  }
  return true;
}

/**
 * The ports whose ld.so handles DT_REL besides DT_RELA (glibc 2.36 dl-machine-rel.h: i386 and ARM outside
 * ld.so's own bootstrap, MIPS); the others, ELF_MACHINE_NO_REL, only DT_RELA.
 */
const handlesRel = (machine: number) => machine === C.EM_386 || machine === C.EM_ARM || machine === C.EM_MIPS;

/**
 * What each port's elf_machine_runtime_setup reads first (sysdeps/…/dl-machine.h): for an object with
 * DT_JMPREL, DT_PLTGOT when it is bound lazily (x86-64, i386, AArch64, ARM, s390x) or however it is bound
 * (POWER64, with DT_PLTRELSZ for the PLT's size; RISC-V); on MIPS, elf_machine_got_rel's GOT tags for every object.
 */
const LAZY_GOT_PORTS = new Set([C.EM_X86_64, C.EM_386, C.EM_AARCH64, C.EM_ARM, C.EM_S390]);
const JMPREL_GOT_PORTS = new Set([C.EM_PPC64, C.EM_RISCV]);
const MIPS_GOT_TAGS = [[C.DT_PLTGOT, 'DT_PLTGOT'], [C.DT_MIPS_LOCAL_GOTNO, 'DT_MIPS_LOCAL_GOTNO'], [C.DT_MIPS_GOTSYM, 'DT_MIPS_GOTSYM'], [C.DT_SYMTAB, 'DT_SYMTAB'], [C.DT_MIPS_SYMTABNO, 'DT_MIPS_SYMTABNO']] as const;

/**
 * Where relocating the object would fault (glibc 2.36 dynamic-link.h ELF_DYNAMIC_RELOCATE): the GOT set-up
 * above (`lazy`: neither LD_BIND_NOW nor its own flags); then ld.so reads the
 * size of each relocation table it is given — DT_RELRSZ for DT_RELR, DT_RELASZ (DT_RELSZ) for a nonzero
 * DT_RELA (DT_REL), and DT_JMPREL and DT_PLTRELSZ once DT_PLTREL names that table type (on the RELA ports,
 * whatever it names), then the symbol table — through its l_info entry, a null pointer when the tag is
 * missing. ldd, which does not relocate, lists such an object as usual. The message, or null.
 */
export function relocationCrash(image: ElfImage, lazy: boolean): string | null {
  const both = handlesRel(image.header.machine);
  const has = (tag: number) => dynValue(image, tag) !== undefined;
  const missing = (what: string, needs: string) => `${what} without ${needs}: relocating it, ld.so reads the missing entry through a null pointer (the process would be killed by SIGSEGV)`;
  // First elf_machine_runtime_setup sets up the GOT (DT_PLTGOT) for PLT calls.
  const m = image.header.machine;
  if (has(C.DT_JMPREL) && (LAZY_GOT_PORTS.has(m) ? lazy : JMPREL_GOT_PORTS.has(m))) {
    if (!has(C.DT_PLTGOT)) return missing('DT_JMPREL', 'DT_PLTGOT');
    if (m === C.EM_PPC64 && !has(C.DT_PLTRELSZ)) return missing('DT_JMPREL', 'DT_PLTRELSZ');
  }
  if (m === C.EM_MIPS) {
    for (const [tag, name] of MIPS_GOT_TAGS) if (!has(tag)) return missing('a MIPS object', name);
    // elf_machine_got_rel counts the global entries in an int, DT_MIPS_SYMTABNO − DT_MIPS_GOTSYM: below zero,
    // its `while (i--)` runs on through memory, writing GOT entries far past the GOT.
    const gotsym = dynValue(image, C.DT_MIPS_GOTSYM)!, symtabno = dynValue(image, C.DT_MIPS_SYMTABNO)!;
    if (gotsym > symtabno && (symtabno - gotsym) % 0x100000000 !== 0) {
      return `DT_MIPS_GOTSYM ${wideDec(gotsym)} is past DT_MIPS_SYMTABNO ${wideDec(symtabno)}: relocating it, ld.so walks the GOT without end (the process would be killed by SIGSEGV)`;
    }
  }
  if (has(C.DT_RELR) && !has(C.DT_RELRSZ)) return missing('DT_RELR', 'DT_RELRSZ');
  const types = [...(both ? [['DT_REL', C.DT_REL, 'DT_RELSZ', C.DT_RELSZ] as const] : []), ['DT_RELA', C.DT_RELA, 'DT_RELASZ', C.DT_RELASZ] as const];
  for (const [name, tag, sizeName, size] of types) {
    if ((dynValue(image, tag) ?? 0) !== 0 && !has(size)) return missing(name, sizeName);
    if (has(C.DT_PLTREL) && (!both || dynValue(image, C.DT_PLTREL) === tag)) {
      if (!has(C.DT_JMPREL)) return missing('DT_PLTREL', 'DT_JMPREL');
      if (!has(C.DT_PLTRELSZ)) return missing('DT_PLTREL', 'DT_PLTRELSZ');
    }
  }
  // elf_dynamic_do_Rel then reads the symbol table at DT_SYMTAB.
  if (!has(C.DT_SYMTAB) && (has(C.DT_PLTREL) || types.some(([, tag]) => (dynValue(image, tag) ?? 0) !== 0))) return missing('relocation tables', 'DT_SYMTAB');
  return null;
}

/**
 * What stops the loader at a library once open_verify accepted it; stage 'abort' for one of ld.so's
 * assertions. `signalled`: ld.so's own error (_dl_signal_error), which names the object as it was asked
 * for, not by the path found; otherwise the message says what the process would suffer.
 */
export type MapFailure = { readonly message: string; readonly stage?: 'abort'; readonly signalled?: true };

/**
 * What _dl_map_object_from_fd rejects after open_verify accepted the file (all fatal), in its order: the
 * load commands, the file type, the dynamic section and what elf_get_dynamic_info makes of it, a PIE, and
 * last _dl_setup_hash (`hashAbort`, ParsedObject). Null when the library maps.
 */
export function mapFailure(image: ElfImage, fileSize: number, hashAbort: string | null): MapFailure | null {
  const bad = loadCommandError(image);
  if (bad) return { message: bad, signalled: true };
  if (!image.segments.some((s) => s.type === C.PT_LOAD)) return { message: 'object file has no loadable segments', signalled: true };
  if (image.header.type === C.ET_EXEC) return { message: 'cannot dynamically load executable', signalled: true };
  const dyn = image.segments.filter((s) => s.type === C.PT_DYNAMIC).at(-1);
  if (!dyn || dyn.filesz === 0) return { message: 'object file has no dynamic section', signalled: true };
  const fault = dynamicFault(image, fileSize);
  if (fault) return { message: fault };
  const info = dynamicInfoFailure(image);
  if (info) return info;
  if (((dynValue(image, C.DT_FLAGS_1) ?? 0) & C.DF_1_PIE) !== 0) return { message: 'cannot dynamically load position-independent executable', signalled: true };
  return hashAbort ? { message: hashAbort, stage: 'abort' } : null;
}

/**
 * elf_get_dynamic_info's checks of the relocation tables, run for the program and for every object it maps
 * (glibc 2.36 get-dynamic-info.h): DT_PLTREL must name a table type the port handles (handlesRel), and
 * each table present must have its entry-size tag with the size of one entry. A wrong value fails an
 * assertion (ld.so aborts, in every mode); a missing size tag is read through a null pointer.
 */
export function dynamicInfoFailure(image: ElfImage): MapFailure | null {
  const both = handlesRel(image.header.machine);
  const abort = (what: string): MapFailure => ({ message: `${what}: ld.so aborts on the assertion in elf_get_dynamic_info ("Inconsistency detected by ld.so: get-dynamic-info.h: ...")`, stage: 'abort' });
  const pltrel = dynValue(image, C.DT_PLTREL);
  if (pltrel !== undefined && pltrel !== C.DT_RELA && !(both && pltrel === C.DT_REL)) return abort(`DT_PLTREL is ${pltrel}, not DT_RELA (${C.DT_RELA})${both ? ` or DT_REL (${C.DT_REL})` : ''}`);
  const word = image.header.class === 64 ? 8 : 4;
  const tables = [['DT_RELA', C.DT_RELA, 'DT_RELAENT', C.DT_RELAENT, 3 * word], ...(both ? [['DT_REL', C.DT_REL, 'DT_RELENT', C.DT_RELENT, 2 * word] as const] : []), ['DT_RELR', C.DT_RELR, 'DT_RELRENT', C.DT_RELRENT, word]] as const;
  for (const [table, tag, entName, ent, size] of tables) {
    if (dynValue(image, tag) === undefined) continue;
    const v = dynValue(image, ent);
    if (v === undefined) return { message: `${table} without ${entName}: ld.so reads the missing entry through a null pointer (the process would be killed by SIGSEGV)` };
    if (v !== size) return abort(`${entName} is ${v}, not the ${size} bytes of one entry`);
  }
  return null;
}

/**
 * _dl_map_object_from_fd's check of each PT_LOAD (glibc 2.35 and later; 2.34 and earlier said "not properly
 * aligned" and also required p_align to be a page multiple).
 */
export function loadCommandError(image: ElfImage): string | null {
  return image.segments.some((s) => s.type === C.PT_LOAD && !congruent(s)) ? 'ELF load command address/offset not page-aligned' : null;
}


/**
 * Where the loader would fault reading PT_DYNAMIC (elf_get_dynamic_info reads it at l_addr + p_vaddr,
 * through the mapping): outside every PT_LOAD nothing is mapped there (SIGSEGV); past the end of the
 * file the pages are mapped (mmap allows it) but touching them raises SIGBUS.
 */
export function dynamicFault(image: ElfImage, fileSize: number): string | null {
  const dyn = image.segments.filter((s) => s.type === C.PT_DYNAMIC).at(-1);
  if (!dyn) return null;
  const at = locate(image, dyn.vaddr, Math.max(1, Math.min(dyn.filesz, 16)));
  if (!at && image.segments.some((s) => s.type === C.PT_LOAD)) {
    return `PT_DYNAMIC (p_vaddr ${wideHex(dyn.vaddr)}) is not inside the file part of any PT_LOAD: the process would be killed by SIGSEGV when ld.so reads it there`;
  }
  const offset = at ? at.offset : dyn.offset;
  if (offset + Math.max(1, Math.min(dyn.filesz, 16)) > fileSize) {
    return `PT_DYNAMIC lies past the end of the file (${fileSize} bytes): the process would be killed by SIGBUS when ld.so reads it`;
  }
  return null;
}

/** PT_LOAD segments whose file part runs past the end of the file: touching those pages faults. */
export function truncatedSegments(image: ElfImage, fileSize: number): string[] {
  return image.segments.flatMap((s, i) => (s.type === C.PT_LOAD && s.filesz > 0 && s.offset + s.filesz > fileSize
    ? [`PT_LOAD (program header ${i}, file bytes ${wideHex(s.offset)} + ${wideHex(s.filesz)}) runs past the end of the file (${fileSize} bytes): touching those pages raises SIGBUS`]
    : []));
}
