// Every documented option of every command, each with a test of its effect: the loader options inside a
// small built root (hermetic: the expected paths follow from the files the test writes), and on this machine
// against ldd where the real loader can answer.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { buildElf } from '../support/elf-writer.js';
import { runCli } from '../support/cli.js';
import { exe, fixtureDir, ldd, lib } from '../support/fixtures.js';
import { FIXTURES, requires } from '../support/prereq.js';

const T = 'lib/x86_64-linux-gnu';
/**
 * A root with ld.so and libc, and `files` (in-root path → ELF spec) on top. Programs default to an
 * executable with PT_INTERP.
 */
function root(files: Record<string, Parameters<typeof buildElf>[0]>, extra: Record<string, string> = {}) {
  const r = mkdtempSync(join(tmpdir(), 'loadgraph-opt-'));
  const put = (p: string, b: Uint8Array | string) => { mkdirSync(join(r, p, '..'), { recursive: true }); writeFileSync(join(r, p), b); };
  put(`${T}/ld-linux-x86-64.so.2`, buildElf({ soname: 'ld-linux-x86-64.so.2' }));
  put('lib64/ld-linux-x86-64.so.2', buildElf({ soname: 'ld-linux-x86-64.so.2' }));
  put(`${T}/libc.so.6`, buildElf({ soname: 'libc.so.6', needed: ['ld-linux-x86-64.so.2'] }));
  for (const [p, spec] of Object.entries(files)) put(p, buildElf(spec));
  for (const [p, text] of Object.entries(extra)) put(p, text);
  return r;
}
const prog = (spec: Parameters<typeof buildElf>[0] = {}) => ({ type: C.ET_EXEC, interp: '/lib64/ld-linux-x86-64.so.2', ...spec });
const lib1 = (soname: string, spec: Parameters<typeof buildElf>[0] = {}) => ({ soname, needed: ['libc.so.6'], ...spec });
/** The graph as JSON. */
const graph = async (...args: string[]) => {
  const r = await runCli(['--format', 'json', '--no-code', ...args]);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
};
const pathOf = (g: { objects: Array<{ soname: string | null; name: string; path: string | null }> }, name: string) => g.objects.find((o) => o.soname === name || o.name === name)?.path ?? null;

