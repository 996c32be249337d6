// /etc/ld.so.conf as ldconfig reads it (elf/ldconfig.c parse_conf, parse_conf_include, add_dir_1): used
// only when the root has no ld.so.cache, to stand in for the cache ldconfig would build. Its rules are
// C's: a line ends at '\n' or a NUL byte, and "whitespace" is isspace() in the C locale.
import { decodeUtf8 } from '../elf/utf8.js';
import type { FileSystem } from './fs.js';

const MAX_DEPTH = 16;

/** isspace() in the C locale: space, \t, \n, \v, \f, \r (not U+00A0 and the like). */
const isSpace = (c: string | undefined) => c === ' ' || (c !== undefined && c >= '\t' && c <= '\r');
const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

export function readLdSoConf(fs: FileSystem, warnings: string[], file = '/etc/ld.so.conf', depth = 0, out: string[] = [], seen = new Set<string>()): string[] {
  if (depth > MAX_DEPTH) {
    warnings.push(`${file}: include nesting deeper than ${MAX_DEPTH}; ignored`);
    return out;
  }
  const r = fs.readFile(file, 1 << 20);
  if (!r.ok) return out;
  for (const rawLine of decodeUtf8(r.value).split('\n')) {
    // getline's line is a C string: it ends at a NUL byte; a comment runs from the first '#'.
    let line = rawLine;
    for (const stop of ['\0', '#']) if (line.includes(stop)) line = line.slice(0, line.indexOf(stop));
    let at = 0;
    while (isSpace(line[at])) at++;
    line = line.slice(at);
    if (line === '') continue;
    if (line.startsWith('include') && isBlank(line[7])) {
      // strsep on " \t": the patterns keep anything else (a '\r' of a CRLF file is part of the last one).
      for (const pattern of line.slice(8).split(/[ \t]/)) {
        if (pattern === '') continue;
        const abs = pattern.startsWith('/') ? pattern : `${file.slice(0, file.lastIndexOf('/') + 1)}${pattern}`;
        for (const f of glob(fs, abs)) readLdSoConf(fs, warnings, f, depth + 1, out, seen);
      }
      continue;
    }
    if (/^[hH][wW][cC][aA][pP][ \t]/.test(line)) continue; // ignored since glibc 2.32
    // add_dir_1: the path ends at '=' (a library type follows), then loses trailing whitespace and slashes.
    let dir = line.includes('=') ? line.slice(0, line.indexOf('=')) : line;
    let end = dir.length;
    while (end > 0 && isSpace(dir[end - 1])) end--;
    while (end > 1 && dir[end - 1] === '/') end--;
    dir = dir.slice(0, end);
    // A directory that cannot be stat'ed is dropped; one already listed by another path (a link) is not listed again.
    const st = dir === '' ? null : fs.stat(dir);
    if (!st?.ok || seen.has(st.value.id)) continue;
    seen.add(st.value.id);
    out.push(dir);
  }
  return out;
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
