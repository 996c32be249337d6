import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { decodeElf } from '../../src/elf/decode.js';
import { describeObject, type ObjectFacts } from '../../src/elf/facts.js';
import { bytesSource } from '../../src/elf/source.js';
import { readRelocations, decodeRelr } from '../../src/elf/relocs.js';
import { readDynamicSymbols, readSymbolVersions } from '../../src/elf/symbols.js';
import { buildElf, json, stripSectionHeaders, type ElfSpec } from '../support/elf-writer.js';

function facts(spec: ElfSpec): ObjectFacts {
  const r = describeObject(bytesSource(buildElf(spec)), 'test.so');
  if (!r.ok) throw new Error(r.error.message);
  return r.facts;
}

const layouts = [
  { class: 64, endian: 'little', machine: C.EM_X86_64 },
  { class: 64, endian: 'big', machine: C.EM_S390 },
  { class: 32, endian: 'little', machine: C.EM_386 },
  { class: 32, endian: 'big', machine: C.EM_PPC },
] as const;

describe.each(layouts)('decodeElf on ELF$class $endian-endian', (layout) => {
  it('reads DT_NEEDED in order, SONAME, RPATH, RUNPATH and PT_INTERP', () => {
    const f = facts({ ...layout, interp: '/lib/ld.so.1', needed: ['libz.so.1', 'libc.so.6', 'liba.so'], soname: 'libt.so.2', rpath: '$ORIGIN/../lib::/opt', runpath: '/r' });
    expect(f.class).toBe(layout.class);
    expect(f.endian).toBe(layout.endian);
    expect(f.machine.number).toBe(layout.machine);
    expect(f.needed).toEqual(['libz.so.1', 'libc.so.6', 'liba.so']);
    expect(f.soname).toBe('libt.so.2');
    expect(f.rpath).toEqual(['$ORIGIN/../lib', '', '/opt']);
    expect(f.runpath).toEqual(['/r']);
    expect(f.interp).toBe('/lib/ld.so.1');
    expect(f.diagnostics).toEqual([]);
  });

  it('counts dynamic symbols from DT_GNU_HASH and from DT_HASH alike, and finds IFUNC symbols', () => {
    const symbols = [{ name: 'a' }, { name: 'memcpy', type: C.STT_GNU_IFUNC }, { name: 'b', type: C.STT_OBJECT }, { name: 'strlen', type: C.STT_GNU_IFUNC }];
    for (const hash of ['gnu', 'sysv', 'both'] as const) {
      const f = facts({ ...layout, symbols, hash });
      expect(f.dynsymCount, hash).toBe(5);
      expect(f.ifuncSymbols).toEqual(['memcpy', 'strlen']);
    }
    expect(facts({ ...layout, symbols, hash: 'none' }).dynsymCount).toBe(0);
  });

  it('keeps the last DT_SONAME/DT_RUNPATH and every DT_NEEDED, as elf_get_dynamic_info does', () => {
    const f = facts({ ...layout, dynamic: [[C.DT_SONAME, 'first'], [C.DT_SONAME, 'last'], [C.DT_RUNPATH, '/x'], [C.DT_RUNPATH, '/y'], [C.DT_NEEDED, 'n1']] });
    expect(f.soname).toBe('last');
    expect(f.runpath).toEqual(['/y']);
    expect(f.needed).toEqual(['n1']);
  });

  it('gives the same facts with section headers removed', () => {
    const bytes = buildElf({ ...layout, needed: ['libc.so.6'], soname: 's', symbols: [{ name: 'f', type: C.STT_GNU_IFUNC }], sectionHeaders: true });
    const a = describeObject(bytesSource(bytes), 'x');
    const b = describeObject(bytesSource(stripSectionHeaders(bytes)), 'x');
    expect(a.ok && decodeElf(bytesSource(bytes)).ok).toBe(true);
    expect(b).toEqual(a);
  });
});

