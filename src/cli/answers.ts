// The answer cache (docs/cache.md): a whole-root command asked again about an unchanged root prints the
// answer it gave before, without analysing again. "Unchanged" is checked, never assumed: the question is
// the same (command line, working directory, this machine's CPU, colour settings, the very same build,
// Node, user, groups and capabilities: AnswerCache.context),
// and every path the first run looked at through the FileSystem port — the loader's only window on files
// — still stats the same (type and mode, st_dev:st_ino, size, mtime and ctime: a file rewritten,
// replaced, chmod'ed or chown'ed, a directory with an entry added or removed, all differ) and every path
// it resolved resolves to the same real path. A run that read anything else (a policy, a saved result),
// or whose inputs changed in the two seconds before it began or while it ran (a timestamp could then
// stay put through another change), is not kept; nor is one that stopped on an error it threw.
import { dirname } from 'node:path';
import type { FileInfo, FileSystem, FsResult } from '../loader/fs.js';
import type { AnswerCache } from '../host/answer-store.js';
import type { CliIo, Writable } from './io.js';
import { terminalSafe } from './terminal-safe.js';
import { decodeUtf8 } from '../elf/utf8.js';
import { nameBytes } from '../host/file-source.js';

/** Bumped when an entry's layout changes. */
const FORMAT = 'loadgraph.answer/3';
/** An answer bigger than this is given but not kept. */
const MAX_KEPT = 256 << 20;
/** A run that looks at more paths than this is not kept (each costs ~150 bytes while it runs). */
const MAX_PATHS = 500_000;
/** Inputs changed this recently make the answer unsafe to keep. */
const RACY_MS = 2000;

/**
 * An entry: what the run saw, `seenBytes` of NUL-separated fields (paths hold no NUL): for each root, the
 * root and its count of paths, then per path its stat as text (statText) and its real path ('' when not
 * resolved); then the output, in `parts`; then a newline and this header as one JSON line. The header
 * comes last so that what was seen is written as it is put into words, never held whole (a whole root's
 * is 16 MB).
 */
interface Header {
  readonly format: string;
  readonly question: string;
  readonly exit: number;
  readonly seenBytes: number;
  /** Output in the order written: [1 stdout | 2 stderr, byte length]. */
  readonly parts: Array<[1 | 2, number]>;
}

/** The whole-root commands, whose answers are kept between runs unless --no-cache. */
export const ANSWERED = new Set(['scan', 'rdeps', 'check', 'diff']);

/** A whole-root command's arguments without --no-cache (the same option for each, taken before any '--' that ends the options). */
export function withoutNoCache(rest: string[]): { args: string[]; noCache: boolean } {
  const end = rest.includes('--') ? rest.indexOf('--') : rest.length;
  const noCache = rest.slice(0, end).includes('--no-cache');
  return { args: noCache ? rest.filter((a, i) => i >= end || a !== '--no-cache') : rest, noCache };
}

/**
 * The question a run asks (what, besides the files it reads, decides its answer), the entry it is kept
 * in, and that entry's answer replayed if still true (`why`: say what changed when it is not).
 */
function lookup(store: AnswerCache, name: string, args: string[], io: CliIo, why: boolean): { question: string; file: string; debug: (what: string) => void; exit: number | null } {
  const question = JSON.stringify([store.context, name, args, io.cwd, io.env.NO_COLOR ?? null, io.env.FORCE_COLOR ?? null, io.isTTY, io.stderrIsTTY === true, io.hostCpu()]);
  const file = `${nameOf(question)}.answer`;
  const debug = (what: string) => {
    if (io.env.LOADGRAPH_DEBUG) (io.progress ?? io.stderr).write(terminalSafe(`loadgraph: answer cache: ${what} (${store.dir}/${file})\n`));
  };
  // The launcher's replay (why false) hands a stale entry to the CLI in the same process (why true), which
  // then need not walk every path again to find it stale.
  const mark = globalThis as { [MISSED]?: Missed };
  let missed = mark[MISSED]?.question === question ? mark[MISSED] : undefined;
  delete mark[MISSED];
  if (missed === undefined) {
    const entry = store.read(file);
    const before = entry === null ? null : parse(entry);
    const changed = before && before.header.question === question ? firstChange(io, before.seen) : 'nothing kept';
    if (changed === null) {
      debug('replayed');
      let at = before!.body;
      for (const [fd, n] of before!.header.parts) {
        (fd === 1 ? io.stdout : io.stderr).write(entry!.subarray(at, at + n));
        at += n;
      }
      return { question, file, debug, exit: before!.header.exit };
    }
    missed = { question, changed };
    if (!why) mark[MISSED] = missed;
  }
  if (why && missed.changed !== 'nothing kept') debug(`${missed.changed} changed: answering afresh`);
  return { question, file, debug, exit: null };
}

