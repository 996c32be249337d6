// glibc 2.36 elf/dl-version.c: once everything is mapped, every DT_VERNEED entry is matched against its
// provider's DT_VERDEF (_dl_check_all_versions, match_symbol with verbose set). A missing version stops the
// program; a weak one (VER_FLG_WEAK) and a provider without DT_VERDEF only warn. ldd prints each report
// before the list. Fixtures built with cc, every case compared with ldd on the same files.
import { execaSync } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { requires, setupProvides } from '../../support/prereq.js';
import { runCli } from '../../support/cli.js';
import * as C from '../../../src/elf/constants.js';
import { canBuildFixtures, canRun32, fixtureDir, graphOf, ldd, ldd32, lddOf, lddOf32, lib, patchDynamic, section, traceLdso } from '../../support/fixtures.js';

/** libx.so defining xyz@VER_1 only (v1), @VER_2 (v2), or unversioned (nov); programs linked against v2. */
function versionFixture(cflags: string[] = []) {
  const d = fixtureDir();
  writeFileSync(`${d}/v1.map`, 'VER_1 { global: xyz; local: *; };\n');
  writeFileSync(`${d}/v2.map`, 'VER_1 { global: xyz_old; local: *; };\nVER_2 { global: xyz; } VER_1;\n');
  lib(d, 'v1/libx.so', { source: 'int xyz(void) { return 1; }\n', args: [...cflags, `-Wl,--version-script=${d}/v1.map`] });
  lib(d, 'v2/libx.so', { source: 'int xyz(void) { return 2; }\nint xyz_old(void) { return 1; }\n', args: [...cflags, `-Wl,--version-script=${d}/v2.map`] });
  lib(d, 'nov/libx.so', { source: 'int xyz(void) { return 1; }\n', args: cflags });
  writeFileSync(`${d}/main.c`, 'int xyz(void);\nint main(void) { return xyz(); }\n');
  const program = (name: string, runDir: string) => {
    execaSync('cc', [...cflags, '-o', `${d}/${name}`, `${d}/main.c`, '-Wl,--no-as-needed', `-L${d}/v2`, '-lx', `-Wl,-rpath,${d}/${runDir}`]);
    return `${d}/${name}`;
  };
  return { d, program };
}

/** Rewrites the Elf_Vernaux of the program's need of `version`, found with readelf. */
function patchVernaux(file: string, version: string, patch: (bytes: Buffer, at: number) => void) {
  const out = execaSync('readelf', ['-V', '-W', file]).stdout;
  const section = out.slice(out.indexOf("Version needs section '.gnu.version_r'"));
  const base = Number(/Offset: (0x[0-9a-f]+)/.exec(section)![1]);
  const entry = Number(new RegExp(`(0x[0-9a-f]+):\\s+Name: ${version}\\s`).exec(section)![1]);
  const bytes = readFileSync(file);
  patch(bytes, base + entry);
  writeFileSync(file, bytes);
}

/** Sets VER_FLG_WEAK (vna_flags, at +4) on a need: the linker never sets it for a defined use. */
function markWeak(file: string, version: string) {
  patchVernaux(file, version, (b, at) => b.writeUInt16LE(b.readUInt16LE(at + 4) | 0x2, at + 4));
  expect(execaSync('readelf', ['-V', '-W', file]).stdout).toMatch(new RegExp(`Name: ${version}\\s+Flags: WEAK`));
}

/** Whether this linker writes DT_RELR (-z pack-relative-relocs, binutils 2.38 and later). */
const hasRelr = canBuildFixtures && (() => {
  try {
    const d = fixtureDir();
    writeFileSync(`${d}/t.c`, 'int main(void) { return 0; }\n');
    execaSync('cc', ['-o', `${d}/t`, `${d}/t.c`, '-Wl,-z,pack-relative-relocs', '-Wl,--fatal-warnings']);
    return true;
  } catch {
    console.log('DT_RELR without GLIBC_ABI_DT_RELR: SKIPPED — needs a linker with -z pack-relative-relocs (binutils 2.38 or later)');
    return false;
  }
})();

