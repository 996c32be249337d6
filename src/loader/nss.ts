// The NSS service modules glibc dlopen()s, read from /etc/nsswitch.conf as glibc 2.36 reads it
// (nss/nss_database.c: process_line, nss_database_select_default; nss/nss_action_parse.c;
// nss/nss_module.c: module_load names them "libnss_" SERVICE ".so" __nss_shlib_revision).
import { decodeUtf8 } from '../elf/utf8.js';
import type { FileSystem } from './fs.js';

export interface NssService {
  readonly service: string;
  /** The file name glibc dlopen()s: `libnss_SERVICE.so.2`. */
  readonly soname: string;
  /** The databases whose lookups reach this service, in file order. */
  readonly databases: readonly string[];
  /** `/etc/nsswitch.conf:LINE` of each database line that names it. */
  readonly via: readonly string[];
}

// nss/databases.def.
const DATABASES = new Set(['aliases', 'ethers', 'group', 'group_compat', 'gshadow', 'hosts', 'initgroups', 'netgroup',
  'networks', 'passwd', 'passwd_compat', 'protocols', 'publickey', 'rpc', 'services', 'shadow', 'shadow_compat']);
/** Services linked into libc.so.6 itself since glibc 2.34 (nss_files and nss_dns moved into libc). */
export const BUILTIN_NSS_SINCE_2_34: readonly string[] = ['files', 'dns'];
const MAX_BYTES = 1 << 20;

/**
 * The service modules /etc/nsswitch.conf names, less those built into this root's libc. A missing file
 * means glibc's built-in defaults (files, dns), which load no module.
 */
export function readNsswitch(fs: FileSystem, builtin: readonly string[], warnings: string[], file = '/etc/nsswitch.conf'): NssService[] {
  const r = fs.readFile(file, MAX_BYTES + 1);
  if (!r.ok) {
    if (r.errno !== 'ENOENT') warnings.push(`NSS: ${file}: cannot read (${r.errno}); glibc falls back to its defaults`);
    return [];
  }
  if (r.value.length > MAX_BYTES) warnings.push(`NSS: ${file}: larger than 1 MiB; only the first MiB is read`);
  const byService = new Map<string, { databases: string[]; via: string[] }>();
  const lines = decodeUtf8(r.value.subarray(0, MAX_BYTES)).split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const colon = line.indexOf(':');
    const where = `${file}:${i + 1}`;
    if (colon <= 0) {
      warnings.push(`NSS: ${where}: no "database:" prefix; glibc ignores the line`);
      return;
    }
    const database = line.slice(0, colon).trim();
    if (!DATABASES.has(database)) return; // glibc ignores databases it does not know
    for (const service of services(line.slice(colon + 1))) {
      if (builtin.includes(service)) continue;
      if (!/^[A-Za-z0-9_.+-]+$/.test(service)) {
        warnings.push(`NSS: ${where}: service name "${service}" is not a plain word; not followed`);
        continue;
      }
      const e = byService.get(service) ?? { databases: [], via: [] };
      if (!e.databases.includes(database)) e.databases.push(database);
      if (!e.via.includes(where)) e.via.push(where);
      byService.set(service, e);
    }
  });
  return [...byService].map(([service, e]) => ({ service, soname: `libnss_${service}.so.2`, ...e }));
}

/** nss_action_parse: service names separated by white space, each optionally followed by `[STATUS=action …]`. */
function services(spec: string): string[] {
  return spec.replace(/\[[^\]]*\]?/g, ' ').split(/\s+/).filter(Boolean);
}
