// The loader's only window on files: paths are in-root absolute paths; the host confines them to --root.
import type { ByteSource } from '../elf/source.js';

export type FsErrno = 'ENOENT' | 'EACCES' | 'ELOOP' | 'ENOTDIR' | 'ENAMETOOLONG' | 'EISDIR' | 'ENXIO' | 'EIO'
  /** Not opened: a FIFO or a device, which could block or never end (`special` says which). */
  | 'ENOTREG';

/** What a non-regular, non-directory file is. */
export type SpecialKind = 'fifo' | 'socket' | 'char-device' | 'block-device';

/** strerror's words for each errno, lower-case. */
export const errnoText: Record<FsErrno, string> = {
  ENOENT: 'no such file or directory', EACCES: 'permission denied', ELOOP: 'too many levels of symbolic links',
  ENOTDIR: 'a path component is not a directory', EISDIR: 'is a directory', ENAMETOOLONG: 'file name too long', EIO: 'input/output error',
  ENXIO: 'no such device or address', ENOTREG: 'not a regular file',
};

export interface FileInfo {
  readonly kind: 'file' | 'dir' | SpecialKind | 'other';
  /** Identity of the file (st_dev:st_ino), for glibc's "already loaded" file-identity check. */
  readonly id: string;
  readonly size: number;
  readonly mode: number;
  /** st_mtime and st_ctime in milliseconds (fractions kept), when the host gives them: the answer cache compares them. */
  readonly mtimeMs?: number;
  readonly ctimeMs?: number;
}

export interface OpenFile extends ByteSource {
  readonly info: FileInfo;
  close(): void;
}

export type FsResult<T> = { ok: true; value: T } | { ok: false; errno: FsErrno; special?: SpecialKind };

export interface DirEntry {
  readonly name: string;
  readonly kind: FileInfo['kind'] | 'link';
}

export interface FileSystem {
  /** Follows symbolic links, inside the root. */
  stat(path: string): FsResult<FileInfo>;
  /** Opens a regular file for positional reads; never opens a FIFO, socket or device (fails with `special` set). */
  open(path: string): FsResult<OpenFile>;
  /** Small configuration files (ld.so.cache, ld.so.conf, ld.so.preload), at most `max` bytes. */
  readFile(path: string, max: number): FsResult<Uint8Array>;
  /** A directory's entries with what each is, as getdents' d_type tells it (a link is not followed). */
  readdir(path: string): FsResult<DirEntry[]>;
  /** The path with every symbolic link and `..` resolved, inside the root. */
  realpath(path: string): FsResult<string>;
}