/** A question whose kept answer did not hold, and why (a path that changed, or 'nothing kept'). */
type Missed = { question: string; changed: string };
const MISSED = Symbol.for('loadgraph.answers.missed');

/**
 * The kept answer to a whole-root command, written out, and its exit status; null when none is kept or
 * the cache is off (answered() then looks again, and says why there was nothing to replay).
 */
export function replay(name: string, args: string[], io: CliIo): number | null {
  return io.answers ? lookup(io.answers, name, args, io, false).exit : null;
}

/**
 * `command` run on `args`, or its earlier answer when nothing it depends on has changed. Without a store
 * (the cache is off, or this is not the built CLI) the command just runs.
 */
export async function answered(name: string, args: string[], io: CliIo, command: (args: string[], io: CliIo) => number | Promise<number>): Promise<number> {
  const store = io.answers;
  if (!store) return command(args, io);
  const { question, file, debug, exit: replayed } = lookup(store, name, args, io, true);
  if (replayed !== null) return replayed;

  const started = Date.now();
  const rec = new Recorder();
  const parts: Array<[1 | 2, Buffer]> = [];
  let size = 0;
  const tee = (fd: 1 | 2, w: Writable): Writable => ({
    write(t: string | Uint8Array) {
      if (size <= MAX_KEPT) {
        const b = typeof t === 'string' ? Buffer.from(t, 'utf8') : Buffer.from(t);
        if ((size += b.length) <= MAX_KEPT) parts.push([fd, b]);
        else parts.length = 0;
      }
      return w.write(t);
    },
  });
  const exit = await command(args, {
    ...io,
    stdout: tee(1, io.stdout),
    stderr: tee(2, io.stderr),
    progress: io.progress ?? io.stderr,
    graphFs: (root) => rec.wrap(root, io.graphFs(root)),
    withFile: (path, use) => {
      rec.keepable = false;
      return io.withFile(path, use);
    },
  });
  const kept = rec.keepable && size <= MAX_KEPT ? rec.finish() : null;
  // One path per device the run saw: is that file system one whose stats can be trusted to change?
  const remote = kept?.devices.find(([root, path]) => {
    const real = io.graphFs(root).realpath(path);
    return !real.ok || !store.keepsFor(root, real.value);
  });
  if (remote !== undefined) debug(`not kept: ${remote[1]} is on a network, FUSE or ownerless file system`);
  else if (kept === null) debug('not kept: the run read files outside the roots, met an I/O error, or its answer or a path cannot be kept');
  else if (kept.newest > started - RACY_MS) debug('not kept: some input changed moments ago');
  else {
    store.write(file, (function* entry() {
      let seenBytes = 0;
      for (const b of kept.seen()) {
        seenBytes += b.length;
        yield b;
      }
      for (const [, b] of parts) yield b;
      const header: Header = { format: FORMAT, question, exit, seenBytes, parts: parts.map(([fd, b]) => [fd, b.length]) };
      yield Buffer.from(`\n${JSON.stringify(header)}`, 'utf8');
    })());
    debug('kept');
  }
  return exit;
}

const text = (b: Uint8Array, at: number, n: number) => Buffer.from(b.buffer, b.byteOffset + at, n).toString('utf8');

