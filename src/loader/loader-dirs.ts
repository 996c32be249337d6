// A glibc ld.so's own system directories and $LIB, read from its bytes: they are build-time strings
// (elf/dl-load.c system_dirs from SYSTEM_DIRS; DL_DST_LIB). Debian's amd64 ld.so has
// "/lib/x86_64-linux-gnu/\0/usr/lib/x86_64-linux-gnu/\0/lib/\0/usr/lib/\0"; its biarch i386 one
// (libc6-i386, /lib/ld-linux.so.2 → /lib32) has "/lib32/\0/usr/lib32/\0/lib/\0/usr/lib/\0" and $LIB "lib32".
// Its glibc release is in the banner `ld.so --version` prints (elf/dl-usage.c _dl_version): "ld.so (Debian
// GLIBC 2.41-12) stable release version 2.41." — the search rules changed with releases (capabilities.ts).
import type { FileSystem } from './fs.js';

export interface LoaderDirs {
  readonly systemDirs: readonly string[];
  /** null when the string is not in the file on its own. */
  readonly lib: string | null;
  /** The glibc release, [major, minor]; null when the banner is not found. */
  readonly release: readonly [number, number] | null;
}

/** The largest ld.so we read whole (glibc's are about 200 KiB). */
const MAX_LOADER = 8 << 20;
const DIR = /^\/([\w.+-]+\/)*lib[\w.+-]*\/([\w.+-]+\/)*$/;

/** Each file system's loaders, read once (check over a directory asks for the same ld.so per program). */
const seen = new WeakMap<FileSystem, Map<string, LoaderDirs | null>>();

/** The loader's system directories (each ending in '/') and $LIB, or null when `path` holds no such strings. */
export function readLoaderDirs(fs: FileSystem, path: string): LoaderDirs | null {
  let known = seen.get(fs);
  if (!known) seen.set(fs, (known = new Map()));
  if (!known.has(path)) known.set(path, scanLoader(fs, path));
  return known.get(path)!;
}

function scanLoader(fs: FileSystem, path: string): LoaderDirs | null {
  const r = fs.readFile(path, MAX_LOADER);
  if (!r.ok) return null;
  const bytes = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
  // The NUL-terminated string that starts at `from`, and where the next one starts. Latin-1: one character per byte.
  const stringAt = (from: number) => {
    const end = bytes.indexOf(0, from);
    return { text: bytes.toString('latin1', from, end < 0 ? bytes.length : end), next: end < 0 ? bytes.length + 1 : end + 1 };
  };
  const startOf = (end: number) => (end > 0 ? bytes.lastIndexOf(0, end - 1) + 1 : 0);
  // system_dirs: the first two or more consecutive strings that are each an absolute "lib" directory
  // ending in '/'. Its first two meet as "/\0/": only there are the strings around decoded.
  for (let at = bytes.indexOf(SEP); at >= 0; at = bytes.indexOf(SEP, at + 1)) {
    const first = startOf(at + 1);
    if (!DIR.test(bytes.toString('latin1', first, at + 1)) || !DIR.test(stringAt(at + 2).text)) continue;
    const systemDirs: string[] = [];
    for (let s = stringAt(first); DIR.test(s.text); s = stringAt(s.next)) {
      systemDirs.push(s.text);
      if (s.next > bytes.length) break;
    }
    // The first string may follow other constant bytes with no NUL between (armhf): its longest "lib" suffix.
    const before = first > 0 ? bytes.toString('latin1', startOf(first - 1), first - 1) : '';
    const lead = [...before.matchAll(/\//g)].map((m) => before.slice(m.index)).find((x) => DIR.test(x));
    if (lead) systemDirs.unshift(lead);
    // DL_DST_LIB is the first system directory without its slashes ("lib/x86_64-linux-gnu", "lib32", "lib64").
    const lib = systemDirs[0]!.slice(1, -1);
    return { systemDirs, lib: wholeString(bytes, lib) ? lib : null, release: releaseOf(bytes) };
  }
  return null;
}

const SEP = Buffer.from('/\0/', 'latin1');
const BANNER = Buffer.from(' release version ', 'latin1');

/** Whether a loader's release is known and at least major.minor. */
export const releaseAtLeast = (release: readonly [number, number] | null, major: number, minor: number): boolean =>
  release !== null && (release[0] > major || (release[0] === major && release[1] >= minor));

/** "… release version 2.41." → [2, 41]. The banner came with 2.33: an older loader has none (null). */
function releaseOf(bytes: Buffer): [number, number] | null {
  const at = bytes.indexOf(BANNER);
  const m = at < 0 ? null : /^(\d+)\.(\d+)/.exec(bytes.toString('latin1', at + BANNER.length, at + BANNER.length + 16));
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Whether `text` is one of the file's NUL-separated strings. */
function wholeString(bytes: Buffer, text: string): boolean {
  const want = Buffer.from(text, 'latin1');
  for (let at = bytes.indexOf(want); at >= 0; at = bytes.indexOf(want, at + 1)) {
    if ((at === 0 || bytes[at - 1] === 0) && (at + want.length === bytes.length || bytes[at + want.length] === 0)) return true;
  }
  return false;
}