describe('symbol-versions-are-checked', () => {
  beforeEach((ctx) => requires(ctx, setupProvides('cc and ldd on x86-64', canBuildFixtures)));
  it('a version the provider does not define: ldd\'s report line first, fatal, exit 1 in every command', async () => {
    const { d, program } = versionFixture();
    const exe = program('exe_v2', 'v1');
    const g = graphOf(exe, d);
    expect(g.fatal).toEqual({ message: `${d}/v1/libx.so: version \`VER_2' not found (required by ${exe})`, object: 0, stage: 'versions' });
    expect(g.versionCheck?.map((p) => [p.kind, p.version, p.fatal])).toEqual([['not-found', 'VER_2', true]]);
    const theirs = await ldd(exe, d);
    expect(theirs.stdout).toMatch(/version `VER_2' not found/);
    expect(lddOf(exe, d)).toBe(theirs.stdout);
    // The same through the CLI, in every command.
    const tree = await runCli(['--no-code', exe]);
    expect(tree.code).toBe(1);
    expect(tree.stdout).toContain(`fatal: ${d}/v1/libx.so: version \`VER_2' not found (required by ${exe})`);
    expect(tree.stdout).toMatch(/loading would fail\n$/);
    const json = await runCli(['--format', 'json', exe]);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc.fatal.stage).toBe('versions');
    expect(doc.edgeUse).toBeUndefined(); // nothing is bound: ld.so exits before relocation
    const lddFmt = await runCli(['--format', 'ldd', exe]);
    expect(lddFmt.code).toBe(1);
    expect(lddFmt.stdout.split('\n')[0]).toBe(`${exe}: ${d}/v1/libx.so: version \`VER_2' not found (required by ${exe})`);
    const why = await runCli(['why', exe, 'libx.so']);
    expect(why.code).toBe(1);
    expect(why.stdout).toContain("fatal: ");
    const check = await runCli(['check', '--format', 'json', exe]);
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout).programs[0].findings.filter((f: { rule: string }) => f.rule === 'LG108').map((f: { message: string }) => f.message))
      .toEqual([`cannot start: ${d}/v1/libx.so: version \`VER_2' not found (required by ${exe})`]);
    const good = program('exe_ok', 'v2');
    const diff = await runCli(['diff', good, exe]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain(`${exe} cannot start: ${d}/v1/libx.so: version`);
    expect(diff.stdout).toContain('can no longer start');
    expect((await runCli(['--no-code', good])).code).toBe(0);
  });

  it('the provider defines it: no report', async () => {
    const { d, program } = versionFixture();
    const exe = program('exe_ok', 'v2');
    expect(graphOf(exe, d).versionCheck).toEqual([]);
    expect(lddOf(exe, d)).toBe((await ldd(exe, d)).stdout);
  });

  it('a weak version reference (VER_FLG_WEAK) only warns', async () => {
    const { d, program } = versionFixture();
    const exe = program('exe_weak', 'v1');
    markWeak(exe, 'VER_2');
    const g = graphOf(exe, d);
    expect(g.fatal).toBeNull();
    expect(g.versionCheck?.map((p) => [p.kind, p.fatal])).toEqual([['weak-not-found', false]]);
    const theirs = await ldd(exe, d);
    expect(theirs.stdout).toMatch(/weak version `VER_2' not found/);
    expect(lddOf(exe, d)).toBe(theirs.stdout);
    expect((await runCli(['--no-code', exe])).code).toBe(0);
  });

  it('DT_RELR without a GLIBC_ABI_DT_RELR need (its hash altered): the version report, then the fatal error in place of the list', async (ctx) => {
    requires(ctx, setupProvides('a linker that emits DT_RELR (binutils 2.38 or later)', hasRelr));
    const d = fixtureDir();
    writeFileSync(`${d}/r.c`, 'static int x;\nint *p = &x, *q = &x;\nint main(void) { return *p + *q; }\n');
    const exe = `${d}/relr`;
    execaSync('cc', ['-o', exe, `${d}/r.c`, '-Wl,-z,pack-relative-relocs']);
    expect(graphOf(exe, d).versionCheck).toEqual([]);
    patchVernaux(exe, 'GLIBC_ABI_DT_RELR', (b, at) => b.writeUInt32LE(b.readUInt32LE(at) ^ 1, at)); // vna_hash
    const g = graphOf(exe, d);
    expect(g.versionCheck?.map((p) => p.kind)).toEqual(['not-found', 'relr-without-abi-version']);
    const theirs = await ldd(exe, d);
    expect(theirs.stdout).toMatch(/DT_RELR without GLIBC_ABI_DT_RELR dependency\n$/);
    expect(lddOf(exe, d)).toBe(theirs.stdout);
  });

  it('DT_VERNEEDNUM, DT_VERDEFNUM and vn_cnt at 0: ld.so walks the lists by their next fields all the same', async () => {
    const { d, program } = versionFixture();
    const ok = program('exe_ok', 'v2');
    const missing = program('exe_v2', 'v1');
    patchDynamic(`${d}/v2/libx.so`, C.DT_VERDEFNUM, 0);
    patchDynamic(missing, C.DT_VERNEEDNUM, 0);
    // vn_cnt of the program's first Verneed entry (at +2 of .gnu.version_r), read with readelf's offsets.
    const bytes = readFileSync(missing);
    bytes.writeUInt16LE(0, section(missing, '.gnu.version_r').offset + 2);
    writeFileSync(missing, bytes);
    for (const exe of [ok, missing]) expect(lddOf(exe, d)).toBe((await ldd(exe, d)).stdout);
    expect(graphOf(ok, d).fatal).toBeNull();
    expect(graphOf(missing, d).fatal?.message).toBe(`${d}/v1/libx.so: version \`VER_2' not found (required by ${missing})`);
  });

  it('a provider with DT_STRSZ at 0, or none: ld.so reads its version names all the same (it never looks at DT_STRSZ)', async () => {
    for (const value of [0, 'drop'] as const) {
      const { d, program } = versionFixture();
      const ok = program('exe_ok', 'v2');
      patchDynamic(`${d}/v2/libx.so`, C.DT_STRSZ, value);
      expect(lddOf(ok, d)).toBe((await ldd(ok, d)).stdout);
      expect(graphOf(ok, d).fatal).toBeNull();
    }
  });

  it('a versioned library without DT_VERSYM: the version check reads it through a null pointer (SIGSEGV), ldd prints nothing', async () => {
    const { d, program } = versionFixture();
    const exe = program('exe_ok', 'v2');
    patchDynamic(`${d}/v2/libx.so`, C.DT_VERSYM, 'drop');
    const traced = await traceLdso(exe, d);
    expect([traced.signal, traced.stdout]).toEqual(['SIGSEGV', '']);
    expect(graphOf(exe, d).fatal).toEqual({ stage: 'abort', object: expect.any(Number), message: `${d}/v2/libx.so: version tables without DT_VERSYM: ld.so's version check reads the missing entry through a null pointer (the process would be killed by SIGSEGV)` });
    expect(lddOf(exe, d)).toBe((await ldd(exe, d)).stdout);
  });

  it("versions needed from a library nothing loads (its DT_NEEDED gone): find_needed's assertion stops ld.so", async () => {
    const { d, program } = versionFixture();
    const exe = program('exe_ok', 'v2');
    patchDynamic(exe, C.DT_NEEDED, 'drop');
    const traced = await traceLdso(exe, d);
    expect(traced.stderr).toMatch(/^Inconsistency detected by ld\.so: dl-version\.c: \d+: _dl_check_map_versions: Assertion `needed != NULL' failed!/);
    expect(graphOf(exe, d).fatal).toMatchObject({ stage: 'abort', object: 0, message: expect.stringMatching(/: needs versions of (libx\.so|libc\.so\.6), which nothing loads: ld\.so aborts/) });
    expect(lddOf(exe, d)).toBe((await ldd(exe, d)).stdout);
  });

  it("a provider whose DT_VERDEF is 0: ld.so stops on match_symbol's assertion, nothing more on ldd's stdout", async () => {
    const { d, program } = versionFixture();
    const exe = program('exe_v2', 'v2');
    patchDynamic(`${d}/v2/libx.so`, C.DT_VERDEF, 0);
    const traced = await traceLdso(exe, d);
    expect([traced.exitCode, traced.stdout]).toEqual([127, '']);
    expect(traced.stderr).toMatch(/^Inconsistency detected by ld\.so: dl-version\.c: \d+: match_symbol: Assertion `def_offset != 0' failed!/);
    const g = graphOf(exe, d);
    expect(g.fatal).toEqual({ stage: 'abort', object: 0, message: expect.stringMatching(new RegExp(`^${d}/v2/libx.so: its DT_VERDEF is 0: ld.so aborts on the assertion in match_symbol`)) });
    expect(lddOf(exe, d)).toBe((await ldd(exe, d)).stdout);
    const cli = await runCli(['--format', 'ldd', exe]);
    expect([cli.code, cli.stdout]).toEqual([1, '']);
    expect(cli.stderr).toContain("Assertion `def_offset != 0' failed!");
  });

  it('a provider without DT_VERDEF only warns ("no version information available")', async () => {
    const { d, program } = versionFixture();
    const exe = program('exe_nov', 'nov');
    const g = graphOf(exe, d);
    expect(g.fatal).toBeNull();
    expect(g.versionCheck?.map((p) => [p.kind, p.message])).toEqual([['no-version-information', `${d}/nov/libx.so: no version information available (required by ${exe})`]]);
    const theirs = await ldd(exe, d);
    expect(theirs.stdout).toMatch(/no version information available/);
    expect(lddOf(exe, d)).toBe(theirs.stdout);
  });
});

describe('symbol-versions-are-checked (i386 programs, the i386 ld.so as oracle)', () => {
  beforeEach((ctx) => requires(ctx, setupProvides('qemu-i386 running the i386 ld.so (gcc-multilib, qemu-user)', canRun32)));
  it.each([['v1', 'not-found', true], ['v2', null, false], ['nov', 'no-version-information', false]] as const)('provider %s', async (dir, kind, fatal) => {
    const { d, program } = versionFixture(['-m32']);
    const exe = program(`exe_${dir}`, dir);
    const g = graphOf(exe, d);
    expect(g.env.arch).toBe('i386');
    expect(g.versionCheck?.map((p) => p.kind)).toEqual(kind ? [kind] : []);
    expect(g.fatal?.stage === 'versions').toBe(fatal);
    expect(lddOf32(exe, d)).toBe(await ldd32(exe, d));
  });
});
