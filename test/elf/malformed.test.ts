// Hostile input is normal input: targeted corruptions and a seeded mutation sweep. Every input yields
// facts or an ElfFormatError — never an exception, a hang, or reads beyond a bounded budget.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { decodeElf } from '../../src/elf/decode.js';
import { describeObject, type FactsResult } from '../../src/elf/facts.js';
import { type ByteSource, bytesSource } from '../../src/elf/source.js';
import { readSymbolVersions } from '../../src/elf/symbols.js';
import { ARCHES, elfFilesUnder, hasSysroot, sysroot } from '../support/corpus.js';
import { buildElf, json, type ElfSpec } from '../support/elf-writer.js';
import { rng } from '../support/rng.js';

/** A source that counts what is read, so a runaway loop or allocation shows up as a number. */
function metered(bytes: Uint8Array) {
  const inner = bytesSource(bytes);
  const m = { read: 0, calls: 0, src: undefined as unknown as ByteSource };
  m.src = { size: inner.size, read: (o, l) => { m.calls++; const b = inner.read(o, l); m.read += b.length; return b; } };
  return m;
}

function analyse(bytes: Uint8Array): FactsResult {
  const m = metered(bytes);
  const r = describeObject(m.src, 'x');
  const d = decodeElf(m.src);
  if (d.ok) readSymbolVersions(m.src, d.image, r.ok ? r.facts.dynsymCount : 0);
  // Reads stay proportional to the file: no table is read twice over, no cycle runs away.
  expect(m.read).toBeLessThanOrEqual(64 * bytes.length + (1 << 22));
  return r;
}

const full: ElfSpec = {
  interp: '/lib64/ld-linux-x86-64.so.2', needed: ['libc.so.6', 'libz.so.1'], soname: 'libt.so', runpath: '$ORIGIN',
  symbols: [{ name: 'f' }, { name: 'g', type: C.STT_GNU_IFUNC }], hash: 'both',
  rela: [{ offset: 8, type: C.R_X86_64_IRELATIVE, addend: 16 }], jmprel: [{ offset: 16, sym: 1, type: C.R_X86_64_JUMP_SLOT }],
  relr: [0x100, 0b1011], initArray: [0x10],
  notes: [{ owner: 'GNU', type: C.NT_GNU_BUILD_ID, desc: new Uint8Array([1, 2, 3, 4]) },
    { owner: 'FDO', type: C.NT_FDO_DLOPEN_METADATA, desc: json([{ soname: ['libx.so.1'] }]) }],
  sectionHeaders: true,
};

function patch(bytes: Uint8Array, f: (v: DataView, b: Uint8Array) => void): Uint8Array {
  const out = bytes.slice();
  f(new DataView(out.buffer), out);
  return out;
}
const ok = (r: FactsResult) => { if (!r.ok) throw new Error(`expected facts, got ${r.error.code}: ${r.error.message}`); return r.facts; };
const err = (r: FactsResult) => { if (r.ok) throw new Error('expected an ElfFormatError'); return r.error; };
const messages = (r: FactsResult) => ok(r).diagnostics.map((d) => d.message).join('\n');