describe('loader options of the default command', () => {
  it('--library-path is searched before RUNPATH, as LD_LIBRARY_PATH', async () => {
    const r = root({ 'usr/bin/p': prog({ needed: ['libfoo.so.1'], runpath: '/opt/run' }), 'opt/run/libfoo.so.1': lib1('libfoo.so.1'), 'opt/lp/libfoo.so.1': lib1('libfoo.so.1') });
    expect(pathOf(await graph('--root', r, '/usr/bin/p'), 'libfoo.so.1')).toBe('/opt/run/libfoo.so.1');
    const g = await graph('--root', r, '--library-path', '/nowhere:/opt/lp', '/usr/bin/p');
    expect(pathOf(g, 'libfoo.so.1')).toBe('/opt/lp/libfoo.so.1');
    expect(g.edges.find((e: { name: string }) => e.name === 'libfoo.so.1').reason).toEqual({ kind: 'LD_LIBRARY_PATH' });
  });

  it("the root's /etc/ld.so.preload is loaded first; --no-preload-file ignores it; --preload comes before it", async () => {
    const r = root({ 'usr/bin/p': prog({ needed: ['libc.so.6'] }), [`${T}/libpre.so`]: lib1('libpre.so'), [`${T}/libmine.so`]: lib1('libmine.so') },
      { 'etc/ld.so.preload': `# comment\n/${T}/libpre.so\n` });
    const preloads = (g: { edges: Array<{ kind: string; name: string }> }) => g.edges.filter((e) => e.kind === 'preload').map((e) => e.name);
    expect(preloads(await graph('--root', r, '/usr/bin/p'))).toEqual([`/${T}/libpre.so`]);
    expect(preloads(await graph('--root', r, '--no-preload-file', '/usr/bin/p'))).toEqual([]);
    expect(preloads(await graph('--root', r, '--preload', 'libmine.so', '/usr/bin/p'))).toEqual(['libmine.so', `/${T}/libpre.so`]);
    const text = (await runCli(['--root', r, '/usr/bin/p'])).stdout;
    expect(text).toMatch(/libpre\.so \[preload/);
  });

  it('--hwcaps names the glibc-hwcaps subdirectories searched first; none, the default inside --root, searches none', async () => {
    const r = root({ 'usr/bin/p': prog({ needed: ['libfoo.so.1'] }), [`${T}/libfoo.so.1`]: lib1('libfoo.so.1'), [`${T}/glibc-hwcaps/x86-64-v2/libfoo.so.1`]: lib1('libfoo.so.1') });
    expect(pathOf(await graph('--root', r, '/usr/bin/p'), 'libfoo.so.1')).toBe(`/${T}/libfoo.so.1`);
    expect(pathOf(await graph('--root', r, '--hwcaps', 'none', '/usr/bin/p'), 'libfoo.so.1')).toBe(`/${T}/libfoo.so.1`);
    const g = await graph('--root', r, '--hwcaps', 'x86-64-v3,x86-64-v2', '/usr/bin/p');
    expect(pathOf(g, 'libfoo.so.1')).toBe(`/${T}/glibc-hwcaps/x86-64-v2/libfoo.so.1`);
    expect(g.env.hwcaps).toEqual(['x86-64-v3', 'x86-64-v2']);
  });

  it('--platform and --lib are the values of $PLATFORM and $LIB; $LIB defaults to the multiarch directory', async () => {
    const r = root({
      'usr/bin/p': prog({ needed: ['libfoo.so.1', 'libbar.so.1'], runpath: '/opt/$PLATFORM:/opt/${LIB}' }),
      'opt/myplat/libfoo.so.1': lib1('libfoo.so.1'), 'opt/mylib/libbar.so.1': lib1('libbar.so.1'),
      'usr/bin/q': prog({ needed: ['libbaz.so.1'], runpath: '/usr/$LIB' }), [`usr/${T}/libbaz.so.1`]: lib1('libbaz.so.1'),
    });
    const g = await graph('--root', r, '--platform', 'myplat', '--lib', 'mylib', '/usr/bin/p');
    expect(pathOf(g, 'libfoo.so.1')).toBe('/opt/myplat/libfoo.so.1');
    expect(pathOf(g, 'libbar.so.1')).toBe('/opt/mylib/libbar.so.1');
    const without = await runCli(['--root', r, '/usr/bin/p']);
    expect(without.code).toBe(1);
    expect(without.stdout).toMatch(/libfoo\.so\.1 not found/);
    expect(pathOf(await graph('--root', r, '/usr/bin/q'), 'libbaz.so.1')).toBe(`/usr/${T}/libbaz.so.1`);
  });

  it('--secure ignores --library-path; --no-secure searches it', async () => {
    const r = root({ 'usr/bin/p': prog({ needed: ['libfoo.so.1'], runpath: '/opt/run' }), 'opt/run/libfoo.so.1': lib1('libfoo.so.1'), 'opt/lp/libfoo.so.1': lib1('libfoo.so.1') });
    const g = await graph('--root', r, '--secure', '--library-path', '/opt/lp', '/usr/bin/p');
    expect(g.env.secure).toBe(true);
    expect(pathOf(g, 'libfoo.so.1')).toBe('/opt/run/libfoo.so.1');
    const n = await graph('--root', r, '--no-secure', '--library-path', '/opt/lp', '/usr/bin/p');
    expect(n.env.secure).toBe(false);
    expect(pathOf(n, 'libfoo.so.1')).toBe('/opt/lp/libfoo.so.1');
  });

  it('DT_FILTER and DT_AUXILIARY are edges of their own kind, their filtees before the filter; a missing auxiliary is a "not found" line but not an error', async () => {
    const r = root({
      'usr/bin/p': prog({ needed: ['libfront.so.1'] }),
      [`${T}/libfront.so.1`]: lib1('libfront.so.1', { dynamic: [[C.DT_AUXILIARY, 'libaux.so.1'], [C.DT_AUXILIARY, 'libgone.so.1'], [C.DT_FILTER, 'libfilt.so.1']] }),
      [`${T}/libaux.so.1`]: lib1('libaux.so.1'), [`${T}/libfilt.so.1`]: lib1('libfilt.so.1'),
    });
    const g = await graph('--root', r, '/usr/bin/p');
    const kinds = Object.fromEntries(g.edges.map((e: { name: string; kind: string }) => [e.name, e.kind]));
    expect(kinds).toMatchObject({ 'libaux.so.1': 'auxiliary', 'libgone.so.1': 'auxiliary', 'libfilt.so.1': 'filter' });
    expect(pathOf(g, 'libfilt.so.1')).toBe(`/${T}/libfilt.so.1`);
    // Trace mode fakes the missing auxiliary (ldd's "not found" line); a start passes it by.
    expect(g.objects.filter((o: { kind: string }) => o.kind === 'missing').map((o: { name: string }) => o.name)).toEqual(['libgone.so.1']);
    expect((await runCli(['--root', r, '/usr/bin/p'])).code).toBe(0);
    const listed = (await runCli(['--root', r, '--format', 'ldd', '/usr/bin/p'])).stdout.split('\n').map((l) => l.trim().split(' ')[0]);
    expect(listed.slice(1, 5)).toEqual(['libaux.so.1', 'libgone.so.1', 'libfilt.so.1', 'libfront.so.1']);
  });

  it('several FILEs: ldd\'s "FILE:" headers, a JSON array, one tree after another; exit status is the worst', async () => {
    const r = root({ 'usr/bin/p': prog({ needed: ['libc.so.6'] }), 'usr/bin/q': prog({ needed: ['libgone.so.1'] }) });
    const l = await runCli(['--root', r, '--format', 'ldd', '/usr/bin/p', '/usr/bin/q']);
    expect(l.code).toBe(1);
    expect(l.stdout).toMatch(/^\/usr\/bin\/p:\n\tlinux-vdso\.so\.1\n(.*\n)*\/usr\/bin\/q:\n(.*\n)*\tlibgone\.so\.1 => not found\n$/);
    const j = await graph('--root', r, '/usr/bin/p', '/usr/bin/q');
    expect(j.map((g: { program: string }) => g.program)).toEqual(['/usr/bin/p', '/usr/bin/q']);
    const t = (await runCli(['--root', r, '/usr/bin/p', '/usr/bin/q'])).stdout;
    expect(t).toMatch(/^\/usr\/bin\/p\n[\s\S]*\n\n\/usr\/bin\/q\n/);
  });

  it('a program without PT_INTERP or PT_DYNAMIC is static: ldd format prints nothing and says so on stderr', async () => {
    const r = root({});
    // e_type ET_EXEC, one PT_LOAD and nothing else, as a static executable has.
    const b = buildElf({ type: C.ET_EXEC });
    const v = new DataView(b.buffer);
    const phoff = Number(v.getBigUint64(32, true));
    for (let i = 0; i < v.getUint16(56, true); i++) if (v.getUint32(phoff + i * 56, true) === C.PT_DYNAMIC) v.setUint32(phoff + i * 56, C.PT_NULL, true);
    writeFileSync(join(r, 'static'), b);
    const x = await runCli(['--root', r, '--format', 'ldd', '/static']);
    expect(x).toMatchObject({ code: 1, stdout: '', stderr: '\tnot a dynamic executable\n' });
    expect((await graph('--root', r, '/static')).linkage).toBe('static');
  });

  it('--no-code leaves out the load-time analysis; --bind-now binds every PLT slot at load', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    // An IFUNC called through the library's own PLT: under lazy binding its resolver runs at the first call.
    lib(d, 'liblazy.so', { source: 'static int impl(void) { return 2; }\nstatic void *r(void) { return (void *)impl; }\nint f(void) __attribute__((ifunc("r")));\nint g(void) { return f(); }\n', args: ['-Wl,-z,lazy'] });
    const main = exe(d, 'main', [`-L${d}`, '-l:liblazy.so', `-Wl,-rpath,${d}`, '-Wl,-z,lazy']);
    const at = async (...flags: string[]) => {
      const g = JSON.parse((await runCli(['--format', 'json', ...flags, main])).stdout);
      const id = g.objects.find((o: { soname: string | null }) => o.soname === 'liblazy.so').id;
      return g.loadTime?.objects.find((o: { id: number }) => o.id === id).ifuncAtLoad;
    };
    expect(await at()).toBe(0);
    expect(await at('--bind-now')).toBe(1);
    expect(await at('--no-code')).toBeUndefined();
    expect((await runCli([main])).stdout).toMatch(/objects run their own code before main/);
    expect((await runCli(['--no-code', main])).stdout).not.toMatch(/before main|ifunc:|ctor:/);
  });

  it('--library-path and --preload on this machine equal ldd with LD_LIBRARY_PATH and LD_PRELOAD', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'lp/liba.so.1');
    lib(d, 'libpre.so');
    const main = exe(d, 'main', [`-L${d}/lp`, '-l:liba.so.1']);
    const ours = await runCli(['--format', 'ldd', '--library-path', `${d}/lp`, '--preload', `${d}/libpre.so`, main]);
    const theirs = await ldd(main, d, { LD_LIBRARY_PATH: `${d}/lp`, LD_PRELOAD: `${d}/libpre.so` });
    expect(theirs.stdout).toContain(`${d}/libpre.so`);
    expect(ours.stdout).toBe(theirs.stdout);
  });
});

