// What else the process may load after start-up, and why: the names each run-time edge source asks
// dlopen() for. The loader resolves them as dlopen() from the requesting object would (_dl_map_object with
// that object as the loader) and walks their DT_NEEDED closures; nothing here is part of the start-up graph.
//   dlopen notes  every object's FDO .note.dlopen entries (the UAPI "ELF dlopen metadata" spec)
//   PAM           libpam.so.0 in the closure → the service's stack (libpam pam_handlers.c)
//   NSS           libc.so.6 in the closure → /etc/nsswitch.conf (glibc nss/nss_module.c)
import * as C from '../elf/constants.js';
import type { ElfImage, Note } from '../elf/image.js';
import { decodeDlopenNote } from '../elf/notes.js';
import { readSymbolVersions } from '../elf/symbols.js';
import type { Provenance } from '../graph/model.js';
import type { FileSystem } from './fs.js';
import { BUILTIN_NSS_SINCE_2_34, readNsswitch } from './nss.js';
import { pamModuleDirOf, readPamStack } from './pam.js';

export interface RuntimeOptions {
  /** The PAM service whose stack is read; default PAM_SERVICES' entry or the program's base name (then `other`, as libpam). */
  readonly pamService?: string;
}

/**
 * Programs whose pam_start() service is not their own name. OpenSSH ≥ 9.8 split sshd: sshd-session and
 * sshd-auth start PAM as "sshd" (servconf.c SSHD_PAM_SERVICE, unless sshd_config's PAMServiceName says
 * otherwise); OpenSSH before 9.8 used __progname, which is "sshd" for sshd itself.
 */
export const PAM_SERVICES: Readonly<Record<string, string>> = { 'sshd-session': 'sshd', 'sshd-auth': 'sshd' };

/** A start-up object as the run-time sources see it. */
export interface LoadedObject {
  readonly id: number;
  readonly path: string | null;
  readonly image: ElfImage | null;
  readonly notes: readonly Note[];
}

/** One dlopen() a source asks for: the names to try, most preferred first, from the object that calls it. */
export interface RuntimeRequest {
  readonly from: number;
  readonly kind: 'dlopen' | 'pam' | 'nss';
  readonly names: readonly string[];
  readonly provenance: Provenance;
}

/** One object's .note.dlopen entries as requests from it (also for objects that themselves load at run time). */
export function dlopenRequests(o: LoadedObject, warnings: string[]): RuntimeRequest[] {
  const out: RuntimeRequest[] = [];
  for (const n of o.notes) {
    if (n.owner !== 'FDO' || n.type !== C.NT_FDO_DLOPEN_METADATA) continue;
    const d = decodeDlopenNote(n.desc);
    if ('error' in d) {
      warnings.push(`${o.path ?? `object ${o.id}`}: .note.dlopen ignored: ${d.error}`);
      continue;
    }
    for (const e of d.entries) {
      out.push({ from: o.id, kind: 'dlopen', names: e.soname, provenance: { kind: 'dlopen', feature: e.feature, description: e.description, priority: e.priority, sonames: e.soname } });
    }
  }
  return out;
}

export function runtimeRequests(fs: FileSystem, program: string, startup: readonly LoadedObject[], opts: RuntimeOptions, warnings: string[]): RuntimeRequest[] {
  const out: RuntimeRequest[] = startup.flatMap((o) => dlopenRequests(o, warnings));
  const bySoname = (s: string) => startup.find((o) => o.image?.soname === s);
  const libpam = bySoname('libpam.so.0');
  if (libpam?.path) {
    const base = program.slice(program.lastIndexOf('/') + 1);
    const service = opts.pamService ?? PAM_SERVICES[base] ?? base;
    const f = fs.open(libpam.path);
    const dir = f.ok ? pamModuleDirOf(f.value) : undefined;
    if (f.ok) f.value.close();
    const moduleDir = dir ?? `${libpam.path.slice(0, libpam.path.lastIndexOf('/'))}/security/`;
    if (!dir) warnings.push(`PAM: ${libpam.path} names no module directory; assuming ${moduleDir}`);
    const stack = readPamStack(fs, service, moduleDir, warnings);
    const byPath = new Map<string, RuntimeRequest & { provenance: { kind: 'pam' } }>();
    for (const m of stack.modules) {
      const line = { stack: m.stack, type: m.type, control: m.control, module: m.module, silent: m.silent, via: m.via };
      const seen = byPath.get(m.path);
      if (seen) (seen.provenance.lines as (typeof line)[]).push(line);
      else byPath.set(m.path, { from: libpam.id, kind: 'pam', names: [m.path], provenance: { kind: 'pam', service, lines: [line] } });
    }
    out.push(...byPath.values());
  }
  const libc = bySoname('libc.so.6');
  if (libc?.path && libc.image) {
    for (const s of readNsswitch(fs, builtinNss(fs, libc.path, libc.image), warnings)) {
      out.push({ from: libc.id, kind: 'nss', names: [s.soname], provenance: { kind: 'nss', service: s.service, databases: s.databases, via: s.via } });
    }
  }
  return out;
}

/** glibc 2.34 moved nss_files and nss_dns into libc.so.6: a libc that defines GLIBC_2.34 needs no module for them. */
function builtinNss(fs: FileSystem, path: string, image: ElfImage): readonly string[] {
  const f = fs.open(path);
  if (!f.ok) return BUILTIN_NSS_SINCE_2_34;
  try {
    const defs = readSymbolVersions(f.value, image, 0, []).defs;
    return defs.some((d) => d.names[0] === 'GLIBC_2.34') ? BUILTIN_NSS_SINCE_2_34 : [];
  } finally {
    f.value.close();
  }
}
