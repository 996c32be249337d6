// /etc/ld.so.cache: the three on-disk layouts and glibc 2.36's lookup (elf/dl-cache.c: _dl_load_cache_lookup,
// search_cache, _dl_cache_libcmp; sysdeps/generic/dl-cache.h).
import { decodeUtf8 } from '../elf/utf8.js';

const NEW_MAGIC = 'glibc-ld.so.cache1.1';
const OLD_MAGIC = 'ld.so-1.7.0';
const EXTENSION_MAGIC = 0xeaa42174;
const EXTENSION_TAG_GLIBC_HWCAPS = 1;
const EXTENSION_TAG_GENERATOR = 0;

export interface CacheEntry {
  readonly flags: number;
  readonly key: string;
  readonly value: string;
  /** The 64-bit hwcap field as exact halves (new format only). */
  readonly hwcapLo: number;
  readonly hwcapHi: number;
}

export interface LdCache {
  readonly format: 'new' | 'compat' | 'old';
  readonly entries: readonly CacheEntry[];
  /** glibc-hwcaps subdirectory names by index (extension tag 1); null where an offset is bad. */
  readonly hwcapsNames: ReadonlyArray<string | null>;
  readonly generator: string | null;
}

const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));

/** An entry whose strings are decoded on first use: a lookup touches a dozen of a cache's hundreds. */
function lazyEntry(b: Uint8Array, flags: number, keyAt: number, valueAt: number, hwcapLo: number, hwcapHi: number): CacheEntry {
  let key: string | undefined, value: string | undefined;
  return {
    flags, hwcapLo, hwcapHi,
    get key() { return (key ??= cstr(b, keyAt) ?? ''); },
    get value() { return (value ??= cstr(b, valueAt) ?? ''); },
  };
}

/** A NUL-terminated string at `at` (bounded by the buffer), or null when `at` is outside. */
function cstr(b: Uint8Array, at: number): string | null {
  if (!(at >= 0 && at < b.length)) return null;
  let end = b.indexOf(0, at);
  if (end < 0) end = b.length;
  return decodeUtf8(b.subarray(at, end));
}

/**
 * Parses a cache the way ld.so reads it. `targetLittleEndian` decides byte order for the new format's
 * "unset" endianness and for the old format (which has no marker). Anything malformed means "no cache".
 */
export function parseLdCache(b: Uint8Array, targetLittleEndian: boolean): LdCache | null {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length >= 48 && ascii(b, 0, 20) === NEW_MAGIC) return parseNew(b, v, 0, targetLittleEndian, 'new');
  if (b.length >= 16 && ascii(b, 0, 11) === OLD_MAGIC) {
    const le = targetLittleEndian;
    const nlibs = v.getUint32(12, le);
    if (!((b.length - 16) / 12 >= nlibs)) return null;
    // The compat layout embeds a new-format block right after the old entries, aligned (ALIGN_CACHE).
    const end = 16 + 12 * nlibs;
    for (const at of new Set([end, Math.ceil(end / 8) * 8, Math.ceil(end / 4) * 4])) {
      if (at + 48 <= b.length && ascii(b, at, 20) === NEW_MAGIC) return parseNew(b, v, at, targetLittleEndian, 'compat');
    }
    const strings = end;
    const entries: CacheEntry[] = [];
    for (let i = 0; i < nlibs; i++) {
      const e = 16 + 12 * i;
      // ld.so verifies offsets lazily; an entry with a bad offset can never match.
      entries.push(lazyEntry(b, v.getInt32(e, le), strings + v.getUint32(e + 4, le), strings + v.getUint32(e + 8, le), 0, 0));
    }
    return { format: 'old', entries, hwcapsNames: [], generator: null };
  }
  return null;
}

function parseNew(b: Uint8Array, v: DataView, base: number, targetLe: boolean, format: 'new' | 'compat'): LdCache | null {
  const endianFlag = b[base + 28]! & 3;
  // 0: written before endianness was recorded (assume the target's); 1: invalid; 2: little; 3: big.
  if (endianFlag === 1) return null;
  const le = endianFlag === 0 ? targetLe : endianFlag === 2;
  if (le !== targetLe) return null;
  const nlibs = v.getUint32(base + 20, le);
  if (!((b.length - base - 48) / 24 >= nlibs)) return null;
  const entries: CacheEntry[] = [];
  for (let i = 0; i < nlibs; i++) {
    const e = base + 48 + 24 * i;
    // key and value are relative to the new header.
    entries.push(lazyEntry(b, v.getInt32(e, le), base + v.getUint32(e + 4, le), base + v.getUint32(e + 8, le),
      v.getUint32(e + (le ? 16 : 20), le), v.getUint32(e + (le ? 20 : 16), le)));
  }
  let hwcapsNames: Array<string | null> = [];
  let generator: string | null = null;
  const ext = v.getUint32(base + 32, le);
  if (ext !== 0 && ext % 4 === 0 && ext + 8 <= b.length && v.getUint32(ext, le) === EXTENSION_MAGIC) {
    const count = v.getUint32(ext + 4, le);
    const sections: Array<{ tag: number; offset: number; size: number }> = [];
    let valid = ext + 8 + 16 * count <= b.length;
    for (let i = 0; valid && i < count; i++) {
      const s = ext + 8 + 16 * i;
      const sec = { tag: v.getUint32(s, le), offset: v.getUint32(s + 8, le), size: v.getUint32(s + 12, le) };
      if (sec.offset + sec.size > b.length) valid = false;
      sections.push(sec);
    }
    for (const s of valid ? sections : []) {
      if (s.tag === EXTENSION_TAG_GENERATOR) generator = decodeUtf8(b.subarray(s.offset, s.offset + s.size));
      if (s.tag === EXTENSION_TAG_GLIBC_HWCAPS && s.offset % 4 === 0 && s.size > 0 && s.size % 4 === 0) {
        // Offsets relative to the start of the *file* (glibc_hwcaps_compare), whatever the layout:
        // in a compat file they point at garbage, and ld.so then never matches a glibc-hwcaps entry.
        hwcapsNames = Array.from({ length: s.size / 4 }, (_, i) => cstr(b, v.getUint32(s.offset + 4 * i, le)));
      }
    }
  }
  return { format, entries, hwcapsNames, generator };
}