function parse(entry: Uint8Array): { header: Header; seen: string; body: number } | null {
  const nl = entry.lastIndexOf(10);
  if (nl < 0) return null;
  try {
    const header = JSON.parse(text(entry, nl + 1, entry.length - nl - 1)) as Header;
    if (header.format !== FORMAT || header.seenBytes + header.parts.reduce((n, [, len]) => n + len, 0) !== nl) return null;
    // Paths are kept as their bytes (a name need not be UTF-8: elf/utf8.ts).
    return { header, seen: decodeUtf8(entry.subarray(0, header.seenBytes)), body: header.seenBytes };
  } catch {
    return null;
  }
}

/** The first path that no longer stats or resolves as it did, or null when none; anything malformed is a change. */
function firstChange(io: CliIo, seen: string): string | null {
  let at = 0;
  const next = () => {
    const end = seen.indexOf('\0', at);
    if (end < 0) throw new RangeError('truncated');
    const f = seen.slice(at, end);
    at = end + 1;
    return f;
  };
  try {
    while (at < seen.length) {
      const root = next();
      const n = Number(next());
      if (!Number.isSafeInteger(n) || n < 0) return 'the kept entry';
      const fs = io.graphFs(root);
      for (let k = 0; k < n; k++) {
        const path = next(), stat = next(), real = next();
        if (stat !== '' && statText(fs.stat(path)) !== stat) return path;
        if (real !== '' && realText(fs.realpath(path)) !== real) return path;
      }
    }
  } catch {
    return 'the kept entry';
  }
  return null;
}

/**
 * A stat as text: the type and permission bits, st_dev:st_ino, size, mtime and ctime; or the error. (A
 * join makes one flat string; a template would make a tree of five, held for each of 160,000 paths.)
 */
const statText = (r: FsResult<FileInfo>): string => (r.ok ? [r.value.mode, r.value.id, r.value.size, r.value.mtimeMs, r.value.ctimeMs].join(' ') : `!${r.errno}`);
const realText = (r: FsResult<string>): string => (r.ok ? r.value : `!${r.errno}`);

/** Every path a run looks at, by root, through FileSystems it wraps. */
class Recorder {
  /** False once the run read something the recorder cannot see, met an I/O error, or looked at too much. */
  keepable = true;
  /** The latest mtime or ctime among the stats taken. */
  private newest = 0;
  private paths = 0;
  /**
   * By root, each path's stat as the run saw it, already as its text (null: take it when the run ends, as
   * the path was read, listed or failed to open, which gives no stat), and each resolved path's result. A
   * whole root is 160,000 stats: a string each, not the objects they came as.
   */
  private readonly roots = new Map<string, { fs: FileSystem; stats: Map<string, string | null>; reals: Map<string, string> }>();

  /** A stat's text; a host without timestamps cannot be checked, and is not kept. */
  private text(s: FsResult<FileInfo>): string {
    if (s.ok) {
      const { mtimeMs, ctimeMs } = s.value;
      if (mtimeMs === undefined || ctimeMs === undefined) this.keepable = false;
      else this.newest = Math.max(this.newest, mtimeMs, ctimeMs);
    } else if (s.errno === 'EIO') this.keepable = false;
    return statText(s);
  }

  wrap(root: string, fs: FileSystem): FileSystem {
    let r = this.roots.get(root);
    if (!r) this.roots.set(root, (r = { fs, stats: new Map(), reals: new Map() }));
    const { stats, reals } = r;
    // Past MAX_PATHS the run is not kept, and what was recorded is let go.
    const more = () => {
      if (!this.keepable) return false;
      if (++this.paths <= MAX_PATHS) return true;
      this.keepable = false;
      for (const { stats: st, reals: re } of this.roots.values()) {
        st.clear();
        re.clear();
      }
      return false;
    };
    const stated = (path: string, s: FsResult<FileInfo>) => {
      const had = stats.get(path);
      if (had === undefined ? more() : had === null) stats.set(path, this.text(s));
    };
    const later = (path: string) => {
      if (!stats.has(path) && more()) stats.set(path, null);
    };
    // An I/O error may not happen again (a failing disk, a scanner that blocks a read): not kept.
    const sure = <T>(r: FsResult<T>): FsResult<T> => {
      if (!r.ok && r.errno === 'EIO') this.keepable = false;
      return r;
    };
    return {
      stat: (path) => {
        const s = sure(fs.stat(path));
        stated(path, s);
        return s;
      },
      open: (path) => {
        const f = sure(fs.open(path));
        // A failed open (a FIFO is refused, not opened) is judged by the path's stat.
        if (!f.ok) later(path);
        else stated(path, { ok: true, value: f.value.info });
        return f;
      },
      readFile: (path, max) => {
        later(path);
        return sure(fs.readFile(path, max));
      },
      // A directory's mtime changes with every entry added, removed or renamed.
      readdir: (path) => {
        later(path);
        return sure(fs.readdir(path));
      },
      realpath: (path) => {
        const real = sure(fs.realpath(path));
        if (!reals.has(path) && more()) reals.set(path, realText(real));
        return real;
      },
    };
  }

