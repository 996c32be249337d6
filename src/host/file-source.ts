// ByteSource over a file descriptor: positional reads only, so a large library is never read whole.
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { ByteSource } from '../elf/source.js';
import { ESCAPED_BYTE } from '../elf/utf8.js';

export interface OpenedSource extends ByteSource {
  close(): void;
}

export class HostFileError extends Error {
  constructor(readonly path: string, readonly code: string, message: string) {
    super(message);
  }
}

/**
 * Positional reads on an open descriptor of a regular file of `size` bytes; close() closes it once.
 * Callers never modify what read() returns, so one read can serve several: any read inside one 4 KiB
 * page (hash table heads, version records, relocation probes) comes from that page, read once, unless an
 * earlier larger read holds it; a table read again (the string table by two stages) comes from the earlier
 * read. All of it ends with close().
 */
export function fdSource(fd: number, size: number): OpenedSource {
  let closed = false;
  const pages = new Map<number, Buffer>();
  const recent: Array<{ start: number; bytes: Buffer }> = [];
  /** Reads n bytes at start into `into` (fewer only at the end of the file); how many there were. */
  const fill = (into: Uint8Array, start: number, n: number): number => {
    let got = 0;
    while (got < n) {
      const r = readSync(fd, into, got, n - got, start + got);
      if (r === 0) break;
      got += r;
    }
    return got;
  };
  const readAt = (start: number, n: number): Buffer => {
    const buf = Buffer.allocUnsafe(n);
    const got = fill(buf, start, n);
    return got === n ? buf : buf.subarray(0, got);
  };
  return {
    size,
    read(offset: number, length: number): Uint8Array {
      const start = Math.max(0, Math.min(offset, size));
      const n = Math.max(0, Math.min(length, size - start));
      const page = Math.floor(start / PAGE);
      const inPage = n > 0 && Math.floor((start + n - 1) / PAGE) === page;
      let p = inPage ? pages.get(page) : undefined;
      if (p) return p.subarray(start - page * PAGE, start - page * PAGE + n);
      // An earlier larger read that holds these bytes serves them before a page is read.
      for (const r of recent) if (start >= r.start && start + n <= r.start + r.bytes.length) return r.bytes.subarray(start - r.start, start - r.start + n);
      if (inPage) {
        pages.set(page, (p = readAt(page * PAGE, Math.min(PAGE, size - page * PAGE))));
        return p.subarray(start - page * PAGE, start - page * PAGE + n);
      }
      const bytes = readAt(start, n);
      if (recent.unshift({ start, bytes }) > RECENT) recent.pop();
      return bytes;
    },
    readInto(offset: number, into: Uint8Array): number {
      const start = Math.max(0, Math.min(offset, size));
      return fill(into, start, Math.max(0, Math.min(into.byteLength, size - start)));
    },
    close() {
      if (!closed) closeSync(fd);
      closed = true;
      pages.clear();
      recent.length = 0;
    },
  };
}

const ESCAPED_ALL = new RegExp(ESCAPED_BYTE.source, 'g');

/** A string's bytes: UTF-8, with each escaped byte back to itself. */
export function nameBytes(s: string): Buffer {
  if (!ESCAPED_BYTE.test(s)) return Buffer.from(s);
  const parts: Buffer[] = [];
  let from = 0;
  for (const m of s.matchAll(ESCAPED_ALL)) {
    parts.push(Buffer.from(s.slice(from, m.index)), Buffer.of(s.charCodeAt(m.index!) - 0xdc00));
    from = m.index! + 1;
  }
  parts.push(Buffer.from(s.slice(from)));
  return Buffer.concat(parts);
}

/** A path for node:fs: the string, or the bytes it came from when it holds an escaped byte. */
export const hostPath = (s: string): string | Buffer => (ESCAPED_BYTE.test(s) ? nameBytes(s) : s);

const PAGE = 4096;
/** Larger reads kept for a repeat. */
const RECENT = 8;

/** Opens a regular file for positional reads; refuses FIFOs, devices and directories (they could block or never end). */
export function openFileSource(path: string): OpenedSource {
  let fd: number;
  try {
    // Never open a FIFO (it could block) nor read a device.
    const pre = statSync(hostPath(path));
    if (!pre.isFile() && !pre.isDirectory()) {
      const what = pre.isFIFO() ? 'a FIFO' : pre.isSocket() ? 'a socket' : pre.isCharacterDevice() ? 'a character device' : pre.isBlockDevice() ? 'a block device' : 'not a regular file';
      throw new HostFileError(path, 'ENOTREG', `is ${what}, not a regular file (not opened)`);
    }
    fd = openSync(hostPath(path), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw e instanceof HostFileError ? e : hostError(path, e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new HostFileError(path, 'ENOTREG', st.isDirectory() ? 'is a directory' : 'is not a regular file');
    return fdSource(fd, st.size);
  } catch (e) {
    closeSync(fd);
    throw e instanceof HostFileError ? e : hostError(path, e);
  }
}

function hostError(path: string, e: unknown): HostFileError {
  const err = e as NodeJS.ErrnoException;
  const reason: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    ELOOP: 'too many levels of symbolic links',
    EISDIR: 'is a directory',
    ENOTDIR: 'a path component is not a directory',
    ENAMETOOLONG: 'file name too long',
  };
  return new HostFileError(path, err.code ?? 'EIO', reason[err.code ?? ''] ?? err.message);
}

/** Runs `use` on an opened source and always closes it. */
export function withFileSource<T>(path: string, use: (src: ByteSource) => T): T {
  const src = openFileSource(path);
  try {
    return use(src);
  } finally {
    src.close();
  }
}
