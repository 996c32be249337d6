// The PAM modules a service's stack makes libpam dlopen(), read as libpam reads its configuration
// (libpam/pam_handlers.c: _pam_init_handlers, _pam_parse_conf_file, _pam_load_conf_file,
// _pam_add_handler). libpam loads every module named by the service's file *and* by `other` when the
// first pam_start() handler is set up, whether or not a later call dispatches to it.
import type { ByteSource } from '../elf/source.js';
import { decodeUtf8 } from '../elf/utf8.js';
import type { FileSystem } from './fs.js';

export type PamType = 'auth' | 'account' | 'password' | 'session';

export interface PamModuleLine {
  readonly type: PamType;
  /** `required`, `optional`, `[success=ok …]`, …: as written. */
  readonly control: string;
  /** The module path as written (`pam_systemd.so`, `/opt/x/pam_x.so`). */
  readonly module: string;
  /** The file libpam dlopen()s: absolute paths as written, others below the module directory. */
  readonly path: string;
  /** `-session …`: a missing module is not logged (PAM_HT_SILENT_MODULE). */
  readonly silent: boolean;
  /** The stack this line belongs to: the service's own, or `other` (libpam's fallback, loaded too). */
  readonly stack: string;
  /** Where the line is: the file and line, after each include that led there, outermost first. */
  readonly via: readonly string[];
}

export interface PamStack {
  /** The service file libpam reads, or undefined when it has none and only `other` applies. */
  readonly serviceFile: string | undefined;
  readonly modules: readonly PamModuleLine[];
}

// libpam's PAM_SUBSTACK_MAX_LEVEL: deeper includes abort (and so end any include cycle).
const MAX_INCLUDE_LEVEL = 16;
// Files included in all, per stack: libpam reads a file again for every line that includes it, so files
// that include each other several times each grow as (lines)^16 — libpam never finishes; loadgraph stops.
const MAX_INCLUDES = 1_000;
const CONFIG_DIRS = ['/etc/pam.d', '/usr/lib/pam.d'];
const TYPES: readonly PamType[] = ['auth', 'account', 'password', 'session'];
const MAX_CONFIG_BYTES = 1 << 20;

/**
 * The module lines of SERVICE's stack, then of `other`. `moduleDir` is libpam's DEFAULT_MODULE_PATH
 * (with its trailing slash), which names the modules written without a slash.
 */
export function readPamStack(fs: FileSystem, service: string, moduleDir: string, warnings: string[]): PamStack {
  const modules: PamModuleLine[] = [];
  const dirMode = CONFIG_DIRS.some((d) => { const s = fs.stat(d); return s.ok && s.value.kind === 'dir'; });
  if (!dirMode) {
    // Without /etc/pam.d, one /etc/pam.conf whose first field names the service.
    const text = readConfig(fs, '/etc/pam.conf', warnings);
    if (text === undefined) warnings.push('PAM: neither /etc/pam.d nor /etc/pam.conf exists; libpam would refuse every service');
    else parse(fs, text, '/etc/pam.conf', { service, moduleDir, wanted: undefined, level: 0, via: [], withServiceField: true, includes: { left: MAX_INCLUDES } }, modules, warnings);
    return { serviceFile: text === undefined ? undefined : '/etc/pam.conf', modules };
  }
  let serviceFile: string | undefined;
  for (const stack of service === 'other' ? ['other'] : [service, 'other']) {
    const file = findConfig(fs, stack);
    if (file === undefined) {
      if (stack === 'other') warnings.push('PAM: no /etc/pam.d/other; libpam has no fallback stack');
      continue;
    }
    if (stack === service) serviceFile = file;
    const text = readConfig(fs, file, warnings);
    if (text !== undefined) parse(fs, text, file, { service: stack, moduleDir, wanted: undefined, level: 0, via: [], withServiceField: false, includes: { left: MAX_INCLUDES } }, modules, warnings);
  }
  return { serviceFile, modules };
}

/** _pam_open_config_file: an absolute name as it is, else the first of the configuration directories. */
function findConfig(fs: FileSystem, name: string): string | undefined {
  if (name.startsWith('/')) return fs.stat(name).ok ? name : undefined;
  if (name.includes('/') || name === '' || name === '.' || name === '..') return undefined;
  return CONFIG_DIRS.map((d) => `${d}/${name}`).find((p) => { const s = fs.stat(p); return s.ok && s.value.kind === 'file'; });
}

function readConfig(fs: FileSystem, file: string, warnings: string[]): string | undefined {
  const r = fs.readFile(file, MAX_CONFIG_BYTES + 1);
  if (!r.ok) {
    if (r.errno !== 'ENOENT') warnings.push(`PAM: ${file}: cannot read (${r.errno})`);
    return undefined;
  }
  if (r.value.length > MAX_CONFIG_BYTES) warnings.push(`PAM: ${file}: larger than 1 MiB; only the first MiB is read`);
  return decodeUtf8(r.value.subarray(0, MAX_CONFIG_BYTES));
}

