// ld.so.cache: the parser against `ldconfig -p` on this machine, and glibc's lookup rules on built caches.
import { execaSync } from 'execa';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cacheLibcmp, lookupCache, parseLdCache } from '../../src/loader/ldcache.js';
import { LDCONFIG, requires } from '../support/prereq.js';

const x86 = { acceptsFlags: (f: number) => f === 0x0303, defaultId: 0x0303, hwcaps: ['x86-64-v3', 'x86-64-v2'], isaLevel: 2 };

describe("this machine's /etc/ld.so.cache", () => {
  const ldconfig = (() => { try { return execaSync('ldconfig', ['-p'], { env: { LC_ALL: 'C' } }).stdout; } catch { return null; } })();
  it('parses to exactly what ldconfig -p prints, in order', (ctx) => {
    requires(ctx, LDCONFIG);
    const cache = parseLdCache(new Uint8Array(readFileSync('/etc/ld.so.cache')), true)!;
    expect(cache.format).toBe('new');
    const lines = ldconfig!.split('\n').filter((l) => l.startsWith('\t'));
    expect(/^(\d+) libs found/m.exec(ldconfig!)?.[1]).toBe(String(cache.entries.length));
    const ours = cache.entries.map((e) => {
      // ldconfig's print_entry (elf/cache.c): the type byte, then the architecture's required flags.
      const type = ['libc4', 'ELF', 'libc5', 'libc6'][e.flags & 0xff] ?? 'unknown';
      const req = e.flags & 0xff00;
      const arch = type + (req === 0 ? '' : ({ 0x0300: ',x86-64', 0x0800: ',x32' } as Record<number, string>)[req] ?? `,${req}`);
      const hw = (e.hwcapHi & ~0x3ff) === 1 << 30 ? `, hwcap: "${cache.hwcapsNames[e.hwcapLo]}"` : '';
      return `\t${e.key} (${arch}${hw}) => ${e.value}`;
    });
    expect(lines.length).toBeGreaterThan(50);
    expect(ours).toEqual(lines);
    expect(cache.generator).toMatch(/^ldconfig /);
  });
});

describe('_dl_cache_libcmp', () => {
  it('compares digit runs as numbers and sorts digits after other characters', () => {
    expect(cacheLibcmp('libfoo.so.01', 'libfoo.so.1')).toBe(0);
    expect(cacheLibcmp('libfoo.so.10', 'libfoo.so.9')).toBeGreaterThan(0);
    expect(cacheLibcmp('libfoo.so.1', 'libfoo.so')).toBeGreaterThan(0);
    expect(cacheLibcmp('lib1', 'liba')).toBeGreaterThan(0);
    expect(cacheLibcmp('liba', 'lib1')).toBeLessThan(0);
    expect(cacheLibcmp('libz.so', 'liba.so')).toBeGreaterThan(0);
  });
});

/** A new-format cache ("glibc-ld.so.cache1.1") with a glibc-hwcaps extension, as ldconfig 2.36 writes it. */
function newCache(entries: Array<{ key: string; value: string; flags?: number; hwcaps?: string; isa?: number }>, opts: { endian?: number; compatOffset?: number } = {}) {
  const names = [...new Set(entries.map((e) => e.hwcaps).filter((x): x is string => !!x))].sort();
  const strs: string[] = [];
  const pool = new Map<string, number>();
  let size = 0;
  const s = (x: string) => { if (!pool.has(x)) { pool.set(x, size); strs.push(x); size += Buffer.byteLength(x) + 1; } return pool.get(x)!; };
  const base = opts.compatOffset ?? 0;
  const strStart = base + 48 + 24 * entries.length;
  entries.forEach((e) => { s(e.key); s(e.value); });
  names.forEach(s);
  const extAt = Math.ceil((strStart + size) / 4) * 4;
  const hwArrayAt = extAt + 8 + 16;
  const total = hwArrayAt + 4 * names.length;
  const b = Buffer.alloc(total);
  b.write('glibc-ld.so.cache1.1', base, 'latin1');
  b.writeUInt32LE(entries.length, base + 20);
  b.writeUInt32LE(size, base + 24);
  b[base + 28] = opts.endian ?? 2;
  b.writeUInt32LE(names.length ? extAt : 0, base + 32);
  entries.forEach((e, i) => {
    const at = base + 48 + 24 * i;
    b.writeInt32LE(e.flags ?? 0x0303, at);
    b.writeUInt32LE(strStart - base + pool.get(e.key)!, at + 4);
    b.writeUInt32LE(strStart - base + pool.get(e.value)!, at + 8);
    if (e.hwcaps) { b.writeUInt32LE(names.indexOf(e.hwcaps), at + 16); b.writeUInt32LE((1 << 30) | (e.isa ?? 0), at + 20); }
  });
  strs.forEach((x) => b.write(x + '\0', strStart + pool.get(x)!, 'latin1'));
  if (names.length) {
    b.writeUInt32LE(0xeaa42174, extAt); b.writeUInt32LE(1, extAt + 4);
    b.writeUInt32LE(1, extAt + 8); b.writeUInt32LE(0, extAt + 12); b.writeUInt32LE(hwArrayAt, extAt + 16); b.writeUInt32LE(4 * names.length, extAt + 20);
    // Offsets written relative to the new header, as ldconfig 2.36 does; ld.so reads them relative to the file.
    names.forEach((n, i) => b.writeUInt32LE(strStart - base + pool.get(n)!, hwArrayAt + 4 * i));
  }
  return new Uint8Array(b);
}

