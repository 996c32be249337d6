// Where the answer cache keeps its entries (docs/cache.md): one file per question in the user's cache
// directory. An answer replayed from a file someone else could write would be theirs, not ours: the
// directory must be the user's own, not a link, and closed to others, and so must every entry; anything
// else there is neither read nor written.
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The answer cache's store: entries by file name, for answers made by one build. */
export interface AnswerCache {
  /** The build (the bundle's digest) whose answers these are: another build answers afresh. */
  readonly build: string;
  readonly dir: string;
  read(name: string): Uint8Array | null;
  /** Writes the entry from its parts, whole or not at all. */
  write(name: string, data: readonly Uint8Array[]): void;
}

/** Entries kept; the least recently written go first. */
const KEEP = 64;

/**
 * The store for answers made by `build` (the bundle's digest), or null when the cache is off
 * (LOADGRAPH_CACHE=off) or there is no absolute place for it. The directory is checked on first use.
 */
export function answerStore(env: Readonly<Record<string, string | undefined>>, build: string, uid = process.getuid?.() ?? -1): AnswerCache | null {
  if (env.LOADGRAPH_CACHE === 'off' || env.LOADGRAPH_CACHE === '0') return null;
  const base = env.XDG_CACHE_HOME?.startsWith('/') ? env.XDG_CACHE_HOME : env.HOME?.startsWith('/') ? join(env.HOME, '.cache') : null;
  const dir = env.LOADGRAPH_CACHE_DIR?.startsWith('/') ? env.LOADGRAPH_CACHE_DIR : base === null ? null : join(base, 'loadgraph');
  if (dir === null) return null;
  let usable: boolean | undefined;
  const ownAndClosed = (st: { uid: number; mode: number }) => st.uid === uid && (st.mode & 0o022) === 0;
  const ready = () => {
    if (usable === undefined) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const st = lstatSync(dir);
        usable = st.isDirectory() && ownAndClosed(st);
      } catch {
        usable = false;
      }
    }
    return usable;
  };
  return {
    build,
    dir,
    read(name) {
      if (!ready()) return null;
      let fd: number;
      try {
        fd = openSync(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch {
        return null;
      }
      try {
        const st = fstatSync(fd);
        if (!st.isFile() || !ownAndClosed(st)) return null;
        const buf = Buffer.allocUnsafe(st.size);
        let got = 0;
        while (got < st.size) {
          const r = readSync(fd, buf, got, st.size - got, got);
          if (r === 0) return null;
          got += r;
        }
        return buf;
      } catch {
        return null;
      } finally {
        closeSync(fd);
      }
    },
    write(name, data) {
      if (!ready()) return;
      const tmp = join(dir, `.${name}.${process.pid}`);
      try {
        // A whole entry or none: written aside, then renamed over the old one.
        const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        try {
          for (const d of data) for (let at = 0; at < d.length;) at += writeSync(fd, d, at);
        } finally {
          closeSync(fd);
        }
        renameSync(tmp, join(dir, name));
        const entries = readdirSync(dir).filter((n) => n.endsWith('.answer'));
        if (entries.length > KEEP) {
          const byAge = entries.map((n) => ({ n, t: statSync(join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
          for (const { n } of byAge.slice(0, entries.length - KEEP)) unlinkSync(join(dir, n));
        }
      } catch {
        try {
          unlinkSync(tmp);
        } catch {
          // Nothing was written.
        }
      }
    },
  };
}
