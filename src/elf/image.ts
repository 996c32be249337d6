// The friendly model of one ELF object: what the loader reads, decoded from program headers and PT_DYNAMIC.
import type { Diagnostic, ElfFormatError } from './errors.js';
import { WIDE_BASE } from './kit.js';

export interface ElfHeader {
  readonly class: 32 | 64;
  readonly endian: 'little' | 'big';
  readonly identVersion: number;
  readonly osabi: number;
  readonly abiVersion: number;
  /** e_ident[9..15] must be zero for glibc's loader. */
  readonly identPaddingZero: boolean;
  readonly type: number;
  readonly machine: number;
  readonly version: number;
  readonly entry: number;
  readonly phoff: number;
  readonly shoff: number;
  readonly flags: number;
  readonly ehsize: number;
  readonly phentsize: number;
  /** After the PN_XNUM extension. */
  readonly phnum: number;
  readonly shentsize: number;
  /** After the extension through section header 0. */
  readonly shnum: number;
  readonly shstrndx: number;
}

export interface Segment {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly paddr: number;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: number;
}

export interface DynamicEntry {
  readonly tag: number;
  readonly value: number;
}

export interface Note {
  readonly owner: string;
  readonly type: number;
  /** File offset of the descriptor. */
  readonly offset: number;
  readonly desc: Uint8Array;
}

export interface ElfImage {
  readonly header: ElfHeader;
  readonly segments: readonly Segment[];
  /** PT_INTERP string, or null. */
  readonly interp: string | null;
  /** Entries of PT_DYNAMIC up to (not including) DT_NULL; null when there is no PT_DYNAMIC. */
  readonly dynamic: readonly DynamicEntry[] | null;
  readonly needed: readonly string[];
  readonly soname: string | null;
  readonly rpath: string | null;
  readonly runpath: string | null;
  readonly audit: string | null;
  readonly depaudit: string | null;
  readonly filter: readonly string[];
  readonly auxiliary: readonly string[];
  readonly diagnostics: Diagnostic[];
}

export type DecodeResult = { ok: true; image: ElfImage } | { ok: false; error: ElfFormatError };

/** The last value of a dynamic tag (glibc's elf_get_dynamic_info keeps the last one), or undefined. */
export function dynValue(image: ElfImage, tag: number): number | undefined {
  const d = image.dynamic;
  if (!d) return undefined;
  for (let i = d.length - 1; i >= 0; i--) if (d[i]!.tag === tag) return d[i]!.value;
  return undefined;
}

/** The PT_LOAD segment whose file bytes hold `length` bytes at `vaddr`, and the file offset there. */
export function locate(image: ElfImage, vaddr: number, length = 1): { offset: number; segment: Segment } | null {
  for (const s of image.segments) {
    if (s.type !== 1 /* PT_LOAD */) continue;
    const d = vaddr - s.vaddr;
    // Written as positive tests; a wide offset or size (kit.ts) is beyond every file, so such a segment maps nothing.
    if (d >= 0 && d < s.filesz && d + length <= s.filesz && s.offset + s.filesz <= WIDE_BASE) return { offset: s.offset + d, segment: s };
  }
  return null;
}

/** File offset of a virtual address through the PT_LOAD map, when `length` bytes from there are in the file. */
export function addrToOffset(image: ElfImage, vaddr: number, length = 1): number | null {
  return locate(image, vaddr, length)?.offset ?? null;
}

/** Smallest page size of the supported targets: congruence modulo it is necessary on all of them. */
const PAGE = 4096;

/** p_vaddr ≡ p_offset modulo the page size, as mmap needs (glibc _dl_map_object_from_fd, the kernel's elf_map). */
export function congruent(s: Segment): boolean {
  return s.vaddr % PAGE === s.offset % PAGE;
}
