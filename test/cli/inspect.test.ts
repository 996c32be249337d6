import { mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { execaSync } from 'execa';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { buildElf } from '../support/elf-writer.js';
import { runCli } from '../support/cli.js';
import { sysroot } from '../support/corpus.js';
import { requires, sysrootOf } from '../support/prereq.js';

const dir = mkdtempSync(join(tmpdir(), 'loadgraph-cli-'));
const lib = join(dir, 'libt.so.1');
writeFileSync(lib, buildElf({ needed: ['libc.so.6'], soname: 'libt.so.1', runpath: '$ORIGIN/../lib', symbols: [{ name: 'memcpy', type: C.STT_GNU_IFUNC }] }));
const script = join(dir, 'libc.so');
writeFileSync(script, '/* GNU ld script */\nGROUP ( /lib/x86_64-linux-gnu/libc.so.6 )\n');
const truncated = join(dir, 'trunc.so');
writeFileSync(truncated, buildElf().subarray(0, 70));
const loop = join(dir, 'loop.so');
symlinkSync(loop, loop);
const fifo = join(dir, 'fifo');
execaSync('mkfifo', [fifo]);

describe('loadgraph inspect', () => {
  it('prints the facts of a file', async () => {
    const r = await runCli(['inspect', lib]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(lib);
    expect(r.stdout).toMatch(/needed\s+libc\.so\.6/);
    expect(r.stdout).toMatch(/runpath\s+\$ORIGIN\/\.\.\/lib/);
    expect(r.stdout).toMatch(/1 IFUNC \(memcpy\)/);
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('writes one JSON object per file (NDJSON) with the documented fields', async () => {
    const r = await runCli(['inspect', '--format', 'json', lib, lib]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    for (const key of ['path', 'class', 'endian', 'machine', 'type', 'osabi', 'interp', 'needed', 'soname', 'rpath', 'runpath', 'flags', 'flags1',
      'bindNow', 'textrel', 'init', 'fini', 'initArray', 'preinitArray', 'finiArray', 'dynsymCount', 'ifuncSymbols', 'relocationCounts', 'notes']) {
      expect(lines[0]).toHaveProperty(key);
    }
    expect(lines[0]).toMatchObject({ class: 64, endian: 'little', machine: { number: 62, name: 'EM_X86_64' }, needed: ['libc.so.6'], ifuncSymbols: ['memcpy'] });
    expect(lines[0].notes).toHaveProperty('buildId');
    expect(lines[0].notes).toHaveProperty('gnuProperty');
    expect(lines[0].notes).toHaveProperty('dlopen');
    expect(lines[0].notes).toHaveProperty('package');
  });

  it.each([
    ['a linker script', script, /not an ELF file/],
    ['a truncated ELF file', truncated, /program headers .* run past the end of the file/],
    ['a missing file', join(dir, 'nope.so'), /no such file or directory/],
    ['a symlink loop', loop, /too many levels of symbolic links/],
    ['a directory', dir, /is a directory/],
    ['a FIFO (it must not block)', fifo, /is a FIFO, not a regular file \(not opened\)/],
  ])('gives one line naming the file and exit 2 for %s', async (_what, path, message) => {
    const r = await runCli(['inspect', path]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toContain(path);
    expect(r.stderr).toMatch(message);
  });

  it('reports an error as JSON too, and still prints the good files', async () => {
    const r = await runCli(['inspect', '-f', 'json', script, lib]);
    expect(r.code).toBe(2);
    const [bad, good] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(bad).toEqual({ path: script, error: { code: 'ELF_BAD_MAGIC', message: expect.any(String), offset: 0, structure: 'e_ident[EI_MAG]' } });
    expect(good.path).toBe(lib);
  });

  it('rejects bad usage with exit 2', async () => {
    expect((await runCli(['inspect'])).code).toBe(2);
    expect(await runCli(['inspect', '--format', 'xml', lib])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown format/) });
    expect(await runCli(['inspect', '--bogus', lib])).toMatchObject({ code: 2, stderr: expect.stringMatching(/bogus/) });
    expect(await runCli(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/frobnicate: no such file or directory/) });
    expect((await runCli(['inspect', '--help'])).code).toBe(0);
    expect((await runCli(['--help'])).stdout).toMatch(/inspect/);
  });

  it('colours only on a terminal, and never with NO_COLOR or --no-color', async () => {
    expect((await runCli(['inspect', lib], { isTTY: true, env: { FORCE_COLOR: '1' } })).stdout).toMatch(/\x1b\[1m/);
    expect((await runCli(['inspect', lib], { isTTY: true, env: { NO_COLOR: '1', FORCE_COLOR: '1' } })).stdout).not.toMatch(/\x1b\[/);
    expect((await runCli(['inspect', '--no-color', lib], { isTTY: true })).stdout).not.toMatch(/\x1b\[/);
  });
});

describe('inspect --root', () => {
  it('reads FILE inside the root, its links resolved there (an absolute link never leads out); a missing one is one line, exit 2', async (ctx) => {
    requires(ctx, sysrootOf('amd64'));
    const root = sysroot('amd64');
    // /lib64/ld-linux-x86-64.so.2 is an absolute link in the sysroot: inside it, it is the sysroot's ld.so.
    const r = await runCli(['inspect', '--root', root, '--format', 'json', '/lib64/ld-linux-x86-64.so.2']);
    expect(r.code).toBe(0);
    const inRoot = JSON.parse(r.stdout);
    const direct = JSON.parse((await runCli(['inspect', '--format', 'json', realpathSync(join(root, 'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'))])).stdout);
    expect(inRoot.soname).toBe('ld-linux-x86-64.so.2');
    expect({ ...inRoot, path: null }).toEqual({ ...direct, path: null });
    const missing = await runCli(['inspect', '--root', root, '/usr/bin/nothing-here']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/nothing-here in .*: no such file or directory/);
  });
});
