// Fixtures compiled with the machine's C compiler at test time, and the real loader run on them as
// the oracle (only ever on these self-built files or the machine's own binaries).
import { execa, execaSync } from 'execa';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildLoadGraph, type LoaderOptions } from '../../src/loader/load.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import { detectHostCpu } from '../../src/host/cpu.js';
import { renderLdd } from '../../src/report/ldd.js';
import type { LoadGraph } from '../../src/graph/model.js';

export const hasCc = (() => {
  try {
    execaSync('cc', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
export const hasLdd = (() => {
  try {
    execaSync('ldd', ['--version']);
    return process.arch === 'x64';
  } catch {
    return false;
  }
})();
export const canBuildFixtures = hasCc && hasLdd;
if (!canBuildFixtures) console.log('loader fixtures: SKIPPED — needs cc and ldd on x86-64 (npm run test:setup installs gcc)');

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

/** An executable `dir/file` from a trivial main, linked with extra args. */
export function exe(dir: string, file: string, args: string[] = []): string {
  const out = join(dir, file);
  mkdirSync(dirname(out), { recursive: true });
  const src = `${out}.c`;
  writeFileSync(src, 'int main(void) { return 0; }\n');
  execaSync('cc', ['-o', out, src, '-Wl,--no-as-needed', ...args]);
  return out;
}

export const rpath = (...dirs: string[]) => [`-Wl,--disable-new-dtags,-rpath,${dirs.join(':')}`];
export const runpath = (...dirs: string[]) => [`-Wl,--enable-new-dtags,-rpath,${dirs.join(':')}`];

const cpu = detectHostCpu();
/** The graph (and decoded images) of `file` as the CLI builds it on this machine, with `cwd` as the process's directory. */
export function loadOf(file: string, cwd: string, opts: LoaderOptions = {}) {
  const r = buildLoadGraph(confinedFs('/'), file, { cwd, ...(cpu ? { hwcaps: cpu.hwcaps, legacyHwcaps: cpu.legacyHwcaps, platform: cpu.platform } : {}), ...opts });
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
    stdout: r.stdout.split('\n').filter((l) => l.startsWith('\t') || l.includes(': error while loading shared libraries: ') || VERSION_REPORT.test(l))
      .map((l) => l.replace(/ \(0x[0-9a-f]+\)$/, '') + '\n').join(''),
    stderr: r.stderr,
    exitCode: r.exitCode ?? -1,
  };
}

/** Our ldd lines for `file`, for comparison with ldd's. */
export function lddOf(file: string, cwd: string, opts: LoaderOptions = {}): string {
  return renderLdd(graphOf(file, cwd, opts));
}
