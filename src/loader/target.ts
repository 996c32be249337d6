// Per-architecture facts of a glibc target that are build-time constants of its ld.so (glibc elf/Makefile's
// trusted directories, DL_DST_LIB, sysdeps/*/dl-cache.h, dl-procinfo; docs/loader.md):
// Debian's system directories and $LIB, the vDSO's name, the accepted ld.so.cache flags, hwcaps names.
import * as C from '../elf/constants.js';

export interface TargetPreset {
  readonly arch: string;
  readonly triplet: string;
  readonly interp: string;
  readonly vdso: string | null;
  readonly platform: string;
  /** Built-in glibc-hwcaps subdirectories, most preferred first (sysdeps/<arch>/dl-hwcaps-subdirs.c). */
  readonly hwcapsSubdirs: readonly string[];
  /** _dl_cache_check_flags */
  readonly cacheFlags: readonly number[];
  readonly cacheDefaultId: number;
}

export interface ElfIdentity {
  readonly class: 32 | 64;
  readonly endian: 'little' | 'big';
  readonly machine: number;
  readonly flags: number;
}

const preset = (p: TargetPreset) => p;

/** The Debian multiarch preset for an object's class/machine, or null for a target we do not model. */
export function presetFor(id: ElfIdentity): TargetPreset | null {
  const is64 = id.class === 64;
  switch (id.machine) {
    case C.EM_X86_64:
      return is64
        ? preset({ arch: 'amd64', triplet: 'x86_64-linux-gnu', interp: '/lib64/ld-linux-x86-64.so.2', vdso: 'linux-vdso.so.1', platform: 'x86_64',
            hwcapsSubdirs: ['x86-64-v4', 'x86-64-v3', 'x86-64-v2'], cacheFlags: [0x0303], cacheDefaultId: 0x0303 })
        : preset({ arch: 'x32', triplet: 'x86_64-linux-gnux32', interp: '/libx32/ld-linux-x32.so.2', vdso: 'linux-vdso.so.1', platform: 'x86_64',
            hwcapsSubdirs: ['x86-64-v4', 'x86-64-v3', 'x86-64-v2'], cacheFlags: [0x0803], cacheDefaultId: 0x0803 });
    case C.EM_386:
      return preset({ arch: 'i386', triplet: 'i386-linux-gnu', interp: '/lib/ld-linux.so.2', vdso: 'linux-gate.so.1', platform: 'i686',
        hwcapsSubdirs: [], cacheFlags: [1, 3], cacheDefaultId: 3 });
    case C.EM_AARCH64:
      return preset({ arch: 'arm64', triplet: 'aarch64-linux-gnu', interp: '/lib/ld-linux-aarch64.so.1', vdso: 'linux-vdso.so.1', platform: 'aarch64',
        hwcapsSubdirs: [], cacheFlags: [0x0a03], cacheDefaultId: 0x0a03 });
    case C.EM_ARM: {
      // EF_ARM_ABI_FLOAT_HARD (0x400) selects Debian armhf; otherwise armel.
      const hard = (id.flags & 0x400) !== 0;
      return preset({ arch: hard ? 'armhf' : 'armel', triplet: hard ? 'arm-linux-gnueabihf' : 'arm-linux-gnueabi',
        interp: hard ? '/lib/ld-linux-armhf.so.3' : '/lib/ld-linux.so.3', vdso: 'linux-vdso.so.1', platform: 'v7l',
        hwcapsSubdirs: [], cacheFlags: [hard ? 0x0903 : 0x0b03, 0x0003], cacheDefaultId: 0x0003 });
    }
    case C.EM_S390:
      return is64
        ? preset({ arch: 's390x', triplet: 's390x-linux-gnu', interp: '/lib/ld64.so.1', vdso: 'linux-vdso64.so.1', platform: 'z900',
            hwcapsSubdirs: ['z16', 'z15', 'z14', 'z13'], cacheFlags: [0x0403], cacheDefaultId: 0x0403 })
        : null;
    case C.EM_PPC64:
      return id.endian === 'little'
        ? preset({ arch: 'ppc64el', triplet: 'powerpc64le-linux-gnu', interp: '/lib64/ld64.so.2', vdso: 'linux-vdso64.so.1', platform: 'power8',
            hwcapsSubdirs: ['power10', 'power9'], cacheFlags: [0x0503], cacheDefaultId: 0x0503 })
        : preset({ arch: 'ppc64', triplet: 'powerpc64-linux-gnu', interp: '/lib64/ld64.so.1', vdso: 'linux-vdso64.so.1', platform: 'power8',
            hwcapsSubdirs: [], cacheFlags: [0x0503], cacheDefaultId: 0x0503 });
    case C.EM_MIPS:
      return is64 && id.endian === 'little'
        ? preset({ arch: 'mips64el', triplet: 'mips64el-linux-gnuabi64', interp: '/lib64/ld.so.1', vdso: 'linux-vdso.so.1', platform: 'mips64',
            hwcapsSubdirs: [], cacheFlags: [0x0703], cacheDefaultId: 0x0703 })
        : null;
    case C.EM_RISCV:
      return is64
        ? preset({ arch: 'riscv64', triplet: 'riscv64-linux-gnu', interp: '/lib/ld-linux-riscv64-lp64d.so.1', vdso: 'linux-vdso.so.1', platform: 'riscv64',
            hwcapsSubdirs: [], cacheFlags: [0x1003], cacheDefaultId: 0x1003 })
        : null;
    default:
      return null;
  }
}

/** Debian's trusted directories (path.system_dirs of its ld.so), each ending in '/'. */
export const debianSystemDirs = (p: TargetPreset) => [`/lib/${p.triplet}/`, `/usr/lib/${p.triplet}/`, '/lib/', '/usr/lib/'];
/** Debian's $LIB (dl_dst_lib). */
export const debianLib = (p: TargetPreset) => `lib/${p.triplet}`;