const libq = [
  { key: 'libq.so.1', value: '/usr/lib/glibc-hwcaps/x86-64-v4/libq.so.1.2.3', hwcaps: 'x86-64-v4', isa: 3 },
  { key: 'libq.so.1', value: '/usr/lib/glibc-hwcaps/x86-64-v3/libq.so.1.2.3', hwcaps: 'x86-64-v3', isa: 2 },
  { key: 'libq.so.1', value: '/usr/lib/glibc-hwcaps/x86-64-v2/libq.so.1', hwcaps: 'x86-64-v2', isa: 1 },
  { key: 'libq.so.1', value: '/usr/lib/libq.so.1' },
  { key: 'libp.so.2', value: '/usr/lib/libp.so.2' },
];

describe('search_cache on built caches', () => {
  it('picks the most preferred active glibc-hwcaps entry, skipping ISA levels the CPU lacks', () => {
    const c = parseLdCache(newCache(libq), true)!;
    expect(lookupCache(c, 'libq.so.1', x86)).toBe('/usr/lib/glibc-hwcaps/x86-64-v3/libq.so.1.2.3');
    expect(lookupCache(c, 'libq.so.1', { ...x86, hwcaps: ['x86-64-v2'], isaLevel: 1 })).toBe('/usr/lib/glibc-hwcaps/x86-64-v2/libq.so.1');
    expect(lookupCache(c, 'libq.so.1', { ...x86, hwcaps: [], isaLevel: 0 })).toBe('/usr/lib/libq.so.1');
    expect(lookupCache(c, 'libp.so.2', x86)).toBe('/usr/lib/libp.so.2');
    expect(lookupCache(c, 'libp.so.02', x86)).toBe('/usr/lib/libp.so.2');
    expect(lookupCache(c, 'libnope.so', x86)).toBeNull();
  });

  it('ignores entries of other architectures', () => {
    const c = parseLdCache(newCache([{ key: 'libz.so.1', value: '/lib32/libz.so.1', flags: 0x0003 }]), true)!;
    expect(lookupCache(c, 'libz.so.1', x86)).toBeNull();
  });

  it('ignores a cache of the other byte order, and an invalid endianness flag', () => {
    expect(parseLdCache(newCache(libq, { endian: 3 }), true)).toBeNull();
    expect(parseLdCache(newCache(libq, { endian: 1 }), true)).toBeNull();
    expect(parseLdCache(newCache(libq, { endian: 0 }), true)?.entries).toHaveLength(5);
  });

  it('in the compat layout, glibc-hwcaps names resolve to garbage and the plain entry wins (glibc quirk)', () => {
    const oldPart = 16 + 12 * 2;
    const inner = newCache(libq, { compatOffset: oldPart });
    const b = Buffer.from(inner);
    b.write('ld.so-1.7.0', 0, 'latin1');
    b.writeUInt32LE(2, 12);
    const c = parseLdCache(new Uint8Array(b), true)!;
    expect(c.format).toBe('compat');
    expect(lookupCache(c, 'libq.so.1', x86)).toBe('/usr/lib/libq.so.1');
  });

  it('treats a truncated or foreign file as no cache', () => {
    const full = newCache(libq);
    expect(parseLdCache(full.subarray(0, 60), true)).toBeNull();
    expect(parseLdCache(new TextEncoder().encode('not a cache at all, definitely not'), true)).toBeNull();
  });
});
