// What the tests need from the machine beyond npm, and the one way a test skips when something is missing:
// `requires(ctx, …)` prints the test, what is missing and how to get it, then skips that test. Tests are
// always declared (a missing prerequisite never removes a row); each one checks its own prerequisites.
import { execaSync } from 'execa';
import { existsSync } from 'node:fs';
import type { TestContext } from 'vitest';
import { type Sysroot, hasSysroot } from './corpus.js';

export interface Prerequisite {
  /** What is needed, e.g. "readelf (binutils)". */
  readonly what: string;
  readonly present: boolean;
  /** How to get it. */
  readonly how: string;
}

const runs = (cmd: string, args: string[]) => {
  try {
    execaSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const SETUP = 'npm run test:setup';
const apt = (pkgs: string) => `${SETUP}, or apt-get install ${pkgs}`;

export const READELF: Prerequisite = { what: 'readelf (binutils)', present: runs('readelf', ['--version']), how: apt('binutils') };
export const OBJDUMP: Prerequisite = { what: 'objdump (binutils)', present: runs('objdump', ['--version']), how: apt('binutils') };
export const CC: Prerequisite = { what: 'a C compiler (cc)', present: runs('cc', ['--version']), how: apt('gcc libc6-dev') };
export const X86_64: Prerequisite = { what: 'an x86-64 machine (the fixtures and the real loader are x86-64)', present: process.arch === 'x64', how: 'run the tests on x86-64' };
export const LDD: Prerequisite = { what: "glibc's ldd and ld.so on x86-64", present: process.arch === 'x64' && runs('ldd', ['--version']) && existsSync('/lib64/ld-linux-x86-64.so.2'), how: 'apt-get install libc-bin on x86-64 Debian' };
export const LIBSYSTEMD_DEV: Prerequisite = { what: 'libsystemd-dev (sd-daemon.h and libsystemd.so)', present: existsSync('/usr/include/systemd/sd-daemon.h'), how: apt('libsystemd-dev') };
export const CHECKSEC: Prerequisite = { what: 'checksec', present: runs('sh', ['-c', 'command -v checksec']), how: apt('checksec') };
export const HARDENING_CHECK: Prerequisite = { what: "hardening-check (devscripts)", present: runs('sh', ['-c', 'command -v hardening-check']), how: apt('devscripts') };
export const GRAPHVIZ: Prerequisite = { what: 'Graphviz dot', present: runs('dot', ['-V']), how: apt('graphviz') };
export const CHROMIUM: Prerequisite = { what: "Debian's chromium (/usr/bin/chromium)", present: existsSync('/usr/bin/chromium'), how: apt('chromium') };
/** A qemu-user emulator, e.g. qemu-x86_64 (a CPU of its own: -cpu) or qemu-mips64el (a root's loader). */
export const qemuUser = (tool: string): Prerequisite => ({ what: `${tool} (qemu-user)`, present: runs(tool, ['-version']), how: apt('qemu-user') });
export const LDCONFIG: Prerequisite = { what: '/etc/ld.so.cache and ldconfig -p', present: existsSync('/etc/ld.so.cache') && runs('ldconfig', ['-p']), how: 'apt-get install libc-bin, then run ldconfig' };
/** ldconfig run on a directory as its root (-r chroots, so it needs root): the oracle for ld.so.conf parsing. */
export const LDCONFIG_ROOT: Prerequisite = {
  what: 'root and ldconfig (ldconfig -r chroots into a test directory)', present: process.getuid?.() === 0 && runs('ldconfig', ['--version']),
  how: 'run the tests as root (ldconfig is in libc-bin)',
};
export const ROOT_SETPRIV: Prerequisite = {
  what: 'root and setpriv (to run a set-user-ID fixture as nobody)', present: process.getuid?.() === 0 && runs('setpriv', ['--version']),
  how: 'run the tests as root (setpriv is in util-linux)',
};
/** chroot into a root of the test's, to run that root's own loader there (in trace mode, as ldd: nothing is run). */
export const ROOT_CHROOT: Prerequisite = {
  what: 'root and chroot', present: process.getuid?.() === 0 && existsSync('/usr/sbin/chroot'), how: 'run the tests as root (chroot is in coreutils)',
};
export const sysrootOf = (name: Sysroot): Prerequisite => {
  const [release, arch] = name.includes('-') ? name.split('-') as [string, string] : [null, name];
  return {
    what: `the Debian ${name} sysroot (~/.cache/loadgraph-corpus/${name}/.done)`, present: hasSysroot(name),
    how: `${SETUP}, or bash scripts/fetch-sysroots.sh ${release ? `--release ${release} ` : ''}${arch}`,
  };
};
/** cc and the real loader: the fixture tests build programs and compare with ldd. */
export const FIXTURES = [CC, LDD] as const;
/** The sample daemon built both ways (samples/build.sh): the "before" build links libsystemd. */
export const SAMPLES = [CC, LDD, LIBSYSTEMD_DEV] as const;

/** A prerequisite of one test that is not a tool, e.g. a CPU feature. */
export const condition = (what: string, present: boolean, how: string): Prerequisite => ({ what, present, how });

/** Skips the running test unless every prerequisite is present, saying which test, what is missing and how to get it. */
export function requires(ctx: TestContext, ...needs: ReadonlyArray<Prerequisite | readonly Prerequisite[]>): void {
  const missing = needs.flat().filter((p) => !p.present);
  if (missing.length === 0) return;
  const note = missing.map((p) => `missing ${p.what}; get it: ${p.how}`).join(' | ');
  // fullName is "file > describe > … > test".
  console.log(`SKIPPED ${ctx.task.fullName}: ${note}`);
  ctx.skip(note);
}

/** Whether every prerequisite is present (for set-up work in hooks, which must not fail when a test will skip). */
export const haveAll = (...needs: ReadonlyArray<Prerequisite | readonly Prerequisite[]>) => needs.flat().every((p) => p.present);

/** A prerequisite named by the condition a test file computes for itself; `npm run test:setup` provides it. */
export const setupProvides = (what: string, present: boolean): Prerequisite => condition(what, present, `${SETUP} (installs binutils, gcc, gcc-multilib, qemu-user, qemu-user-static, libsystemd-dev, checksec, devscripts, graphviz, chromium; fetches the Debian sysroots)`);
