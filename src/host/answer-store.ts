// Where the answer cache keeps its entries (docs/cache.md): one file per question in the user's cache
// directory. An answer replayed from a file someone else could write would be theirs, not ours: the
// directory and every directory above it must be the user's or root's and closed to others (as ssh's
// StrictModes; a directory above may instead be sticky, as /tmp), on a file system that keeps owners;
// so must every entry. Anything else is neither read nor written.
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, realpathSync, renameSync, rmSync, statSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The answer cache's store: entries by file name, for answers made in one context. */
export interface AnswerCache {
  /**
   * What, besides the question, decides an answer: the build (the bundle's digest), Node and its ICU,
   * and who asks (effective user and groups, capabilities: they decide what may be opened).
   */
  readonly context: string;
  readonly dir: string;
  read(name: string): Uint8Array | null;
  /** Writes the entry from its parts, whole or not at all. */
  write(name: string, data: Iterable<Uint8Array>): void;
  /**
   * Whether answers that depend on `path` (a real path inside `root`, a host directory) may be kept: not
   * when it is on a file system whose client may cache attributes for a while (NFS, SMB, FUSE, 9p: a stat
   * could then miss a change another machine made).
   */
  keepsFor(root: string, path: string): boolean;
}

/** Entries kept; the least recently written go first. */
const KEEP = 64;

/** statfs f_type of file systems whose clients cache attributes, or that keep no owners (linux/magic.h). */
const UNTRUSTED_FS = new Set([
  0x6969 /* NFS */, 0x517b /* SMB */, 0xff534d42 /* CIFS */, 0xfe534d42 /* SMB2 */, 0x65735546 /* FUSE */, 0x01021997 /* 9P */,
  0x00c36400 /* CEPH */, 0x5346414f /* AFS */, 0x73757245 /* CODA */, 0x564c /* NCP */, 0x4d44 /* MSDOS */, 0x2011bab0 /* EXFAT */,
  0x5346544e /* NTFS */, 0x786f4256 /* VBOXSF */,
]);

const trustedFs = (path: string) => {
  try {
    return !UNTRUSTED_FS.has(statfsSync(path).type >>> 0);
  } catch {
    return false;
  }
};

/**
 * The store for answers made by `build` (the bundle's digest), or null when the cache is off
 * (LOADGRAPH_CACHE=off) or there is no absolute place for it. The directory is checked on first use.
 */
export function answerStore(env: Readonly<Record<string, string | undefined>>, build: string): AnswerCache | null {
  if (env.LOADGRAPH_CACHE === 'off' || env.LOADGRAPH_CACHE === '0') return null;
  const base = env.XDG_CACHE_HOME?.startsWith('/') ? env.XDG_CACHE_HOME : env.HOME?.startsWith('/') ? join(env.HOME, '.cache') : null;
  const asked = env.LOADGRAPH_CACHE_DIR?.startsWith('/') ? env.LOADGRAPH_CACHE_DIR : base === null ? null : join(base, 'loadgraph');
  if (asked === null || process.geteuid === undefined) return null;
  const uid = process.geteuid();
  let dir: string | null | undefined;
  const ready = (): string | null => {
    if (dir === undefined) {
      try {
        mkdirSync(asked, { recursive: true, mode: 0o700 });
        const real = realpathSync(asked);
        dir = ownDir(real, uid) && trustedFs(real) ? real : null;
      } catch {
        dir = null;
      }
    }
    return dir;
  };
  const closed = (st: { uid: number; mode: number }) => st.uid === uid && (st.mode & 0o022) === 0;
  return {
    context: JSON.stringify([build, process.version, process.versions.icu ?? null, uid, process.getegid?.(), process.getgroups?.().sort((a, b) => a - b), capabilities()]),
    dir: asked,
    read(name) {
      const d = ready();
      if (d === null) return null;
      let fd: number;
      try {
        fd = openSync(join(d, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch {
        return null;
      }
      try {
        const st = fstatSync(fd);
        if (!st.isFile() || !closed(st)) return null;
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
      const d = ready();
      if (d === null) return;
      const tmp = join(d, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
      try {
        // A whole entry or none: written aside, then renamed over the old one.
        const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        try {
          for (const b of data) for (let at = 0; at < b.length;) at += writeSync(fd, b, at);
        } finally {
          closeSync(fd);
        }
        renameSync(tmp, join(d, name));
        prune(d);
      } catch {
        try {
          unlinkSync(tmp);
        } catch {
          // Nothing was written.
        }
      }
    },
    // A real path inside the root has no links left: joined to the root, it stays inside (confined-fs.ts).
    keepsFor: (root, path) => trustedFs(`${root === '/' ? '' : root.replace(/\/+$/, '')}${path}`),
  };
}

/** The real directory `real` is the user's and closed to others, and each one above it the user's or root's and closed or sticky. */
function ownDir(real: string, uid: number): boolean {
  const st = lstatSync(real);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) return false;
  for (let p = dirname(real); ; p = dirname(p)) {
    const up = lstatSync(p);
    if ((up.uid !== uid && up.uid !== 0) || ((up.mode & 0o022) !== 0 && (up.mode & 0o1000) === 0)) return false;
    if (p === '/') return true;
  }
}

/**
 * The least recently written entries beyond KEEP, and temporary files left by runs that were killed an
 * hour ago or more. Another run may be pruning too: a file gone meanwhile is skipped.
 */
function prune(dir: string): void {
  const names = readdirSync(dir);
  const age = (n: string) => statSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? Infinity;
  const drop = (n: string) => rmSync(join(dir, n), { force: true });
  const hourAgo = Date.now() - 3_600_000;
  for (const n of names) if (n.startsWith('.') && n.endsWith('.tmp') && age(n) < hourAgo) drop(n);
  const entries = names.filter((n) => n.endsWith('.answer'));
  if (entries.length <= KEEP) return;
  const byAge = entries.map((n) => ({ n, t: age(n) })).sort((a, b) => a.t - b.t);
  for (const { n } of byAge.slice(0, entries.length - KEEP)) drop(n);
}

/** The process's effective capabilities (a root without CAP_DAC_OVERRIDE opens less), from /proc. */
function capabilities(): string | null {
  try {
    return /^CapEff:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1] ?? null;
  } catch {
    return null;
  }
}
