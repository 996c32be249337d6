// The few per-object facts the load graph carries for comparison (diff, check): RELRO, BIND_NOW, TEXTREL,
// executable stack, the FDO dlopen and package notes. From program headers, PT_DYNAMIC and PT_NOTE only.
import * as C from './constants.js';
import { type ElfImage, type Note, dynValue } from './image.js';
import { decodeDlopenNote, decodePackageNote } from './notes.js';

export interface ObjectSummary {
  readonly relro: 'none' | 'partial' | 'full';
  readonly bindNow: boolean;
  readonly textrel: boolean;
  /** PT_GNU_STACK with PF_X, or no PT_GNU_STACK on a port whose default is an executable stack (requestsExecStack). */
  readonly execStack: boolean;
  /** The preferred SONAME of each .note.dlopen entry. */
  readonly dlopen: readonly string[];
  /** "name version" from the FDO packaging note, when present. */
  readonly package: string | null;
}

/** Every PLT slot bound at load: DF_BIND_NOW, DF_1_NOW or DT_BIND_NOW (glibc _dl_relocate_object's lazy test). The one place this is decided. */
export function bindsNow(image: ElfImage): boolean {
  const flags = dynValue(image, C.DT_FLAGS) ?? 0;
  const flags1 = dynValue(image, C.DT_FLAGS_1) ?? 0;
  return (flags & C.DF_BIND_NOW) !== 0 || (flags1 & C.DF_1_NOW) !== 0 || dynValue(image, C.DT_BIND_NOW) !== undefined;
}

/** Relocations against read-only segments: DF_TEXTREL or DT_TEXTREL. */
export const hasTextrel = (image: ElfImage): boolean => ((dynValue(image, C.DT_FLAGS) ?? 0) & C.DF_TEXTREL) !== 0 || dynValue(image, C.DT_TEXTREL) !== undefined;

/** Ports whose DEFAULT_STACK_PERMS has PF_X (sysdeps/<port>/stackinfo.h; the generic default, AArch64, 64-bit POWER and RISC-V among them, has not). */
const EXEC_STACK_BY_DEFAULT = new Set([C.EM_386, C.EM_X86_64, C.EM_ARM, C.EM_MIPS, C.EM_S390, C.EM_PPC, C.EM_SPARC, C.EM_SPARC32PLUS, C.EM_SPARCV9,
  C.EM_PARISC, C.EM_68K, C.EM_SH, C.EM_ALPHA, C.EM_MICROBLAZE, C.EM_OPENRISC]);

/**
 * Whether the object asks for an executable stack as ld.so reads it (dl-load.c _dl_map_object_from_fd,
 * rtld.c for the program): PT_GNU_STACK's PF_X, or without one its port's DEFAULT_STACK_PERMS.
 */
export function requestsExecStack(image: ElfImage): boolean {
  const stack = image.segments.find((s) => s.type === C.PT_GNU_STACK);
  return stack ? (stack.flags & C.PF_X) !== 0 : EXEC_STACK_BY_DEFAULT.has(image.header.machine);
}

export function summarize(image: ElfImage, notes: readonly Note[]): ObjectSummary {
  const bindNow = bindsNow(image);
  const relro = image.segments.some((s) => s.type === C.PT_GNU_RELRO);
  const dlopen: string[] = [];
  let pkg: string | null = null;
  for (const n of notes) {
    if (n.owner !== 'FDO') continue;
    if (n.type === C.NT_FDO_DLOPEN_METADATA) {
      const d = decodeDlopenNote(n.desc);
      if ('entries' in d) dlopen.push(...d.entries.map((e) => e.soname[0]!));
    } else if (n.type === C.NT_FDO_PACKAGING_METADATA) {
      const p = decodePackageNote(n.desc);
      if ('value' in p) pkg = [p.value.name, p.value.version].filter((x) => typeof x === 'string').join(' ') || null;
    }
  }
  return {
    relro: !relro ? 'none' : bindNow ? 'full' : 'partial',
    bindNow,
    textrel: hasTextrel(image),
    execStack: requestsExecStack(image),
    dlopen,
    package: pkg,
  };
}
