// Fixtures compiled with the machine's C compiler at test time, and the real loader run on them as
// the oracle (only ever on these self-built files or the machine's own binaries).
import { execa, execaSync } from 'execa';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildLoadGraph, type LoaderOptions } from '../../src/loader/load.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import { detectHostCpu } from '../../src/host/cpu.js';
import { renderLdd } from '../../src/report/ldd.js';
import * as C from '../../src/elf/constants.js';
import type { LoadGraph } from '../../src/graph/model.js';
import { CC, LDD } from './prereq.js';

// Kept for callers that test a condition; a test skips through requires(ctx, FIXTURES) (prereq.ts), which says why.
export const hasCc = CC.present;
export const hasLdd = LDD.present;
export const canBuildFixtures = hasCc && hasLdd;

export function fixtureDir(): string {
  return mkdtempSync(join(tmpdir(), 'loadgraph-fx-'));
}

/** A shared library `dir/file` from C source, linked with extra args (-L, -l, -Wl,...). */
export function lib(dir: string, file: string, opts: { soname?: string | null; source?: string; args?: string[] } = {}): string {
  const out = join(dir, file);
  mkdirSync(dirname(out), { recursive: true });
  const src = `${out}.c`;
  writeFileSync(src, opts.source ?? `int ${file.replace(/\W/g, '_')}_fn(void) { return 1; }\n`);
  const soname = opts.soname === null ? [] : [`-Wl,-soname,${opts.soname ?? file.split('/').pop()}`];
  execaSync('cc', ['-shared', '-fPIC', '-o', out, src, ...soname, '-Wl,--no-as-needed', ...(opts.args ?? [])]);
  return out;
}

/** An executable `dir/file` from a trivial main (or `source`), linked with extra args. */
export function exe(dir: string, file: string, args: string[] = [], source = 'int main(void) { return 0; }\n'): string {
  const out = join(dir, file);
  mkdirSync(dirname(out), { recursive: true });
  const src = `${out}.c`;
  writeFileSync(src, source);
  execaSync('cc', ['-o', out, src, '-Wl,--no-as-needed', ...args]);
  return out;
}

/** cc -m32 links, and the i386 loader it names is installed (gcc-multilib brings libc6-i386). */
export const canBuild32 = hasCc && process.arch === 'x64' && (() => {
  try {
    exe(fixtureDir(), 'probe', ['-m32']);
    return existsSync('/lib/ld-linux.so.2');
  } catch {
    return false;
  }
})();
/** qemu-i386 (qemu-user) runs the i386 ld.so even where the kernel has no 32-bit support (ia32_emulation=0). */
const hasQemuI386 = (() => {
  try {
    execaSync('qemu-i386', ['-version']);
    return true;
  } catch {
    return false;
  }
})();
export const canRun32 = canBuild32 && hasQemuI386;
if (!canRun32) console.log('32-bit loader fixtures: SKIPPED — needs gcc-multilib (cc -m32, libc6-i386) and qemu-user (qemu-i386) (npm run test:setup installs them)');

/**
 * What `ldd FILE` prints for an i386 program, done as the ldd script does it (a name without '/' becomes
 * ./NAME; LD_TRACE_LOADED_OBJECTS=1; stderr into stdout) with the machine's own i386 ld.so run under
 * qemu-i386, so that it works whether or not this kernel runs 32-bit programs. qemu maps no vDSO: the
 * real kernel's linux-gate.so.1 line is missing from this oracle (see lddOf32).
 */
export async function ldd32(file: string, cwd: string, env: Record<string, string> = {}): Promise<string> {
  // -E sets the guest's environment only: qemu-i386 itself is an x86-64 program that would be traced too.
  const guestEnv = Object.entries({ LD_TRACE_LOADED_OBJECTS: '1', ...env }).flatMap(([k, v]) => ['-E', `${k}=${v}`]);
  const r = await execa('qemu-i386', [...guestEnv, '/lib/ld-linux.so.2', file.includes('/') ? file : `./${file}`], {
    cwd, reject: false, extendEnv: false, all: true, env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
  });
  return cleanLdd(r.all ?? '');
}

