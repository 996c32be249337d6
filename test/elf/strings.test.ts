// DT_STRTAB lookups read only the bytes around each string: to the end of its 4 KiB block, one block
// more, then the rest of the table. Strings that cross a block, span several, end the table unterminated
// or sit past its end must read exactly as from the whole table; past DT_STRSZ they read on to their NUL
// inside the segment, as ld.so does (it never looks at DT_STRSZ), flagged.
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { decodeElf } from '../../src/elf/decode.js';
import type { Diagnostic } from '../../src/elf/errors.js';
import { dynValue } from '../../src/elf/image.js';
import { type ByteSource, bytesSource } from '../../src/elf/source.js';
import { StringTable } from '../../src/elf/strings.js';
import { buildElf } from '../support/elf-writer.js';

/** A source that counts the bytes handed out. */
function counting(bytes: Uint8Array): ByteSource & { given: number } {
  const inner = bytesSource(bytes);
  const s = { size: inner.size, given: 0, read: (o: number, n: number) => { const b = inner.read(o, n); s.given += b.length; return b; } };
  return s;
}

describe('StringTable.fromDynamic', () => {
  // Names long enough to cross 4 KiB blocks wherever the writer puts the table, one of them three blocks long.
  const names = ['liba.so', 'x'.repeat(3000), 'y'.repeat(5000), 'z'.repeat(9000), 'libz.so.1'];
  const file = buildElf({ needed: names, soname: 'libt.so' });

  it('finds every string as the whole table holds it, crossing blocks or not', () => {
    const src = counting(file);
    const d = decodeElf(src);
    if (!d.ok) throw new Error(d.error.message);
    expect(d.image.needed).toEqual(names);
    expect(d.image.soname).toBe('libt.so');
    const lazy = StringTable.fromDynamic(src, d.image)!;
    const whole = StringTable.fromDynamic(src, d.image, true)!;
    for (let i = 0; i < whole.size; i += 97) expect(lazy.lookup(i)).toEqual(whole.lookup(i));
    expect(lazy.lookup(whole.size)).toMatchObject({ pastSize: true });
    expect(lazy.lookup(-1)).toBeNull();
    expect(lazy.lookup(file.length)).toBeNull();
  });

  it('reads a few bytes for a short string, not the table', () => {
    const d = decodeElf(bytesSource(file));
    if (!d.ok) throw new Error(d.error.message);
    const src = counting(file);
    const t = StringTable.fromDynamic(src, d.image)!;
    expect(t.size).toBe(dynValue(d.image, C.DT_STRSZ));
    const at = Buffer.from(StringTable.fromDynamic(bytesSource(file), d.image, true)!.bytes).indexOf('libz.so.1\0');
    expect(at).toBeGreaterThan(0);
    expect(t.lookup(at)?.text).toBe('libz.so.1');
    expect(src.given).toBeLessThanOrEqual(4096);
    expect(src.given).toBeLessThan(t.size);
  });

  it('a string that runs past DT_STRSZ is read on to its NUL, as ld.so reads it, and flagged', () => {
    const d = decodeElf(bytesSource(file));
    if (!d.ok) throw new Error(d.error.message);
    // DT_STRSZ one byte short: the last string's NUL lies past it.
    const image = { ...d.image, dynamic: d.image.dynamic!.map((e) => (e.tag === C.DT_STRSZ ? { ...e, value: e.value - 1 } : e)), diagnostics: [] };
    const t = StringTable.fromDynamic(bytesSource(file), image)!;
    const whole = StringTable.fromDynamic(bytesSource(file), image, true)!;
    // The last string: after the NUL before the table's last one.
    const at = whole.bytes.lastIndexOf(0, whole.size - 1) + 1;
    const last = new TextDecoder().decode(whole.bytes.subarray(at));
    expect(last.length).toBeGreaterThan(0);
    expect(t.lookup(at)).toEqual({ text: last, terminated: true, pastSize: true });
    expect(whole.lookup(at)).toEqual({ text: last, terminated: true, pastSize: true });
    const diagnostics: Diagnostic[] = [];
    expect(t.at(at, () => 'DT_NEEDED', diagnostics)).toBe(last);
    expect(diagnostics.map((x) => x.message)).toEqual([`string at index ${at} lies past DT_STRSZ (${t.size} bytes); ld.so reads it there all the same`]);
  });
});
