// /etc/ld.so.conf as ldconfig reads it (elf/ldconfig.c parse_conf, parse_conf_include): used only when the
// root has no ld.so.cache, to stand in for the cache ldconfig would build.
import { decodeUtf8 } from '../elf/utf8.js';
import type { FileSystem } from './fs.js';

const MAX_DEPTH = 16;

export function readLdSoConf(fs: FileSystem, warnings: string[], file = '/etc/ld.so.conf', depth = 0, out: string[] = []): string[] {
  if (depth > MAX_DEPTH) {
    warnings.push(`${file}: include nesting deeper than ${MAX_DEPTH}; ignored`);
    return out;
  }
  const r = fs.readFile(file, 1 << 20);
  if (!r.ok) return out;
  for (const rawLine of decodeUtf8(r.value).split('\n')) {
    const line = rawLine.replace(/#.*/, '').trim();
    if (!line) continue;
    const inc = /^include[ \t]+(.*)$/.exec(line);
    if (inc) {
      for (const pattern of inc[1]!.split(/[ \t]+/)) {
        const abs = pattern.startsWith('/') ? pattern : `${file.slice(0, file.lastIndexOf('/') + 1)}${pattern}`;
        for (const f of glob(fs, abs)) readLdSoConf(fs, warnings, f, depth + 1, out);
      }
      continue;
    }
    if (/^hwcap\s/i.test(line)) continue; // ignored since glibc 2.32
    const dir = line.replace(/=.*$/, '').replace(/\/+$/, '') || '/';
    if (fs.stat(dir).ok && !out.includes(dir)) out.push(dir);
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