  /**
   * What was seen, as an entry keeps it (Header), put into words while it is written; with the latest
   * mtime or ctime among it and a path on each device. Null when it cannot be kept (a host without
   * timestamps, an I/O error, a path holding a NUL).
   */
  finish(): { seen(): Generator<Buffer>; newest: number; devices: Array<[root: string, path: string]> } | null {
    const devices = new Map<string, [string, string]>();
    // By root, every path once: those stated (each stat now taken), then those only resolved.
    const lists: Array<{ root: string; count: number; rows: () => Iterable<[path: string, stat: string]>; reals: Map<string, string> }> = [];
    for (const [root, { fs, stats, reals }] of this.roots) {
      // A failed lookup is answered by the file system of its nearest existing ancestor (a mount point
      // included): that one's stats must be trusted too. A stat's text is "mode dev:ino …" or "!errno".
      const holders = new Map<string, [dev: string, path: string] | null>();
      const holder = (path: string, stat: string | undefined): [string, string] | null => {
        if (stat !== undefined && !stat.startsWith('!')) return [stat.slice(stat.indexOf(' ') + 1, stat.indexOf(':')), path];
        const dir = dirname(path);
        if (dir === path) return null;
        let h = holders.get(dir);
        if (h === undefined) holders.set(dir, (h = holder(dir, statText(fs.stat(dir)))));
        return h;
      };
      const fits = (path: string, stat: string | undefined) => {
        const h = holder(path, stat);
        if (h !== null && !devices.has(h[0])) devices.set(h[0], [root, h[1]]);
        return !path.includes('\0');
      };
      for (const [path, stat] of stats) {
        const s = stat ?? this.text(fs.stat(path));
        if (stat === null) stats.set(path, s);
        if (!fits(path, s)) return null;
      }
      const resolvedOnly = [...reals.keys()].filter((path) => !stats.has(path));
      for (const path of resolvedOnly) if (!fits(path, undefined)) return null;
      const stated = stats as Map<string, string>;
      lists.push({ root, count: stats.size + resolvedOnly.length, reals, *rows() {
        yield* stated;
        for (const path of resolvedOnly) yield [path, ''];
      } });
    }
    if (!this.keepable) return null;
    return {
      newest: this.newest,
      devices: [...devices.values()],
      *seen() {
        let text = '';
        for (const { root, count, rows, reals } of lists) {
          text += `${root}\0${count}\0`;
          for (const [path, stat] of rows()) {
            text += `${path}\0${stat}\0${reals.get(path) ?? ''}\0`;
            if (text.length >= 1 << 16) {
              yield nameBytes(text);
              text = '';
            }
          }
        }
        yield nameBytes(text);
      },
    };
  }
}

/**
 * An entry's name: two 32-bit FNV-1a hashes of the question's UTF-8 bytes, four at a time (different
 * offsets). Only a name: the entry holds the question itself, compared in full, and a clash just costs a
 * kept answer.
 */
function nameOf(question: string): string {
  const bytes = Buffer.from(question, 'utf8');
  const padded = new Uint8Array((bytes.length + 3) & ~3);
  padded.set(bytes);
  const words = new Int32Array(padded.buffer);
  let a = 0x811c9dc5 ^ bytes.length, b = 0x050c5d1f;
  for (let i = 0; i < words.length; i++) {
    a = Math.imul(a ^ words[i]!, 0x01000193);
    b = Math.imul(b ^ words[i]!, 0x01000193);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}