describe('targeted corruptions', () => {
  const img = buildElf(full);
  const le = true;
  // Offsets inside a 64-bit little-endian image (identity mapped: address = offset).
  const v = new DataView(img.buffer);
  const phoff = Number(v.getBigUint64(32, le));
  const phnum = v.getUint16(56, le);
  const phdrOf = (bytes: Uint8Array, type: number) => {
    const d = new DataView(bytes.buffer, bytes.byteOffset);
    for (let i = 0; i < phnum; i++) if (d.getUint32(phoff + i * 56, le) === type) return phoff + i * 56;
    throw new Error(`no segment ${type}`);
  };
  const dynPh = phdrOf(img, C.PT_DYNAMIC);
  const notePh = phdrOf(img, C.PT_NOTE);
  const dynOff = Number(v.getBigUint64(dynPh + 8, le));
  /** File offset of the first dynamic entry with `tag` in `bytes`. */
  const dynEntryOf = (bytes: Uint8Array, tag: number) => {
    const d = new DataView(bytes.buffer, bytes.byteOffset);
    for (let o = Number(d.getBigUint64(phdrOf(bytes, C.PT_DYNAMIC) + 8, le)); o + 16 <= bytes.length; o += 16) {
      if (Number(d.getBigUint64(o, le)) === tag) return o;
    }
    throw new Error(`no dynamic tag ${tag}`);
  };
  const dynEntry = (tag: number) => dynEntryOf(img, tag);

  it('the uncorrupted image is clean', () => {
    expect(ok(analyse(img)).diagnostics).toEqual([]);
  });

  it('truncation at every byte of the headers, and at every structure boundary, gives facts or a typed error', () => {
    const boundaries = new Set<number>();
    for (let i = 0; i <= phoff + phnum * 56 + 1; i++) boundaries.add(i);
    for (const o of [dynOff, dynOff + 8, dynOff + 16, Math.floor(img.length / 2), img.length - 1]) boundaries.add(o);
    let errors = 0;
    for (const n of boundaries) {
      const r = analyse(img.subarray(0, n));
      if (!r.ok) {
        errors++;
        expect(['ELF_TRUNCATED', 'ELF_BAD_MAGIC']).toContain(r.error.code);
        expect(r.error.offset).toBeLessThanOrEqual(Math.max(n, phoff));
      }
    }
    expect(errors).toBeGreaterThan(phoff);
    expect(err(analyse(img.subarray(0, 40)))).toMatchObject({ code: 'ELF_TRUNCATED', structure: 'Elf64_Ehdr' });
    expect(err(analyse(img.subarray(0, phoff + 60)))).toMatchObject({ code: 'ELF_TRUNCATED', offset: phoff });
    expect(messages(analyse(img.subarray(0, dynOff + 24)))).toMatch(/no DT_NULL|past the end/);
  });

  it('rejects non-ELF input, an unknown class or byte order, and a wrong e_phentsize', () => {
    expect(err(analyse(new TextEncoder().encode('/* GNU ld script */\nGROUP ( libc.so.6 )\n')))).toMatchObject({ code: 'ELF_BAD_MAGIC', offset: 0 });
    expect(err(analyse(new Uint8Array(0)))).toMatchObject({ code: 'ELF_TRUNCATED' });
    expect(err(analyse(patch(img, (_, b) => { b[4] = 7; })))).toMatchObject({ code: 'ELF_BAD_CLASS', offset: 4, value: 7 });
    expect(err(analyse(patch(img, (_, b) => { b[5] = 0; })))).toMatchObject({ code: 'ELF_BAD_DATA', offset: 5 });
    expect(err(analyse(patch(img, (d) => d.setUint16(54, 55, le))))).toMatchObject({ code: 'ELF_BAD_PHENTSIZE', structure: 'Elf64_Ehdr.e_phentsize', value: 55 });
  });

  it('program headers past EOF and counts that overflow are errors, not allocations', () => {
    expect(err(analyse(patch(img, (d) => d.setBigUint64(32, 0xfffffff0n, le))))).toMatchObject({ code: 'ELF_TRUNCATED' });
    expect(err(analyse(patch(img, (d) => d.setUint16(56, 0xfffe, le))))).toMatchObject({ code: 'ELF_TRUNCATED' });
    // PN_XNUM: the real count comes from section header 0's sh_info, here 0xffffffff.
    const shoff = Number(v.getBigUint64(40, le));
    expect(err(analyse(patch(img, (d) => { d.setUint16(56, C.PN_XNUM, le); d.setUint32(shoff + 44, 0xffffffff, le); })))).toMatchObject({ code: 'ELF_TRUNCATED' });
    // a 64-bit offset above 2^53
    expect(err(analyse(patch(img, (d) => d.setBigUint64(32, 0xffffffffffffff00n, le))))).toMatchObject({ code: 'ELF_TRUNCATED' });
  });

  it('a dynamic section without DT_NULL, or past EOF, is a diagnostic', () => {
    const noNull = buildElf({ ...full, omitDtNull: true });
    expect(messages(analyse(noNull))).toMatch(/no DT_NULL/);
    expect(ok(analyse(noNull)).needed).toEqual(['libc.so.6', 'libz.so.1']);
    const past = patch(img, (d) => { d.setBigUint64(dynPh + 8, BigInt(img.length + 100), le); d.setBigUint64(dynPh + 16, 0x7fff0000n, le); });
    expect(messages(analyse(past))).toMatch(/PT_DYNAMIC/);
  });

  it('string offsets past DT_STRSZ drop that entry with a diagnostic and keep the rest', () => {
    const r = analyse(patch(img, (d) => d.setBigUint64(dynEntry(C.DT_NEEDED) + 8, 0xfffffn, le)));
    expect(ok(r).needed).toEqual(['libz.so.1']);
    expect(messages(r)).toMatch(/string index 1048575 is past the end of the string table/);
    const r2 = analyse(patch(img, (d) => d.setBigUint64(dynEntry(C.DT_STRSZ) + 8, 0xffffffffn, le)));
    expect(messages(r2)).toMatch(/DT_STRSZ 4294967295 runs past the end of its segment/);
  });

  it('tables outside every PT_LOAD and counts × entry size beyond the file are diagnostics', () => {
    for (const tag of [C.DT_GNU_HASH, C.DT_SYMTAB, C.DT_STRTAB, C.DT_RELA, C.DT_JMPREL, C.DT_RELR, C.DT_INIT_ARRAY]) {
      const r = analyse(patch(img, (d) => d.setBigUint64(dynEntry(tag) + 8, 0x7fffff00n, le)));
      expect(ok(r).diagnostics.length, `tag 0x${tag.toString(16)}`).toBeGreaterThan(0);
    }
    for (const tag of [C.DT_RELASZ, C.DT_PLTRELSZ, C.DT_RELRSZ, C.DT_INIT_ARRAYSZ]) {
      expect(ok(analyse(patch(img, (d) => d.setBigUint64(dynEntry(tag) + 8, 0xffffffffff0n, le)))).diagnostics.length).toBeGreaterThan(0);
    }
    // DT_HASH is read only when there is no DT_GNU_HASH (glibc prefers the GNU table)
    const sysv = buildElf({ ...full, hash: 'sysv' });
    expect(messages(analyse(patch(sysv, (d) => d.setBigUint64(dynEntryOf(sysv, C.DT_HASH) + 8, 0x7fffff00n, le))))).toMatch(/DT_HASH/);
    // GNU hash with 2^32-1 buckets
    const gh = Number(v.getBigUint64(dynEntry(C.DT_GNU_HASH) + 8, le));
    expect(messages(analyse(patch(img, (d) => d.setUint32(gh, 0xffffffff, le))))).toMatch(/GNU hash table .* runs past the end/);
  });

  it('a value above 2^53 in a dynamic entry is reported exactly, never rounded', () => {
    const big = analyse(patch(img, (d) => d.setBigUint64(dynEntry(C.DT_NEEDED) + 8, 0xffffffffffffff00n, le)));
    expect(messages(big)).toContain(`string index ${0xffffffffffffff00n} is past the end of the string table`);
  });

  it('a note larger than its segment ends the segment with a diagnostic', () => {
    const noteOff = Number(v.getBigUint64(notePh + 8, le));
    const r = analyse(patch(img, (d) => d.setUint32(noteOff + 4, 0x10000000, le)));
    expect(messages(r)).toMatch(/runs past the end of its PT_NOTE segment/);
    const seg = analyse(patch(img, (d) => d.setBigUint64(notePh + 32, 0xffffffn, le)));
    expect(messages(seg)).toMatch(/PT_NOTE .* runs past the end of the file/);
  });

  it('a cyclic version-needed list ends', () => {
    const withVer = buildElf({ ...full, dynamic: [[C.DT_VERNEED, 0x40], [C.DT_VERNEEDNUM, 0xffffffff]] });
    const src = bytesSource(patch(withVer, (d) => { d.setUint16(0x40 + 2, 0, le); d.setUint32(0x40 + 12, 0, le); }));
    const d = decodeElf(src);
    expect(d.ok).toBe(true);
    if (d.ok) expect(readSymbolVersions(src, d.image, 3).needs.length).toBeLessThanOrEqual(0xffff);
  });
});