describe('dynamic flags and load-time entry points', () => {
  it('reports BIND_NOW from DF_BIND_NOW, DF_1_NOW or DT_BIND_NOW, and TEXTREL from DT_TEXTREL or DF_TEXTREL', () => {
    expect(facts({ dynamic: [[C.DT_FLAGS, C.DF_BIND_NOW]] }).bindNow).toBe(true);
    expect(facts({ dynamic: [[C.DT_FLAGS_1, C.DF_1_NOW | C.DF_1_PIE]] })).toMatchObject({ bindNow: true, flags1: ['DF_1_NOW', 'DF_1_PIE'] });
    expect(facts({ dynamic: [[C.DT_BIND_NOW, 0]] }).bindNow).toBe(true);
    expect(facts({}).bindNow).toBe(false);
    expect(facts({ dynamic: [[C.DT_TEXTREL, 0]] }).textrel).toBe(true);
    expect(facts({ dynamic: [[C.DT_FLAGS, C.DF_TEXTREL]] }).textrel).toBe(true);
    expect(facts({}).textrel).toBe(false);
  });

  it('reads DT_INIT, DT_FINI and the init/fini array slots', () => {
    const f = facts({ dynamic: [[C.DT_INIT, 0x1000], [C.DT_FINI, 0x2000]], initArray: [0x1234, 0x5678] });
    expect(f).toMatchObject({ init: 0x1000, fini: 0x2000, initArray: [0x1234, 0x5678], preinitArray: null, finiArray: null });
  });

  it('reads DT_AUDIT, DT_DEPAUDIT, DT_FILTER and DT_AUXILIARY', () => {
    const f = facts({ dynamic: [[C.DT_AUDIT, 'libaud.so'], [C.DT_DEPAUDIT, 'libdep.so'], [C.DT_FILTER, 'libf.so'], [C.DT_AUXILIARY, 'liba1.so'], [C.DT_AUXILIARY, 'liba2.so']] });
    expect(f).toMatchObject({ audit: 'libaud.so', depaudit: 'libdep.so', filter: ['libf.so'], auxiliary: ['liba1.so', 'liba2.so'] });
  });
});

describe('relocations', () => {
  it('counts relocations by type and IRELATIVE ones per architecture', () => {
    const f = facts({
      symbols: [{ name: 'x' }],
      rela: [{ offset: 0x10, type: C.R_X86_64_RELATIVE, addend: 5 }, { offset: 0x18, type: C.R_X86_64_IRELATIVE, addend: 0x40 }, { offset: 0x20, sym: 1, type: C.R_X86_64_GLOB_DAT }],
      jmprel: [{ offset: 0x28, sym: 1, type: C.R_X86_64_JUMP_SLOT }],
    });
    expect(f.relocationCounts).toEqual({ R_X86_64_RELATIVE: 1, R_X86_64_IRELATIVE: 1, R_X86_64_GLOB_DAT: 1, R_X86_64_JUMP_SLOT: 1 });
    expect(f.irelativeCount).toBe(1);
  });

  it('splits r_info per class and byte order, and keeps RELA addends signed', () => {
    for (const layout of layouts) {
      const bytes = buildElf({ ...layout, symbols: [{ name: 'x' }, { name: 'y' }], rela: [{ offset: 0x40, sym: 2, type: 6, addend: -8 }] });
      const src = bytesSource(bytes);
      const d = decodeElf(src);
      if (!d.ok) throw new Error(d.error.message);
      const [t] = readRelocations(src, d.image);
      expect(t?.entries).toEqual([{ r_offset: 0x40, r_sym: 2, r_type: 6, r_addend: -8 }]);
    }
  });

  it('does not count DT_JMPREL twice when DT_RELASZ includes it', () => {
    const bytes = buildElf({ rela: [{ offset: 1, type: C.R_X86_64_RELATIVE }], jmprel: [{ offset: 2, type: C.R_X86_64_JUMP_SLOT }], dynamic: [[C.DT_RELASZ, 48]] });
    const f = describeObject(bytesSource(bytes), 'x');
    expect(f.ok && f.facts.relocationCounts).toEqual({ R_X86_64_RELATIVE: 1, R_X86_64_JUMP_SLOT: 1 });
  });

  it('decodes DT_RELR address and bitmap words, 64-bit bitmaps with bit 63 set included', () => {
    expect(decodeRelr([[0x1000, 0], [0b111, 0]], 8)).toEqual([0x1000, 0x1008, 0x1010]);
    // bitmap with only bit 63: the 63rd word after `next`
    expect(decodeRelr([[0x2000, 0], [1, 0x80000000]], 8)).toEqual([0x2000, 0x2008 + 62 * 8]);
    expect(decodeRelr([[0x100, 0], [0x80000001, 0]], 4)).toEqual([0x100, 0x104 + 30 * 4]);
    const f = facts({ relr: [0x1000, 0b101] });
    expect(f.relocationCounts).toEqual({ RELR: 2 });
  });
});