/** Our ldd lines for an i386 `file`, less the vDSO line that ldd32's emulator cannot show. */
export const lddOf32 = (file: string, cwd: string, opts: LoaderOptions = {}) => lddOf(file, cwd, opts).replace(/^\tlinux-gate\.so\.1\n/m, '');

export const rpath = (...dirs: string[]) => [`-Wl,--disable-new-dtags,-rpath,${dirs.join(':')}`];
export const runpath = (...dirs: string[]) => [`-Wl,--enable-new-dtags,-rpath,${dirs.join(':')}`];

const cpu = detectHostCpu();
/** The graph (and decoded images) of `file` as the CLI builds it on this machine, with `cwd` as the process's directory. */
export function loadOf(file: string, cwd: string, opts: LoaderOptions = {}) {
  const r = buildLoadGraph(confinedFs('/'), file, { cwd, cpu, ...opts });
  if (!r.ok) throw new Error(r.message);
  return r;
}
export const graphOf = (file: string, cwd: string, opts: LoaderOptions = {}): LoadGraph => loadOf(file, cwd, opts).graph;

/** The version check's reports (elf/dl-version.c), which ldd's 2>&1 puts before the list. */
const VERSION_REPORT = /: (weak version `.*' not found|version `.*' not found|no version information available) \(required by .*\)$|: unsupported version \d+ of Ver(def|need) record$/;

/** `ldd FILE` in `cwd` with a clean environment (plus `env`), load addresses removed. */
export async function ldd(file: string, cwd: string, env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const r = await execa('ldd', [file], { cwd, reject: false, extendEnv: false, env: { PATH: '/usr/bin:/bin', LC_ALL: 'C', ...env } });
  return {
    stdout: cleanLdd(r.stdout),
    stderr: r.stderr,
    exitCode: r.exitCode ?? -1,
  };
}

/**
 * `run` (a shell command on "$f") for each of `files`, in four shells at once (one process per file from
 * node costs far more than from a shell on a slow machine): each file's stdout and stderr, apart. `shell`
 * starts the shell (chroot DIR /bin/sh: one inside a root).
 */
export async function eachInShell(files: readonly string[], run: string, cwd: string, shell: readonly string[] = ['sh']): Promise<Map<string, { stdout: string; stderr: string }>> {
  const out = new Map<string, { stdout: string; stderr: string }>();
  const mark = 'printf \'\\n@@ %s\\n\' "$f"';
  await Promise.all([0, 1, 2, 3].map(async (q) => {
    const mine = files.filter((_, i) => i % 4 === q);
    if (mine.length === 0) return;
    const r = await execa(shell[0]!, [...shell.slice(1), '-c', `for f; do ${mark}; ${mark} >&2; ${run}; done`, 'sh', ...mine], { cwd, reject: false, extendEnv: false, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } });
    const parts = (text: string) => new Map(text.split('\n@@ ').slice(1).map((x) => [x.slice(0, x.indexOf('\n')), x.slice(x.indexOf('\n') + 1)] as const));
    const stdout = parts(r.stdout), stderr = parts(r.stderr);
    for (const f of mine) out.set(f, { stdout: stdout.get(f) ?? '', stderr: stderr.get(f) ?? '' });
  }));
  return out;
}

/** ldd of each of `files`, as ldd() gives it (load addresses removed from stdout), in a few shells. */
export async function lddEach(files: readonly string[], cwd: string): Promise<Map<string, { stdout: string; stderr: string }>> {
  const r = await eachInShell(files, 'ldd "$f"', cwd);
  return new Map([...r].map(([f, x]) => [f, { stdout: cleanLdd(x.stdout), stderr: x.stderr }]));
}