function mutate(base: Uint8Array, rand: () => number): Uint8Array {
  let b = base.slice();
  const v = () => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const interesting = [0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, b.length, b.length - 1, 0xfff0];
  const pos = () => (rand() < 0.6 ? Math.floor(rand() * Math.min(b.length, 4096)) : Math.floor(rand() * b.length));
  const ops = 1 + Math.floor(rand() * 6);
  for (let k = 0; k < ops && b.length > 0; k++) {
    const op = rand();
    if (op < 0.4) { const at = pos(); b[at] = b[at]! ^ (1 << Math.floor(rand() * 8)); }
    else if (op < 0.8) {
      const at = pos() & ~3;
      if (at + 4 <= b.length) v().setUint32(at, interesting[Math.floor(rand() * interesting.length)]! >>> 0, rand() < 0.5);
    } else if (op < 0.9) b[pos()] = Math.floor(rand() * 256);
    else b = b.slice(0, Math.floor(rand() * b.length));
  }
  return b;
}

describe('seeded mutation sweep', () => {
  const seeds: Uint8Array[] = [
    buildElf(full),
    buildElf({ ...full, class: 32, machine: C.EM_386 }),
    buildElf({ ...full, endian: 'big', machine: C.EM_S390 }),
    buildElf({ ...full, class: 32, endian: 'big', machine: C.EM_PPC }),
  ];
  const real = ['/usr/bin/true', '/usr/lib/x86_64-linux-gnu/libdl.so.2'].filter(existsSync);
  for (const arch of ARCHES.filter((a) => ['s390x', 'armhf', 'mips64el'].includes(a) && hasSysroot(a))) {
    const small = elfFilesUnder(sysroot(arch)).find((p) => /libcap-ng\.so|libattr\.so|libacl\.so/.test(p));
    if (small) real.push(small);
  }
  for (const p of real) seeds.push(new Uint8Array(readFileSync(p)));

  it('20,000 mutated inputs: each gives facts or a typed error, with bounded reads', () => {
    const rand = rng(0x10ad);
    let facts = 0, errors = 0, diagnosed = 0;
    const N = 20_000;
    for (let i = 0; i < N; i++) {
      const input = mutate(seeds[i % seeds.length]!, rand);
      // analyse() bounds the bytes read (a runaway loop shows up as reads, not as time).
      const r = analyse(input);
      if (r.ok) {
        if (r.facts.diagnostics.length > 0) diagnosed++;
        facts++;
        expect(() => JSON.stringify(r.facts)).not.toThrow();
      } else {
        errors++;
        expect(r.error.code).toMatch(/^ELF_/);
        expect(typeof r.error.offset).toBe('number');
      }
    }
    console.log(`mutation sweep: ${N} inputs from ${seeds.length} seeds (${real.length} real files): ${facts} with facts (${diagnosed} with diagnostics), ${errors} with an ElfFormatError`);
    // Every path is taken many times: clean facts, facts with diagnostics, and typed errors.
    expect(facts - diagnosed).toBeGreaterThan(N / 20);
    expect(diagnosed).toBeGreaterThan(N / 20);
    expect(errors).toBeGreaterThan(N / 20);
  }, 300_000);
});