describe('notes', () => {
  const gnuProp = (entries: Array<[number, number]>) => {
    const b = new Uint8Array(entries.length * 16);
    const v = new DataView(b.buffer);
    entries.forEach(([t, d], i) => { v.setUint32(i * 16, t, true); v.setUint32(i * 16 + 4, 4, true); v.setUint32(i * 16 + 8, d, true); });
    return b;
  };
  it('reads build-id, ABI tag and x86 GNU properties from PT_NOTE', () => {
    const abi = new Uint8Array(16); new DataView(abi.buffer).setUint32(4, 3, true); new DataView(abi.buffer).setUint32(8, 2, true);
    const f = facts({
      noteAlign: 8,
      notes: [
        { owner: 'GNU', type: C.NT_GNU_BUILD_ID, desc: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) },
        { owner: 'GNU', type: C.NT_GNU_ABI_TAG, desc: abi },
        { owner: 'GNU', type: C.NT_GNU_PROPERTY_TYPE_0, desc: gnuProp([[C.GNU_PROPERTY_X86_FEATURE_1_AND, 3], [C.GNU_PROPERTY_X86_ISA_1_NEEDED, 5]]) },
      ],
    });
    expect(f.notes.buildId).toBe('deadbeef');
    expect(f.notes.abiTag).toBe('Linux 3.2.0');
    expect(f.notes.gnuProperty).toMatchObject({ x86Features: ['IBT', 'SHSTK'], x86IsaNeeded: ['x86-64-baseline', 'x86-64-v3'] });
  });

  it('reads AArch64 BTI/PAC properties', () => {
    const f = facts({ machine: C.EM_AARCH64, noteAlign: 8, notes: [{ owner: 'GNU', type: C.NT_GNU_PROPERTY_TYPE_0, desc: gnuProp([[C.GNU_PROPERTY_AARCH64_FEATURE_1_AND, 3]]) }] });
    expect(f.notes.gnuProperty?.aarch64Features).toEqual(['BTI', 'PAC']);
  });

  it('reads .note.dlopen in both payload forms and the FDO package note', () => {
    const f = facts({
      notes: [
        { owner: 'FDO', type: C.NT_FDO_DLOPEN_METADATA, desc: json([{ soname: ['liblzma.so.5'], feature: 'xz', priority: 'suggested' }, { soname: ['libzstd.so.1', 'libzstd.so'] }]) },
        { owner: 'FDO', type: C.NT_FDO_DLOPEN_METADATA, desc: json({ soname: 'liblz4.so.1', description: 'old form' }) },
        { owner: 'FDO', type: C.NT_FDO_PACKAGING_METADATA, desc: json({ type: 'deb', name: 'libsystemd0', version: '256' }) },
      ],
    });
    expect(f.notes.dlopen).toEqual([
      { soname: ['liblzma.so.5'], feature: 'xz', description: null, priority: 'suggested' },
      { soname: ['libzstd.so.1', 'libzstd.so'], feature: null, description: null, priority: 'recommended' },
      { soname: ['liblz4.so.1'], feature: null, description: 'old form', priority: 'recommended' },
    ]);
    expect(f.notes.package).toEqual({ type: 'deb', name: 'libsystemd0', version: '256' });
  });

  it('turns a dlopen note that is not JSON into a diagnostic', () => {
    const f = facts({ notes: [{ owner: 'FDO', type: C.NT_FDO_DLOPEN_METADATA, desc: new TextEncoder().encode('{oops\0') }] });
    expect(f.notes.dlopen).toEqual([]);
    expect(f.diagnostics.map((d) => d.message)).toEqual(['dlopen note: payload is not valid JSON']);
  });

  it('ignores a note whose owner does not match its type', () => {
    const f = facts({ notes: [{ owner: 'XYZ', type: C.NT_GNU_BUILD_ID, desc: new Uint8Array([1]) }] });
    expect(f.notes.buildId).toBeNull();
  });
});

describe('symbols and versions', () => {
  it('reads symbol fields and versym/verdef lists', () => {
    const bytes = buildElf({ symbols: [{ name: 'w', bind: C.STB_WEAK, type: C.STT_OBJECT, value: 0x40, size: 8, other: C.STV_PROTECTED }] });
    const src = bytesSource(bytes);
    const d = decodeElf(src);
    if (!d.ok) throw new Error();
    const syms = readDynamicSymbols(src, d.image);
    expect(syms[1]).toEqual({ index: 1, name: 'w', value: 0x40, size: 8, type: C.STT_OBJECT, bind: C.STB_WEAK, visibility: C.STV_PROTECTED, shndx: 1 });
    expect(readSymbolVersions(src, d.image, syms.length)).toEqual({ versym: null, needs: [], defs: [] });
  });
});

describe('reading by offset', () => {
  it('learns the needs of a 200 MB library from a few kilobytes', () => {
    const head = buildElf({ needed: ['libc.so.6', 'libm.so.6'], soname: 'libhuge.so', symbols: [{ name: 'f' }] });
    const size = 200 * 1024 * 1024;
    let read = 0;
    // The image followed by 200 MB of (virtual) zeros: nothing is allocated unless it is read.
    const src = {
      size,
      read(offset: number, length: number) {
        const n = Math.max(0, Math.min(length, size - offset));
        read += n;
        const out = new Uint8Array(n);
        if (offset < head.length) out.set(head.subarray(offset, Math.min(head.length, offset + n)));
        return out;
      },
    };
    const d = decodeElf(src);
    expect(d.ok && d.image.needed).toEqual(['libc.so.6', 'libm.so.6']);
    expect(read).toBeLessThan(64 * 1024);
    const f = describeObject(src, 'libhuge.so');
    expect(f.ok && f.facts.soname).toBe('libhuge.so');
    expect(read).toBeLessThan(256 * 1024);
  });
});
