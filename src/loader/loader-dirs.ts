// A glibc ld.so's own system directories and $LIB, read from its bytes: they are build-time strings
// (elf/dl-load.c system_dirs from SYSTEM_DIRS; DL_DST_LIB). Debian's amd64 ld.so has
// "/lib/x86_64-linux-gnu/\0/usr/lib/x86_64-linux-gnu/\0/lib/\0/usr/lib/\0"; its biarch i386 one
// (libc6-i386, /lib/ld-linux.so.2 → /lib32) has "/lib32/\0/usr/lib32/\0/lib/\0/usr/lib/\0" and $LIB "lib32".
import type { FileSystem } from './fs.js';

export interface LoaderDirs {
  readonly systemDirs: readonly string[];
  /** null when the string is not in the file on its own. */
  readonly lib: string | null;
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
  // Latin-1 keeps one character per byte, so NULs stay where they are.
  const text = new TextDecoder('latin1').decode(r.value);
  const strings = text.split('\0');
  for (let i = 0; i < strings.length; i++) {
    // system_dirs: two or more consecutive strings, each an absolute "lib" directory ending in '/'.
    let j = i;
    while (j < strings.length && DIR.test(strings[j]!)) j++;
    if (j - i < 2) continue;
    // The first string may follow other constant bytes with no NUL between (armhf): its longest "lib" suffix.
    const before = i > 0 ? strings[i - 1]! : '';
    const lead = [...before.matchAll(/\//g)].map((m) => before.slice(m.index)).find((x) => DIR.test(x));
    const systemDirs = [...(lead ? [lead] : []), ...strings.slice(i, j)];
    // DL_DST_LIB is the first system directory without its slashes ("lib/x86_64-linux-gnu", "lib32", "lib64").
    const lib = systemDirs[0]!.slice(1, -1);
    return { systemDirs, lib: strings.includes(lib) ? lib : null };
  }
  return null;
}
