// The kernel's side of start-up (Linux fs/binfmt_elf.c load_elf_binary): before any loader code runs, it
// opens the program's PT_INTERP for execution and checks it is an ELF file of the program's class and
// machine. A missing or unusable interpreter makes execve itself fail.
import type { ElfImage } from '../elf/image.js';
import { type FileSystem, errnoText } from './fs.js';
import type { ElfIdentity } from './target.js';
import { type VerifyCache, truncatedSegments, verdictKey, verifyCandidate } from './verify.js';

/**
 * Why an ELF file the kernel would map as the interpreter cannot act as ld.so, or null. The kernel does not
 * chain interpreters (load_elf_interp ignores the interpreter's own PT_INTERP) and jumps to its entry point
 * in place of ld.so: a program there runs its own code without its libraries, and the program never starts.
 */
export function notALoader(image: ElfImage, size: number): string | null {
  if (image.interp !== null) return `a program with a PT_INTERP of its own (${image.interp}), not a loader`;
  if (image.dynamic === null) return 'a statically linked program (no PT_DYNAMIC), not a loader';
  return truncatedSegments(image, size)[0] ?? null;
}

/**
 * Why execve fails on the interpreter `path` (absolute, inside the root), or null when the kernel can map
 * it; with a run's `cache`, once per run and target.
 */
export function interpreterError(fs: FileSystem, path: string, target: ElfIdentity, cache?: VerifyCache): string | null {
  if (!cache) return judge(fs, path, target);
  const key = verdictKey(path, target);
  let v = cache.interpreters.get(key);
  if (v === undefined) cache.interpreters.set(key, (v = judge(fs, path, target, cache)));
  return v;
}

function judge(fs: FileSystem, path: string, target: ElfIdentity, cache?: VerifyCache): string | null {
  const fail = (errno: string, what: string) => `${path}: ${what} (the program's PT_INTERP; execve fails with ${errno})`;
  const st = fs.stat(path);
  if (!st.ok) return fail(st.errno, errnoText[st.errno]);
  // open_exec: a regular file. (Its execute bits are not checked: copied sysroots often lose them.)
  if (st.value.kind !== 'file') return fail('EACCES', 'not a regular file');
  const v = verifyCandidate(fs, path, target, cache);
  if (v.kind === 'ok') {
    const why = notALoader(v.image, v.info.size);
    return why && `${path}: ${why} (the program's PT_INTERP: the kernel would run it in place of ld.so, and the program would not start)`;
  }
  if (v.kind === 'abandon') return fail(v.errno, errnoText[v.errno]);
  if (v.kind === 'skip') return fail(v.outcome === 'missing' ? 'ENOENT' : v.outcome === 'no-access' ? 'EACCES' : 'ELIBBAD', v.detail);
  // kernel_read of the ELF header comes up short: EIO; anything else wrong with the header: ELIBBAD.
  return fail(v.message === 'file too short' ? 'EIO' : 'ELIBBAD', v.message);
}