/** triedBy for each of `files`, in a few shells. */
export async function triedByEach(files: readonly string[], cwd: string): Promise<Map<string, string[]>> {
  const r = await eachInShell(files, 'LD_TRACE_LOADED_OBJECTS=1 LD_DEBUG=libs /lib64/ld-linux-x86-64.so.2 "$f" >/dev/null', cwd);
  return new Map([...r].map(([f, x]) => [f, triedLines(x.stderr)]));
}
export const triedLines = (stderr: string) => stderr.split('\n').filter((l) => l.includes('trying file=')).map((l) => l.replace(/^.*trying file=/, ''));

/**
 * x86-64 ld.so run on `file` in trace mode, as ldd runs it (the program does not run), with `env` added:
 * LD_WARN=yes relocates as a start does, LD_BIND_NOW every PLT slot too, LD_DEBUG says what it did.
 */
export function traceLdso(file: string, cwd: string, env: Record<string, string> = {}, timeout?: number) {
  return execa('/lib64/ld-linux-x86-64.so.2', [file], { cwd, reject: false, extendEnv: false, ...(timeout ? { timeout } : {}), env: { PATH: '/usr/bin:/bin', LC_ALL: 'C', LD_TRACE_LOADED_OBJECTS: '1', ...env } });
}

/** Every file ld.so tries, in order: LD_DEBUG=libs's "trying file=" lines of ld.so in trace mode. */
export async function triedBy(file: string, cwd: string): Promise<string[]> {
  return triedLines((await traceLdso(file, cwd, { LD_DEBUG: 'libs' })).stderr);
}

/** Every candidate of our start-up edges, in order, but names with a slash: _dl_map_object opens those as they are, without a "trying file=" line. */
export const triedIn = (g: LoadGraph): string[] => g.edges.flatMap((e) => e.trace.filter((c) => c.source !== 'path').map((c) => c.path));

/** ldd's lines that loadgraph --format ldd prints, load addresses removed. */
export function cleanLdd(out: string): string {
  return out.split('\n').filter((l) => l.startsWith('\t') || l.includes(': error while loading shared libraries: ') || VERSION_REPORT.test(l))
    .map((l) => l.replace(/ \(0x[0-9a-f]+\)$/, '') + '\n').join('');
}

/** Our ldd lines for `file`, for comparison with ldd's. */
export function lddOf(file: string, cwd: string, opts: LoaderOptions = {}): string {
  return renderLdd(graphOf(file, cwd, opts));
}

/** File offset and size of a section of a fixture, found with readelf (to rewrite its bytes). */
export function section(file: string, name: string): { offset: number; size: number } {
  const line = execaSync('readelf', ['-S', '-W', file]).stdout.split('\n').find((l) => l.includes(` ${name} `))!;
  const [offset, size] = line.trim().replace(/^\[\s*\d+\]\s+/, '').split(/\s+/).slice(3, 5).map((x) => Number.parseInt(x, 16)) as [number, number];
  return { offset, size };
}

/** Sets the value of every dynamic entry with `tag` of a little-endian fixture, or drops it (turned into DT_DEBUG). */
export function patchDynamic(file: string, tag: number, value: number | 'drop') {
  const { offset, size } = section(file, '.dynamic');
  const bytes = readFileSync(file);
  const wide = bytes[C.EI_CLASS] === C.ELFCLASS64;
  const entry = wide ? 16 : 8;
  for (let at = offset; at < offset + size; at += entry) {
    const t = wide ? Number(bytes.readBigInt64LE(at)) : bytes.readInt32LE(at);
    if (t !== tag) continue;
    const [newTag, newValue] = value === 'drop' ? [C.DT_DEBUG, 0] : [tag, value];
    if (wide) bytes.writeBigInt64LE(BigInt(newTag), at), bytes.writeBigUInt64LE(BigInt(newValue), at + 8);
    else bytes.writeInt32LE(newTag, at), bytes.writeUInt32LE(newValue, at + 4);
  }
  writeFileSync(file, bytes);
}