describe('colour, version, help', () => {
  it('--color forces ANSI colour, --no-color and NO_COLOR turn it off, FORCE_COLOR and a terminal turn it on', async () => {
    const r = root({ 'usr/bin/p': prog({ needed: ['libc.so.6'] }) });
    const esc = /\x1b\[/;
    expect((await runCli(['--root', r, '/usr/bin/p'])).stdout).not.toMatch(esc);
    expect((await runCli(['--root', r, '--color', '/usr/bin/p'])).stdout).toMatch(esc);
    expect((await runCli(['--root', r, '/usr/bin/p'], { isTTY: true })).stdout).toMatch(esc);
    expect((await runCli(['--root', r, '--no-color', '/usr/bin/p'], { isTTY: true })).stdout).not.toMatch(esc);
    expect((await runCli(['--root', r, '/usr/bin/p'], { isTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toMatch(esc);
    // FORCE_COLOR colours a pipe ("0" does not); NO_COLOR wins over it, the flags over both.
    expect((await runCli(['--root', r, '/usr/bin/p'], { env: { FORCE_COLOR: '1' } })).stdout).toMatch(esc);
    expect((await runCli(['--root', r, '/usr/bin/p'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout).not.toMatch(esc);
    expect((await runCli(['--root', r, '/usr/bin/p'], { isTTY: true, env: { FORCE_COLOR: '0' } })).stdout).not.toMatch(esc);
    expect((await runCli(['--root', r, '--no-color', '/usr/bin/p'], { env: { FORCE_COLOR: '1' } })).stdout).not.toMatch(esc);
  });

  it('--version and -V print the version; no arguments print the help with exit 2; --help exits 0', async () => {
    const { version } = JSON.parse(execaSync('cat', [join(import.meta.dirname, '../../package.json')]).stdout) as { version: string };
    for (const v of ['--version', '-V']) expect(await runCli([v])).toMatchObject({ code: 0, stdout: `loadgraph ${version}\n` });
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/^loadgraph .*\n\nusage:\n/);
    expect(await runCli(['--help'])).toMatchObject({ code: 0, stdout: none.stdout });
    for (const c of ['why', 'diff', 'check', 'inspect', 'graph']) expect((await runCli([c, '--help'])).stdout, c).toMatch(/^usage: loadgraph/);
  });
});
