// /etc/ld.so.conf as ldconfig reads it (elf/ldconfig.c parse_conf, parse_conf_include, add_dir_1): used
// only when the root has no ld.so.cache, to stand in for the cache ldconfig would build. Its rules are
// C's: a line ends at '\n' or a NUL byte, and "whitespace" is isspace() in the C locale.
import { decodeUtf8 } from '../elf/utf8.js';
import type { FileSystem } from './fs.js';

/** isspace() in the C locale: space, \t, \n, \v, \f, \r (not U+00A0 and the like). */
const isSpace = (c: string | undefined) => c === ' ' || (c !== undefined && c >= '\t' && c <= '\r');
const isBlank = (c: string | undefined) => c === ' ' || c === '\t';
/** `s` up to the first `c` (strchr, then cut there). */
const upTo = (s: string, c: string) => { const i = s.indexOf(c); return i < 0 ? s : s.slice(0, i); };

/** Include depth, and files included in all (a file included again counts), past which the rest is ignored. */
const MAX_DEPTH = 16;
const MAX_INCLUDES = 10_000;

/** One reading of ld.so.conf: the directories in order, their identities, and what bounds the work. */
interface Reading {
  readonly fs: FileSystem;
  readonly warnings: string[];
  readonly out: string[];
  readonly seen: Set<string>;
  /** Files read to their end: including one again adds nothing (ldconfig would read it again to the same effect). */
  readonly parsed: Set<string>;
  /** Each include pattern's files (the directories do not change during a run). */
  readonly globs: Map<string, string[]>;
  includes: number;
  /** The kinds of warning given (each once). */
  readonly warned: Set<'deep' | 'many'>;
}

/**
 * The directories ldconfig would list, in order. Files that include each other are read a bounded number
 * of times, with a warning: ldconfig itself has no guard and never ends on them.
 */
export function readLdSoConf(fs: FileSystem, warnings: string[]): string[] {
  const r: Reading = { fs, warnings, out: [], seen: new Set(), parsed: new Set(), globs: new Map(), includes: 0, warned: new Set() };
  parseConf(r, '/etc/ld.so.conf', 0);
  return r.out;
}

function parseConf(r: Reading, file: string, depth: number): void {
  const warn = (kind: 'deep' | 'many', w: string) => void (r.warned.has(kind) || (r.warned.add(kind), r.warnings.push(w)));
  if (r.parsed.has(file)) return;
  if (depth > MAX_DEPTH) return warn('deep', `/etc/ld.so.conf: includes nested deeper than ${MAX_DEPTH} (files that include each other, ${file} the first); the deeper ones ignored`);
  const text = r.fs.readFile(file, 1 << 20);
  if (!text.ok) return;
  for (const rawLine of decodeUtf8(text.value).split('\n')) {
    // getline's line is a C string: it ends at a NUL byte; a comment runs from the first '#'.
    let line = upTo(upTo(rawLine, '\0'), '#');
    let at = 0;
    while (isSpace(line[at])) at++;
    line = line.slice(at);
    if (line === '') continue;
    if (line.startsWith('include') && isBlank(line[7])) {
      // strsep on " \t": the patterns keep anything else (a '\r' of a CRLF file is part of the last one).
      for (const pattern of line.slice(8).split(/[ \t]/)) {
        if (pattern === '') continue;
        const abs = pattern.startsWith('/') ? pattern : `${file.slice(0, file.lastIndexOf('/') + 1)}${pattern}`;
        let files = r.globs.get(abs);
        if (!files) r.globs.set(abs, (files = glob(r.fs, abs)));
        for (const f of files) {
          if (++r.includes > MAX_INCLUDES) {
            warn('many', `/etc/ld.so.conf: more than ${MAX_INCLUDES} files included in all; the other includes ignored`);
            break;
          }
          parseConf(r, f, depth + 1);
        }
      }
      continue;
    }
    if (/^[hH][wW][cC][aA][pP][ \t]/.test(line)) continue; // ignored since glibc 2.32
    // add_dir_1: the path ends at '=' (a library type follows), then loses trailing whitespace and slashes.
    let dir = upTo(line, '=');
    let end = dir.length;
    while (end > 0 && isSpace(dir[end - 1])) end--;
    while (end > 1 && dir[end - 1] === '/') end--;
    dir = dir.slice(0, end);
    // A directory that cannot be stat'ed is dropped; one already listed by another path (a link) is not listed again.
    const st = dir === '' ? null : r.fs.stat(dir);
    if (!st?.ok || r.seen.has(st.value.id)) continue;
    r.seen.add(st.value.id);
    r.out.push(dir);
  }
  r.parsed.add(file);
}

/** glob(3) for the patterns ld.so.conf uses: wildcards in the last component only, C-collation sorted. */
function glob(fs: FileSystem, pattern: string): string[] {
  const slash = pattern.lastIndexOf('/');
  const dir = pattern.slice(0, slash) || '/';
  const base = pattern.slice(slash + 1);
  if (!/[*?[]/.test(base)) return fs.stat(pattern).ok ? [pattern] : [];
  const names = fs.readdir(dir);
  if (!names.ok) return [];
  const re = new RegExp('^' + base.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
  return names.value
    .map((e) => e.name)
    .filter((n) => re.test(n) && !(n.startsWith('.') && !base.startsWith('.')))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((n) => `${dir === '/' ? '' : dir}/${n}`);
}
