// FileSystem over node:fs confined to a root directory, like a chroot: every absolute symlink target,
// every `..` and every path is resolved inside the root, component by component, so nothing outside
// the root is ever opened.
import { type Dirent, type Stats, closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync } from 'node:fs';
import { fdSource, hostPath } from './file-source.js';
import { decodeUtf8 } from '../elf/utf8.js';
import type { DirEntry, FileInfo, FileSystem, FsErrno, FsResult, OpenFile, SpecialKind } from '../loader/fs.js';

/** Node decodes a name it reads as UTF-8 and puts U+FFFD for what is not: then read the bytes again. */
const lossy = (s: string) => s.includes('\ufffd');

/** Linux's limit on symbolic links followed while resolving one path (MAXSYMLINKS). */
const MAX_LINKS = 40;

export function confinedFs(root: string): FileSystem {
  const hostRoot = root === '/' ? '' : root.replace(/\/+$/, '');
  const resolved = new Map<string, FsResult<string>>();
  // The links followed to resolve a path of `resolved` (when any): a longer path that starts from it goes on counting.
  const linksTo = new Map<string, number>();
  // What walk() learnt of the real directories it passed, so that the walks of their entries start there,
  // and of the last other path it or stat() looked at, so that stat() then open() of a file costs one
  // lstat. (Not every file's: a whole root has hundreds of thousands.) open() checks its descriptor again
  // with fstat. What is kept of an lstat is a Seen, not Node's Stats (four Dates and a dozen numbers, for
  // each of a root's 16,000 directories).
  const dirs = new Map<string, Seen>();
  let last: { path: string; st: Seen } | null = null;
  const known = (real: string) => dirs.get(real) ?? (last?.path === real ? last.st : undefined);
  const lstat = (real: string): Seen | undefined => {
    const st = lstatSync(hostPath(hostRoot + real), { throwIfNoEntry: false });
    return st && { link: st.isSymbolicLink(), info: infoOf(st) };
  };
  const remember = (real: string, st: Seen) => {
    if (st.info.kind === 'dir') {
      dirs.set(real, st);
      resolved.set(real, { ok: true, value: real }); // a real directory is its own real path
    } else last = { path: real, st };
  };

  /** In-root real path of `path`, following links (the last component too when `follow`). */
  function resolve(path: string): FsResult<string> {
    const hit = resolved.get(path);
    if (hit) return hit;
    const entry = entryOfRealDir(path);
    if (entry?.ok) return entry;
    const r = entry ?? walk(path);
    resolved.set(path, r);
    return r;
  }

  /**
   * An entry of a real directory walk() has passed that is no link (each file of a whole-root walk): one
   * lstat, and the path is its own real path. Found, it is not kept in `resolved`, which would then hold
   * every file of the root; null when this does not apply.
   */
  function entryOfRealDir(path: string): FsResult<string> | null {
    const slash = path.lastIndexOf('/');
    const base = path.slice(slash + 1);
    if (slash < 0 || path.length > 4096 || base === '' || base === '.' || base === '..' || base.length > 255 || (slash !== 0 && !dirs.has(path.slice(0, slash)))) return null;
    let st: Seen | undefined;
    try {
      st = known(path) ?? lstat(path);
    } catch (e) {
      return { ok: false, errno: errnoOf(e) };
    }
    if (!st) return { ok: false, errno: 'ENOENT' };
    remember(path, st); // a link's lstat too: walk() then starts from it
    return st.link ? null : { ok: true, value: path };
  }

  function walk(path: string): FsResult<string> {
    if (!path.startsWith('/')) return { ok: false, errno: 'ENOENT' };
    if (path.length > 4096) return { ok: false, errno: 'ENAMETOOLONG' };
    const todo = path.split('/').filter((c) => c !== '' && c !== '.').reverse();
    let done: string[] = [];
    // Start from the longest prefix already resolved: resolving a/b/c is resolving c inside realpath(a/b),
    // so a directory's entries cost one lstat each (a whole-root scan walks every entry). A prefix that
    // cannot be resolved fails the whole path the same way (a search directory that does not exist).
    let links = 0;
    for (let k = 1; k < todo.length; k++) {
      const prefix = todo.slice(k);
      if (prefix.includes('..')) continue;
      const key = '/' + [...prefix].reverse().join('/');
      const hit = resolved.get(key);
      if (hit && !hit.ok) return hit;
      if (hit?.ok) {
        done = hit.value.split('/').filter(Boolean);
        todo.length = k;
        links = linksTo.get(key) ?? 0;
        break;
      }
    }
    while (todo.length > 0) {
      const c = todo.pop()!;
      if (c === '..') {
        done.pop(); // `..` at the root stays at the root
        continue;
      }
      if (c.length > 255) return { ok: false, errno: 'ENAMETOOLONG' };
      const here = '/' + [...done, c].join('/');
      let st = known(here);
      try {
        st ??= lstat(here);
      } catch (e) {
        return { ok: false, errno: errnoOf(e) };
      }
      if (!st) {
        const missing: FsResult<string> = { ok: false, errno: 'ENOENT' };
        resolved.set(here, missing);
        return missing;
      }
      if (st.link) {
        if (++links > MAX_LINKS) return { ok: false, errno: 'ELOOP' };
        let target: string;
        try {
          target = readlinkSync(hostPath(hostRoot + here));
          if (lossy(target)) target = decodeUtf8(readlinkSync(hostPath(hostRoot + here), { encoding: 'buffer' }));
        } catch (e) {
          return { ok: false, errno: errnoOf(e) };
        }
        if (target.startsWith('/')) done.length = 0;
        todo.push(...target.split('/').filter((x) => x !== '' && x !== '.').reverse());
        continue;
      }
      if (todo.length > 0 && st.info.kind !== 'dir') return { ok: false, errno: 'ENOTDIR' };
      done.push(c);
      remember(here, st);
    }
    if (links > 0) linksTo.set(path, links);
    return { ok: true, value: '/' + done.join('/') };
  }

  const host = (p: string) => hostPath((hostRoot + p) || '/');

  /** lstat of an in-root real path, as walk() saw it or now. */
  function lstatOf(real: string): FsResult<FileInfo> {
    let st = known(real);
    try {
      st ??= lstat(real);
    } catch (e) {
      return { ok: false, errno: errnoOf(e) };
    }
    if (!st) return { ok: false, errno: 'ENOENT' };
    remember(real, st);
    return { ok: true, value: st.info };
  }

  function stat(path: string): FsResult<FileInfo> {
    const r = resolve(path);
    if (!r.ok) return r;
    return lstatOf(r.value);
  }

  function open(path: string): FsResult<OpenFile> {
    const r = resolve(path);
    if (!r.ok) return r;
    // Look before opening: a FIFO is never opened (ld.so's open would block), a socket cannot be (ENXIO),
    // and a device is never read.
    const pre = lstatOf(r.value);
    if (!pre.ok) return pre;
    const { kind } = pre.value;
    if (kind !== 'file' && kind !== 'dir' && kind !== 'other') return { ok: false, errno: kind === 'socket' ? 'ENXIO' : 'ENOTREG', special: kind };
    let fd: number;
    try {
      // O_NOFOLLOW: the resolved path has no links left; O_NONBLOCK: a FIFO swapped in meanwhile must not hang us.
      fd = openSync(host(r.value), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e) {
      return { ok: false, errno: errnoOf(e) };
    }
    const st = fstatSync(fd);
    if (!st.isFile()) {
      closeSync(fd);
      const kind = specialKind(st);
      return kind ? { ok: false, errno: kind === 'socket' ? 'ENXIO' : 'ENOTREG', special: kind } : { ok: false, errno: st.isDirectory() ? 'EISDIR' : 'EACCES' };
    }
    return { ok: true, value: { ...fdSource(fd, st.size), info: infoOf(st) } };
  }

  function readFile(path: string, max: number): FsResult<Uint8Array> {
    const f = open(path);
    if (!f.ok) return f;
    try {
      return { ok: true, value: f.value.read(0, Math.min(max, f.value.size)) };
    } finally {
      f.value.close();
    }
  }

  function readdir(path: string): FsResult<DirEntry[]> {
    const r = resolve(path);
    if (!r.ok) return r;
    try {
      const entries = readdirSync(host(r.value), { withFileTypes: true });
      if (!entries.some((d) => lossy(d.name))) return { ok: true, value: entries.map((d) => ({ name: d.name, kind: direntKind(d) })) };
      return { ok: true, value: readdirSync(host(r.value), { withFileTypes: true, encoding: 'buffer' }).map((d) => ({ name: decodeUtf8(d.name), kind: direntKind(d) })) };
    } catch (e) {
      return { ok: false, errno: errnoOf(e) };
    }
  }

  return { stat, open, readFile, readdir, realpath: resolve };
}

/**
 * This process's current directory, against which relative paths resolve. When it has been removed
 * (getcwd fails), the kernel's link to it: ld.so would open relative names in that directory, and a
 * removed directory holds nothing.
 */
export function currentDir(): string {
  try {
    return process.cwd();
  } catch {
    return '/proc/self/cwd';
  }
}

export function specialKind(st: Stats | Dirent<string | Buffer>): SpecialKind | null {
  return st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : st.isCharacterDevice() ? 'char-device' : st.isBlockDevice() ? 'block-device' : null;
}

function direntKind(d: Dirent<string | Buffer>): DirEntry['kind'] {
  return d.isFile() ? 'file' : d.isDirectory() ? 'dir' : d.isSymbolicLink() ? 'link' : specialKind(d) ?? 'other';
}

/** What the walk keeps of an lstat. */
interface Seen {
  readonly link: boolean;
  readonly info: FileInfo;
}

function infoOf(st: Stats): FileInfo {
  return {
    kind: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : specialKind(st) ?? 'other',
    id: `${st.dev}:${st.ino}`,
    size: st.size,
    mode: st.mode,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
  };
}

function errnoOf(e: unknown): FsErrno {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'EISDIR'
    ? code
    : 'EIO';
}
