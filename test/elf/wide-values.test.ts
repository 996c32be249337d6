// 64-bit addresses above 2^53 (IA-64's regions, s390x/sparc high mappings, fuzzed fields) are read
// exactly: the dynamic section is found, DT_NEEDED is read, and every printed address equals readelf's.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { requires, setupProvides } from '../support/prereq.js';
import * as C from '../../src/elf/constants.js';
import { decodeElf } from '../../src/elf/decode.js';
import { describeObject } from '../../src/elf/facts.js';
import { exactJson, wideHex } from '../../src/elf/kit.js';
import { bytesSource } from '../../src/elf/source.js';
import { runCli } from '../support/cli.js';
import { buildElf, type ElfSpec } from '../support/elf-writer.js';
import { hasReadelf } from '../support/readelf.js';

const readelfPresent = await hasReadelf();
if (!readelfPresent) console.log('wide values: readelf comparisons SKIPPED — readelf not installed (npm run test:setup installs binutils)');

const cases: Array<[string, ElfSpec]> = [
  ['IA-64 style, region 2 (0x4000000000000000)', { machine: C.EM_IA_64, base: 0x4000000000000000n }],
  ['64-bit big-endian with the top bit set (0x8000000000010000)', { machine: C.EM_S390, endian: 'big', base: 0x8000000000010000n }],
  ['64-bit big-endian just above 2^53', { machine: C.EM_S390, endian: 'big', base: 0x20000000001000n }],
];
const common: ElfSpec = {
  needed: ['libc.so.6.1', 'libunwind.so.7'], soname: 'libwide.so', runpath: '/opt/wide',
  symbols: [{ name: 'f', value: 0x40 }, { name: 'sel', type: C.STT_GNU_IFUNC, value: 0x80 }],
  initArray: [0x40], sectionHeaders: true,
};

const dir = mkdtempSync(join(tmpdir(), 'loadgraph-wide-'));
function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
const hexOf = (x: bigint) => '0x' + x.toString(16);

describe('exact 64-bit values', () => {
  for (const [label, spec] of cases) {
    const bytes = buildElf({ ...common, ...spec });
    const base = spec.base!;
    it(`${label}: the dynamic section, names and addresses are read, with no diagnostic`, () => {
      const r = describeObject(bytesSource(bytes), 'x');
      if (!r.ok) throw new Error(r.error.message);
      expect(r.facts.diagnostics).toEqual([]);
      expect(r.facts.needed).toEqual(['libc.so.6.1', 'libunwind.so.7']);
      expect(r.facts.soname).toBe('libwide.so');
      expect(r.facts.ifuncSymbols).toEqual(['sel']);
      expect(r.facts.initArray!.map(wideHex)).toEqual([hexOf(base + 0x40n)]);
      const d = decodeElf(bytesSource(bytes));
      if (!d.ok) throw new Error(d.error.message);
      expect(wideHex(d.image.segments[0]!.vaddr)).toBe(hexOf(base));
    });

    it(`${label}: program headers and dynamic pointers equal readelf's`, async (ctx) => {
      requires(ctx, setupProvides('readelf (binutils)', readelfPresent));
      const path = write(label.replace(/\W+/g, '_'), bytes);
      const { stdout } = await execa('readelf', ['-l', '-d', '-W', path], { env: { LC_ALL: 'C' } });
      const d = decodeElf(bytesSource(bytes));
      if (!d.ok) throw new Error(d.error.message);
      const theirs = [...stdout.matchAll(/^\s+(LOAD|DYNAMIC)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)/gm)]
        .map((m) => [m[1], BigInt(m[2]!), BigInt(m[3]!), BigInt(m[4]!)].join(' '));
      const ours = d.image.segments.filter((s) => s.type === C.PT_LOAD || s.type === C.PT_DYNAMIC)
        .map((s) => [s.type === C.PT_LOAD ? 'LOAD' : 'DYNAMIC', ...[s.offset, s.vaddr, s.paddr].map((n) => BigInt(wideHex(n)))].join(' '));
      expect(ours).toEqual(theirs);
      for (const tag of ['STRTAB', 'SYMTAB', 'INIT_ARRAY', 'GNU_HASH'] as const) {
        const m = new RegExp(`\\(${tag}\\)\\s+(0x[0-9a-f]+)`).exec(stdout);
        const value = d.image.dynamic!.find((e) => e.tag === C[`DT_${tag}`])!.value;
        expect(wideHex(value), tag).toBe(hexOf(BigInt(m![1]!)));
      }
      expect([...stdout.matchAll(/\(NEEDED\)\s+Shared library: \[(.*)\]/g)].map((m) => m[1])).toEqual(['libc.so.6.1', 'libunwind.so.7']);
    });

    it(`${label}: inspect (text and JSON) prints exact values and never NaN`, async () => {
      const path = write(`${label.replace(/\W+/g, '_')}.cli`, bytes);
      const text = await runCli(['inspect', path]);
      const json = await runCli(['inspect', '--format', 'json', path]);
      for (const out of [text.stdout, text.stderr, json.stdout, json.stderr]) expect(out).not.toMatch(/NaN|Infinity|undefined/);
      expect(text.stdout).toContain(hexOf(base + 0x40n));
      expect(JSON.parse(json.stdout).initArray).toEqual([(base + 0x40n) >= 2n ** 52n ? hexOf(base + 0x40n) : Number(base + 0x40n)]);
    });
  }

  it('sizes and offsets above 2^52 are reported exactly and rejected, never read', () => {
    const bytes = buildElf({ needed: ['libc.so.6'] });
    const v = new DataView(bytes.buffer);
    // Find PT_DYNAMIC and give it an absurd p_offset and p_vaddr.
    const phoff = Number(v.getBigUint64(32, true));
    for (let i = 0; i < v.getUint16(56, true); i++) {
      const at = phoff + i * 56;
      if (v.getUint32(at, true) === C.PT_DYNAMIC) { v.setBigUint64(at + 8, 0xdeadbeef00001000n, true); v.setBigUint64(at + 16, 0xfeedface00002000n, true); }
    }
    const r = describeObject(bytesSource(bytes), 'x');
    if (!r.ok) throw new Error(r.error.message);
    const text = r.facts.diagnostics.map((d) => d.message).join('\n');
    expect(text).toContain('0xfeedface00002000');
    expect(text).toContain('PT_DYNAMIC lies past the end of the file');
    const json = JSON.stringify(r.facts, exactJson);
    expect(json).not.toMatch(/NaN/);
    expect(json).toContain('"offset":"0xdeadbeef00001000"');
  });
});
