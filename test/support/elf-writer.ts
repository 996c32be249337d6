// Builds small ELF images in memory for unit tests: 32/64-bit, either byte order, with or without
// section headers, any dynamic entries. One PT_LOAD maps the whole file at address = base + offset
// (base 0 unless given; addresses in the spec are offsets, the writer adds base).
import * as C from '../../src/elf/constants.js';

export interface SymSpec { name: string; type?: number; bind?: number; shndx?: number; value?: number; size?: number; other?: number }
export interface RelSpec { offset: number; sym?: number; type: number; addend?: number }
export interface NoteSpec { owner: string; type: number; desc: Uint8Array }

export interface ElfSpec {
  class?: 32 | 64;
  endian?: 'little' | 'big';
  machine?: number;
  type?: number;
  osabi?: number;
  interp?: string;
  needed?: string[];
  soname?: string;
  rpath?: string;
  runpath?: string;
  /** Raw entries appended after the generated ones (before DT_NULL). String values are added to DT_STRTAB. */
  dynamic?: Array<[number, number | string]>;
  symbols?: SymSpec[];
  hash?: 'gnu' | 'sysv' | 'both' | 'none';
  rela?: RelSpec[];
  jmprel?: RelSpec[];
  relr?: number[];
  notes?: NoteSpec[];
  noteAlign?: 4 | 8;
  initArray?: number[];
  sectionHeaders?: boolean;
  omitDtNull?: boolean;
  /** Link-time address of file offset 0, e.g. IA-64's region 2 at 0x4000000000000000n (64-bit only). */
  base?: bigint;
  /** Program headers added verbatim (type, flags) with zero size. */
  extraSegments?: Array<{ type: number; flags?: number }>;
  /** More PT_LOAD segments after everything else, each holding these bytes (at address = offset). */
  loads?: Array<{ flags: number; bytes: Uint8Array; align?: number }>;
}

class Writer {
  bytes = new Uint8Array(1 << 16);
  view = new DataView(this.bytes.buffer);
  pos = 0;
  constructor(readonly le: boolean, readonly is64: boolean) {}
  ensure(n: number) {
    if (this.pos + n <= this.bytes.length) return;
    const b = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + n));
    b.set(this.bytes);
    this.bytes = b;
    this.view = new DataView(b.buffer);
  }
  align(a: number) { while (this.pos % a) this.u8(0); }
  u8(v: number) { this.ensure(1); this.view.setUint8(this.pos, v); this.pos += 1; }
  u16(v: number) { this.ensure(2); this.view.setUint16(this.pos, v, this.le); this.pos += 2; }
  u32(v: number) { this.ensure(4); this.view.setUint32(this.pos, v >>> 0, this.le); this.pos += 4; }
  u64(v: number | bigint) {
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, BigInt(v)), this.le); // two's complement for negatives
    this.pos += 8;
  }
  word(v: number | bigint) { if (this.is64) this.u64(v); else this.u32(Number(v)); }
  raw(b: Uint8Array) { this.ensure(b.length); this.bytes.set(b, this.pos); this.pos += b.length; }
  patchWord(at: number, v: number) { const p = this.pos; this.pos = at; this.word(v); this.pos = p; }
  patch16(at: number, v: number) { const p = this.pos; this.pos = at; this.u16(v); this.pos = p; }
  patch32(at: number, v: number) { const p = this.pos; this.pos = at; this.u32(v); this.pos = p; }
  done() { return this.bytes.slice(0, this.pos); }
}

const enc = new TextEncoder();
export const gnuHash = (s: string) => { let h = 5381; for (const c of enc.encode(s)) h = (h * 33 + c) >>> 0; return h; };