/** elf/dl-cache.c _dl_cache_libcmp: digit runs compare as numbers, and a digit sorts after any other character. */
export function cacheLibcmp(a: string, b: string): number {
  let i = 0, j = 0;
  const digit = (c: number) => c >= 48 && c <= 57;
  while (i < a.length) {
    const c1 = a.charCodeAt(i), c2 = j < b.length ? b.charCodeAt(j) : 0;
    if (digit(c1)) {
      if (!digit(c2)) return 1;
      let v1 = 0, v2 = 0;
      while (i < a.length && digit(a.charCodeAt(i))) v1 = (v1 * 10 + a.charCodeAt(i++) - 48) | 0;
      while (j < b.length && digit(b.charCodeAt(j))) v2 = (v2 * 10 + b.charCodeAt(j++) - 48) | 0;
      if (v1 !== v2) return v1 - v2;
    } else if (digit(c2)) {
      return -1;
    } else if (c1 !== c2) {
      return c1 - c2;
    } else {
      i++;
      j++;
    }
  }
  return 0 - (j < b.length ? b.charCodeAt(j) : 0);
}

export interface CacheTarget {
  /** _dl_cache_check_flags of the target's ld.so. */
  readonly acceptsFlags: (flags: number) => boolean;
  /** _DL_CACHE_DEFAULT_ID: an exact match stops the scan. */
  readonly defaultId: number;
  /** Active glibc-hwcaps subdirectory names, most preferred first. */
  readonly hwcaps: readonly string[];
  /** Highest x86 ISA level the CPU supports (0 baseline … 3 v4); other targets 0. */
  readonly isaLevel: number;
}

const isHwcapsEntry = (e: CacheEntry) => (e.hwcapHi & ~0x3ff) === 1 << 30;

/** search_cache: the one path ld.so would try for `name`, or null. */
export function lookupCache(cache: LdCache, name: string, t: CacheTarget): string | null {
  const e = cache.entries;
  let left = 0, right = e.length - 1;
  while (left <= right) {
    let middle = (left + right) >> 1;
    const cmp = cacheLibcmp(name, e[middle]!.key);
    if (cmp !== 0) {
      // Keys are sorted in descending order.
      if (cmp < 0) left = middle + 1;
      else right = middle - 1;
      continue;
    }
    while (middle > 0 && cacheLibcmp(name, e[middle - 1]!.key) === 0) middle--;
    let best: string | null = null;
    let bestPriority = 0;
    for (; middle <= right && cacheLibcmp(name, e[middle]!.key) === 0; middle++) {
      const lib = e[middle]!;
      if (!t.acceptsFlags(lib.flags) || lib.value === '') continue;
      // Once something matched, only the exact default id may replace it.
      if (best !== null && lib.flags !== t.defaultId) continue;
      if (cache.format !== 'old') {
        if (isHwcapsEntry(lib)) {
          if ((lib.hwcapHi & 0x3ff) > t.isaLevel) continue;
          const subdir = cache.hwcapsNames[lib.hwcapLo] ?? null;
          const priority = subdir === null ? 0 : t.hwcaps.indexOf(subdir) + 1;
          if (priority > 0 && (bestPriority === 0 || priority < bestPriority)) {
            best = lib.value;
            bestPriority = priority;
          }
          continue;
        }
        if (best !== null) break; // a glibc-hwcaps entry won; plain entries come after them
        // Legacy hwcap-bit entries (tls/, platform dirs) need AT_HWCAP bits we do not model: skipped, as glibc ≥ 2.40 does.
        if (lib.hwcapLo !== 0 || lib.hwcapHi !== 0) continue;
      }
      best = lib.value;
      if (lib.flags === t.defaultId) break;
    }
    return best;
  }
  return null;
}
