// A root's programs: ELF files with PT_INTERP, found under /usr, /bin, /sbin, /lib* and /opt (or under the
// paths given). Every directory is walked once by its real path, so merged-/usr links (/bin → usr/bin) and
// links back up the tree are followed once; paths stay inside the root (the FileSystem confines them).
// Bad entries are normal in a root: each gives one diagnostic and the walk goes on.
import { decodeElf } from '../elf/decode.js';
import { type FileInfo, type FileSystem, errnoText } from './fs.js';
import { type ParsedObject, parsedObject } from './verify.js';

export interface Discovery {
  /** In-root real paths of the programs, sorted, each file once. */
  readonly programs: string[];
  /** One line per entry that could not be judged: path and what is wrong. */
  readonly diagnostics: string[];
  /** Why there is nothing to walk: the root unreadable or without any program directory, a PATH asked for that cannot be used. */
  readonly unusable: string | null;
}

/** Top-level directories searched by default; every /lib* too. */
const DEFAULT_TOPS = ['/usr', '/bin', '/sbin', '/opt'];

/**
 * The root's kernel and run-time file systems, passed by when a walk from above reaches them (`scan /`):
 * they hold no programs, and their entries (each process's fd links, devices, sockets) would be thousands
 * of lines of diagnostics. Asked for by name, they are walked.
 */
const PASSED_BY = new Set(['/proc', '/sys', '/dev', '/run']);

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

const SPECIAL: Record<Exclude<FileInfo['kind'], 'file' | 'dir'>, string> = {
  fifo: 'a FIFO', socket: 'a socket', 'char-device': 'a character device', 'block-device': 'a block device', other: 'not a regular file',
};

/**
 * The programs under `paths` (in-root absolute; default: the root's program directories). A path naming a
 * file is judged alone and, being asked for, is reported when it is not a program. `decoded` receives each
 * program as parsed (image, notes, versions), by real path with its file identity, so that the loader
 * need not decode it again (RunCache.programs).
 */
export function discoverPrograms(fs: FileSystem, paths: readonly string[] = [], decoded?: Map<string, { readonly id: string; readonly parsed: ParsedObject }>): Discovery {
  const diagnostics: string[] = [];
  const found = new Set<string>();
  const seenDirs = new Set<string>();
  const explicit = paths.length > 0;
  let tops = paths;
  if (!explicit) {
    const rootNames = fs.readdir('/');
    if (!rootNames.ok) return { programs: [], diagnostics: [], unusable: `cannot be used as a root (${errnoText[rootNames.errno]})` };
    tops = [...DEFAULT_TOPS, ...rootNames.value.map((e) => e.name).filter((n) => n.startsWith('lib')).sort().map((n) => `/${n}`)];
    if (!tops.some((t) => { const st = fs.stat(t); return st.ok && st.value.kind === 'dir'; })) return { programs: [], diagnostics: [], unusable: 'cannot be used as a root (none of /usr, /bin, /sbin, /lib*, /opt is a directory)' };
  }
  // A walk stays inside what it was asked to walk: a link to a directory elsewhere (/usr/bin/x → /) is not followed.
  const bounds = tops.flatMap((t) => { const r = fs.realpath(t); return r.ok ? [r.value === '/' ? '' : r.value] : []; });
  const inBounds = (real: string) => bounds.some((b) => real === b || real.startsWith(`${b}/`));

  const judge = (path: string, asked: boolean): void => {
    const real = fs.realpath(path);
    if (!real.ok) {
      // A dangling link is not bad input (alternatives not installed); a loop or an unreadable directory is.
      if (real.errno !== 'ENOENT' || asked) diagnostics.push(`${path}: ${errnoText[real.errno]}`);
      return;
    }
    entry(path, real.value, asked);
  };

  /** `path`, whose real path inside the root is `real`: a directory to walk, a program, or neither. */
  const entry = (path: string, real: string, asked: boolean): void => {
    const st = fs.stat(real);
    if (!st.ok) {
      diagnostics.push(`${path}: ${errnoText[st.errno]}`);
      return;
    }
    if (st.value.kind === 'dir') return inBounds(real) ? walk(real) : undefined;
    // FIFOs, sockets and devices are never opened: a FIFO could block, a device never end. A link to
    // /dev/null is how systemd masks a unit, not bad input.
    if (st.value.kind !== 'file') return void (real === '/dev/null' && !asked ? 0 : diagnostics.push(`${path}: ${SPECIAL[st.value.kind]}, not opened`));
    if (found.has(real)) return;
    // execve() needs an execute bit: in a walk, files without one are not programs (and are not opened).
    if (!asked && (st.value.mode & 0o111) === 0) return;
    const f = fs.open(real);
    if (!f.ok) return void diagnostics.push(`${path}: ${errnoText[f.errno]}`);
    try {
      const magic = f.value.read(0, 4);
      if (magic.length < 4 || !ELF_MAGIC.every((b, i) => magic[i] === b)) {
        // Scripts and data are not programs; only a file asked for by name is worth a word.
        if (asked) diagnostics.push(`${path}: not an ELF file`);
        return;
      }
      const d = decodeElf(f.value);
      if (!d.ok) return void diagnostics.push(`${path}: ${d.error.message} (${d.error.structure} at offset 0x${d.error.offset.toString(16)})`);
      if (d.image.interp !== null) {
        found.add(real);
        decoded?.set(real, { id: f.value.info.id, parsed: parsedObject(f.value, d.image) });
      }
      else if (asked) diagnostics.push(`${path}: not a program (no PT_INTERP)`);
    } finally {
      f.value.close();
    }
  };

  function walk(dir: string): void {
    if (seenDirs.has(dir)) return;
    seenDirs.add(dir);
    const names = fs.readdir(dir);
    if (!names.ok) return void diagnostics.push(`${dir}: ${errnoText[names.errno]}`);
    const base = dir === '/' ? '' : dir;
    // Entries of a real directory that are no links are real paths themselves: a subdirectory needs no
    // resolving and a file only its one stat; links and the rest go through judge().
    for (const e of names.value.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = `${base}/${e.name}`;
      if (e.kind === 'dir') {
        if (!PASSED_BY.has(path)) walk(path);
      } else if (e.kind === 'file') entry(path, path, false);
      else judge(path, false);
    }
  }

  for (const p of tops) {
    const st = fs.stat(p);
    // A default directory the root lacks (no /opt) is not a problem; a PATH asked for that is not there is
    // a mistake in the question, not bad input inside the root.
    if (!st.ok && explicit) return { programs: [], diagnostics: [], unusable: `${p}: ${errnoText[st.errno]}` };
    if (!st.ok && st.errno === 'ENOENT') continue;
    judge(p, explicit);
  }
  return { programs: [...found].sort(), diagnostics, unusable: null };
}