export function buildElf(spec: ElfSpec = {}): Uint8Array {
  const is64 = (spec.class ?? 64) === 64;
  const le = (spec.endian ?? 'little') === 'little';
  const w = new Writer(le, is64);
  const ws = is64 ? 8 : 4;
  const machine = spec.machine ?? (is64 ? C.EM_X86_64 : C.EM_386);
  const base = spec.base ?? 0n;
  const addr = (v: number) => base + BigInt(v);

  // strings
  const strs: string[] = [];
  const strIndex = new Map<string, number>();
  let strSize = 1;
  const str = (s: string) => {
    if (s === '') return 0;
    const hit = strIndex.get(s);
    if (hit !== undefined) return hit;
    strIndex.set(s, strSize);
    strs.push(s);
    strSize += enc.encode(s).length + 1;
    return strIndex.get(s)!;
  };
  const symbols: SymSpec[] = [{ name: '' }, ...(spec.symbols ?? [])];
  symbols.forEach((s) => str(s.name));
  const dynEntries: Array<[number, number | string]> = [];
  for (const n of spec.needed ?? []) dynEntries.push([C.DT_NEEDED, n]);
  if (spec.soname !== undefined) dynEntries.push([C.DT_SONAME, spec.soname]);
  if (spec.rpath !== undefined) dynEntries.push([C.DT_RPATH, spec.rpath]);
  if (spec.runpath !== undefined) dynEntries.push([C.DT_RUNPATH, spec.runpath]);
  for (const e of spec.dynamic ?? []) dynEntries.push(e);
  for (const [, v] of dynEntries) if (typeof v === 'string') str(v);

  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phdrs: Array<{ type: number; flags: number; offset: number; filesz: number; align: number }> = [];
  const nph = 1 + (spec.interp !== undefined ? 1 : 0) + 1 + (spec.notes?.length ? 1 : 0) + (spec.extraSegments?.length ?? 0) + (spec.loads?.length ?? 0);

  // e_ident + header (patched later)
  w.raw(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1, spec.osabi ?? 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  w.pos = ehsize;
  const phoff = w.pos;
  w.pos += nph * phentsize;
  w.ensure(0);

  let interpOff = 0;
  if (spec.interp !== undefined) {
    interpOff = w.pos;
    w.raw(enc.encode(spec.interp + '\0'));
  }
  w.align(8);
  const strtab = w.pos;
  w.u8(0);
  for (const s of strs) w.raw(enc.encode(s + '\0'));
  w.align(8);
  const symtab = w.pos;
  for (const s of symbols) {
    const info = ((s.bind ?? (s.name ? C.STB_GLOBAL : 0)) << 4) | (s.type ?? (s.name ? C.STT_FUNC : 0));
    if (is64) { w.u32(str(s.name)); w.u8(info); w.u8(s.other ?? 0); w.u16(s.shndx ?? (s.name ? 1 : 0)); w.u64(s.value ? addr(s.value) : 0); w.u64(s.size ?? 0); }
    else { w.u32(str(s.name)); w.u32(s.value ?? 0); w.u32(s.size ?? 0); w.u8(info); w.u8(s.other ?? 0); w.u16(s.shndx ?? (s.name ? 1 : 0)); }
  }
  const hashKind = spec.hash ?? 'gnu';
  let gnuHashAt = -1, sysvHashAt = -1;
  if (hashKind === 'gnu' || hashKind === 'both') {
    w.align(8);
    gnuHashAt = w.pos;
    const n = symbols.length;
    w.u32(1); w.u32(1); w.u32(1); w.u32(6); // nbuckets, symoffset, bloom_size, bloom_shift
    w.word(is64 ? 2 ** 53 - 1 : 0xffffffff); // bloom: (almost) all bits
    w.u32(n > 1 ? 1 : 0); // bucket[0]
    for (let i = 1; i < n; i++) w.u32((gnuHash(symbols[i]!.name) & ~1) | (i === n - 1 ? 1 : 0));
  }
  if (hashKind === 'sysv' || hashKind === 'both') {
    w.align(8);
    sysvHashAt = w.pos;
    const wide = is64 && machine === C.EM_S390;
    const put = (v: number) => (wide ? w.u64(v) : w.u32(v));
    put(1); put(symbols.length); put(symbols.length - 1);
    for (let i = 0; i < symbols.length; i++) put(i === 0 ? 0 : i - 1);
  }
  const putRel = (r: RelSpec, withAddend: boolean) => {
    w.word(addr(r.offset));
    if (is64) { w.u32(le ? r.type : r.sym ?? 0); w.u32(le ? r.sym ?? 0 : r.type); } else w.u32(((r.sym ?? 0) << 8) | (r.type & 0xff));
    if (withAddend) { if (is64) w.u64(r.addend && !r.sym ? addr(r.addend) : r.addend ?? 0); else w.u32(r.addend ?? 0); }
  };
  w.align(8);
  const relaAt = w.pos;
  for (const r of spec.rela ?? []) putRel(r, true);
  const jmprelAt = w.pos;
  for (const r of spec.jmprel ?? []) putRel(r, true);
  const relrAt = w.pos;
  for (const x of spec.relr ?? []) w.word(x);
  const initAt = w.pos;
  for (const x of spec.initArray ?? []) w.word(addr(x));
  let notesAt = -1, notesSize = 0;
  const noteAlign = spec.noteAlign ?? 4;
  if (spec.notes?.length) {
    w.align(8);
    notesAt = w.pos;
    for (const n of spec.notes) {
      const name = enc.encode(n.owner + '\0');
      w.u32(name.length); w.u32(n.desc.length); w.u32(n.type);
      w.raw(name); while ((w.pos - notesAt) % noteAlign) w.u8(0);
      w.raw(n.desc); while ((w.pos - notesAt) % noteAlign) w.u8(0);
    }
    notesSize = w.pos - notesAt;
  }

  w.align(8);
  const dynAt = w.pos;
  const put = (tag: number, v: number | bigint) => { w.word(tag); w.word(v); };
  for (const [tag, v] of dynEntries) put(tag, typeof v === 'string' ? str(v) : v);
  put(C.DT_STRTAB, addr(strtab)); put(C.DT_STRSZ, strSize); put(C.DT_SYMTAB, addr(symtab)); put(C.DT_SYMENT, is64 ? 24 : 16);
  if (gnuHashAt >= 0) put(C.DT_GNU_HASH, addr(gnuHashAt));
  if (sysvHashAt >= 0) put(C.DT_HASH, addr(sysvHashAt));
  const relEnt = is64 ? 24 : 12;
  if (spec.rela?.length) { put(C.DT_RELA, addr(relaAt)); put(C.DT_RELASZ, spec.rela.length * relEnt); put(C.DT_RELAENT, relEnt); }
  if (spec.jmprel?.length) { put(C.DT_JMPREL, addr(jmprelAt)); put(C.DT_PLTRELSZ, spec.jmprel.length * relEnt); put(C.DT_PLTREL, C.DT_RELA); }
  if (spec.relr?.length) { put(C.DT_RELR, addr(relrAt)); put(C.DT_RELRSZ, spec.relr.length * ws); put(C.DT_RELRENT, ws); }
  if (spec.initArray) { put(C.DT_INIT_ARRAY, addr(initAt)); put(C.DT_INIT_ARRAYSZ, spec.initArray.length * ws); }
  if (!spec.omitDtNull) put(C.DT_NULL, 0);
  const dynSize = w.pos - dynAt;

  let shoff = 0, shnum = 0, shstrndx = 0;
  if (spec.sectionHeaders) {
    const shstr = w.pos;
    w.raw(enc.encode('\0.shstrtab\0'));
    w.align(8);
    shoff = w.pos;
    shnum = 2;
    shstrndx = 1;
    const sh = (name: number, type: number, off: number, size: number) => {
      w.u32(name); w.u32(type); w.word(0); w.word(0); w.word(off); w.word(size); w.u32(0); w.u32(0); w.word(1); w.word(0);
    };
    sh(0, 0, 0, 0);
    sh(1, C.SHT_STRTAB, shstr, 11);
  }
  const fileSize = w.pos;
  const loads = (spec.loads ?? []).map((l) => {
    w.align(l.align ?? 16);
    const offset = w.pos;
    w.raw(l.bytes);
    return { type: C.PT_LOAD, flags: l.flags, offset, filesz: l.bytes.length, align: l.align ?? 16 };
  });
  const end = w.pos;

  phdrs.push({ type: C.PT_LOAD, flags: C.PF_R | C.PF_W, offset: 0, filesz: fileSize, align: 0x1000 });
  if (spec.interp !== undefined) phdrs.push({ type: C.PT_INTERP, flags: C.PF_R, offset: interpOff, filesz: spec.interp.length + 1, align: 1 });
  phdrs.push({ type: C.PT_DYNAMIC, flags: C.PF_R | C.PF_W, offset: dynAt, filesz: dynSize, align: 8 });
  if (notesAt >= 0) phdrs.push({ type: C.PT_NOTE, flags: C.PF_R, offset: notesAt, filesz: notesSize, align: noteAlign });
  for (const s of spec.extraSegments ?? []) phdrs.push({ type: s.type, flags: s.flags ?? C.PF_R, offset: 0, filesz: 0, align: 1 });
  phdrs.push(...loads);

  // header
  w.pos = 16;
  w.u16(spec.type ?? C.ET_DYN); w.u16(machine); w.u32(1);
  w.word(0); w.word(phoff); w.word(shoff); w.u32(0);
  w.u16(ehsize); w.u16(phentsize); w.u16(phdrs.length); w.u16(is64 ? 64 : 40); w.u16(shnum); w.u16(shstrndx);
  w.pos = phoff;
  for (const p of phdrs) {
    if (is64) { w.u32(p.type); w.u32(p.flags); w.u64(p.offset); w.u64(addr(p.offset)); w.u64(addr(p.offset)); w.u64(p.filesz); w.u64(p.filesz); w.u64(p.align); }
    else { w.u32(p.type); w.u32(p.offset); w.u32(p.offset); w.u32(p.offset); w.u32(p.filesz); w.u32(p.filesz); w.u32(p.flags); w.u32(p.align); }
  }
  w.pos = end;
  return w.done();
}

/** The same bytes with section headers removed: e_shoff, e_shnum and e_shstrndx zeroed. */
export function stripSectionHeaders(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const v = new DataView(out.buffer);
  const is64 = out[4] === 2, le = out[5] === 1;
  if (is64) { v.setUint32(40, 0, le); v.setUint32(44, 0, le); v.setUint16(60, 0, le); v.setUint16(62, 0, le); }
  else { v.setUint32(32, 0, le); v.setUint16(48, 0, le); v.setUint16(50, 0, le); }
  return out;
}

export const json = (x: unknown) => enc.encode(JSON.stringify(x) + '\0');