interface ParseState {
  readonly service: string;
  readonly moduleDir: string;
  /** The type an `include`/`substack` line asks for: only lines of that type are taken from the file. */
  readonly wanted: PamType | undefined;
  readonly level: number;
  readonly via: readonly string[];
  readonly withServiceField: boolean;
  /** How many more files this stack may include (MAX_INCLUDES): shared by its includes. */
  readonly includes: { left: number };
}

function parse(fs: FileSystem, text: string, file: string, st: ParseState, out: PamModuleLine[], warnings: string[]): void {
  for (const { line, number } of assembleLines(text)) {
    const where = `${file}:${number}`;
    const tokens = tokenize(line);
    if (st.withServiceField && tokens.shift()?.toLowerCase() !== st.service.toLowerCase()) continue;
    const first = tokens[0];
    if (first === undefined) continue;
    // Debian's `@include FILE`: every line of FILE, whatever its type.
    if (first === '@include') {
      include(fs, tokens[1], where, st, out, warnings);
      continue;
    }
    const silent = first.startsWith('-');
    const type = (silent ? first.slice(1) : first).toLowerCase() as PamType;
    if (!TYPES.includes(type)) {
      warnings.push(`PAM: ${where}: unknown module type "${first}"; libpam installs a handler that always fails`);
      continue;
    }
    if (st.wanted !== undefined && type !== st.wanted) continue;
    const control = tokens[1];
    const module = tokens[2];
    if (control === undefined) {
      warnings.push(`PAM: ${where}: no control flag`);
      continue;
    }
    const lc = control.toLowerCase();
    if (lc === 'include' || lc === 'substack') {
      include(fs, module, where, { ...st, wanted: type }, out, warnings);
      continue;
    }
    if (module === undefined) {
      warnings.push(`PAM: ${where}: no module named`);
      continue;
    }
    const path = module.startsWith('/') ? module : `${st.moduleDir}${module}`;
    out.push({ type, control, module, path, silent, stack: st.service, via: [...st.via, where] });
  }
}

function include(fs: FileSystem, name: string | undefined, where: string, st: ParseState, out: PamModuleLine[], warnings: string[]): void {
  if (name === undefined) {
    warnings.push(`PAM: ${where}: include names no file`);
    return;
  }
  if (st.level + 1 >= MAX_INCLUDE_LEVEL) {
    warnOnce(warnings, `PAM: ${where}: includes nested deeper than ${MAX_INCLUDE_LEVEL} (a cycle?); libpam stops here`);
    return;
  }
  if (--st.includes.left < 0) {
    warnOnce(warnings, `PAM: ${st.service}: more than ${MAX_INCLUDES} files included (files that include each other; libpam would not finish reading them); the rest not read`);
    return;
  }
  const file = findConfig(fs, name);
  const text = file === undefined ? undefined : readConfig(fs, file, warnings);
  if (file === undefined || text === undefined) {
    warnings.push(`PAM: ${where}: included file "${name}" not found; libpam makes this line fail`);
    return;
  }
  parse(fs, text, file, { ...st, level: st.level + 1, via: [...st.via, where], withServiceField: false }, out, warnings);
}

const warnOnce = (warnings: string[], w: string) => void (warnings.includes(w) || warnings.push(w));

/** _pam_line_assemble: `#` starts a comment, a backslash before the newline joins lines. */
function* assembleLines(text: string): Generator<{ line: string; number: number }> {
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const number = i + 1;
    let line = raw[i]!;
    while (line.endsWith('\\') && i + 1 < raw.length) line = line.slice(0, -1) + ' ' + raw[++i]!;
    line = line.replace(/#.*/, '').trim();
    if (line) yield { line, number };
  }
}

/** _pam_tokenize: white space separates, `[ … ]` is one token even with spaces inside. */
function tokenize(line: string): string[] {
  return line.match(/\[[^\]]*\]?|[^\s[]+(?:\[[^\]]*\]?[^\s[]*)*/g) ?? [];
}

/**
 * libpam's DEFAULT_MODULE_PATH, read from libpam itself: the one NUL-terminated absolute path in its
 * read-only data that ends in "/security/" (Debian: "/lib/<triplet>/security/"). The distribution
 * chooses it at build time (--enable-securedir), so it is read, not guessed. Reads at most 4 MiB.
 */
export function pamModuleDirOf(libpam: ByteSource): string | undefined {
  const bytes = libpam.read(0, Math.min(libpam.size, 4 << 20));
  const suffix = new TextEncoder().encode('/security/\0');
  for (let at = indexOf(bytes, suffix, 0); at >= 0; at = indexOf(bytes, suffix, at + 1)) {
    let start = at;
    while (start > 0 && at - start < 256 && bytes[start - 1]! >= 0x21 && bytes[start - 1]! < 0x7f) start--;
    if (bytes[start] === 0x2f /* '/' */ && (start === 0 || bytes[start - 1] === 0)) {
      return decodeUtf8(bytes.subarray(start, at + suffix.length - 1));
    }
  }
  return undefined;
}

const indexOf = (hay: Uint8Array, needle: Uint8Array, from: number) => Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle, from);
