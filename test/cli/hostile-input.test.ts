// Truncated and refused files through every command: never a clean graph, always the diagnostic and the
// verdict of whoever decides (the kernel for a program, ld.so for a library).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { execaSync } from 'execa';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { requires, setupProvides } from '../support/prereq.js';
import * as C from '../../src/elf/constants.js';
import { describeObject } from '../../src/elf/facts.js';
import { bytesSource } from '../../src/elf/source.js';
import { runCli } from '../support/cli.js';
import { buildElf } from '../support/elf-writer.js';
import { canBuildFixtures, exe, fixtureDir, ldd, lib, runpath } from '../support/fixtures.js';
import { hasReadelf, readelf } from '../support/readelf.js';

const PROGRAM = ['/usr/bin/ls', '/usr/bin/env', '/bin/ls'].find(existsSync);
if (!PROGRAM) console.log('hostile input: truncated-program tests SKIPPED — no /usr/bin/ls or /usr/bin/env on this machine');
const readelfPresent = await hasReadelf();

describe('a truncated program (head -c 3000) is never a clean graph', () => {
  beforeEach((ctx) => requires(ctx, setupProvides('a program to truncate (/usr/bin/ls)', PROGRAM !== undefined)));
  const dir = mkdtempSync(join(tmpdir(), 'loadgraph-trunc-'));
  const t = join(dir, 't');
  writeFileSync(t, readFileSync(PROGRAM!).subarray(0, 3000));
  const other = join(dir, 'whole');
  copyFileSync(PROGRAM!, other);
  const verdict = /PT_DYNAMIC lies past the end of the file \(3000 bytes\): the process would be killed by SIGBUS/;

  it('tree: the fatal verdict, the diagnostics, exit 1', async () => {
    const r = await runCli([t]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(verdict);
    expect(r.stdout).toMatch(/warning: .*PT_LOAD .* runs past the end of the file/);
    expect(r.stdout).toContain('loading would fail');
  });

  it('json: fatal and warnings are set', async () => {
    const r = await runCli([t, '--format', 'json']);
    const g = JSON.parse(r.stdout);
    expect(r.code).toBe(1);
    expect(g.fatal.message).toMatch(verdict);
    expect(g.warnings.length).toBeGreaterThan(0);
    expect(g.objects[0].diagnostics).toContain('PT_DYNAMIC lies past the end of the file');
  });

  it("ldd: ld.so's error line, diagnostics on stderr", async () => {
    const r = await runCli([t, '--format', 'ldd']);
    expect(r.stdout).toMatch(/error while loading shared libraries: .*PT_DYNAMIC lies past the end/);
    expect(r.stderr).toMatch(/warning: /);
    expect(r.code).toBe(1);
  });

  it('why: the verdict in text and JSON', async () => {
    const text = await runCli(['why', t, 'libc.so.6']);
    expect(text.stderr).toMatch(verdict);
    expect(text.stdout).toContain('loading stops first');
    const json = JSON.parse((await runCli(['why', t, 'libc.so.6', '--format', 'json'])).stdout);
    expect(json.fatal.message).toMatch(verdict);
    expect(json.warnings.length).toBeGreaterThan(0);
  });

  it('check: LG013, and no hardening grade for what could not be read', async () => {
    const r = await runCli(['check', t, '--format', 'json']);
    const p = JSON.parse(r.stdout).programs[0];
    expect(p.objects).toEqual([]);
    expect(p.findings.map((f: { rule: string }) => f.rule)).toEqual(['LG013', 'LG013', 'LG108']); // what could not be read, and ld.so's verdict: it cannot start
    expect(p.findings.some((f: { rule: string }) => f.rule === 'LG001' || f.rule === 'LG002')).toBe(false);
    expect(r.code).toBe(1);
  });

  it('diff: each side says what it could not read', async () => {
    const r = await runCli(['diff', t, other, '--format', 'json']);
    const d = JSON.parse(r.stdout);
    expect(d.warnings.a.join('\n')).toMatch(verdict);
    expect(d.warnings.b).toEqual([]);
    const human = await runCli(['diff', t, other]);
    expect(human.stderr).toMatch(/A: fatal: .*PT_DYNAMIC lies past the end/);
  });

  it('inspect: the diagnostic', async () => {
    const r = await runCli(['inspect', t]);
    expect(r.stdout).toContain('PT_DYNAMIC lies past the end of the file');
  });
});

describe('a program the kernel refuses is refused for the kernel\'s reason', () => {
  it('an invalid ELF class names the kernel as the judge', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loadgraph-class-'));
    const p = join(dir, 'p');
    const b = new Uint8Array(64);
    b.set([0x7f, 0x45, 0x4c, 0x46, 176, 1, 1]);
    writeFileSync(p, b);
    const r = await runCli([p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid ELF class 176 .*as a program, the kernel would refuse to execute it \(execve: Exec format error\)/);
  });
});

describe('PT_LOAD p_offset and p_vaddr not congruent modulo the page size', () => {
  beforeEach((ctx) => requires(ctx, setupProvides('cc and ldd on x86-64', canBuildFixtures)));
  /** Moves the p_offset of the writable PT_LOAD (the one holding PT_DYNAMIC) by 8 bytes. */
  function misalign(path: string): void {
    const b = new Uint8Array(readFileSync(path));
    const v = new DataView(b.buffer);
    const phoff = Number(v.getBigUint64(32, true));
    for (let i = 0; i < v.getUint16(56, true); i++) {
      const at = phoff + i * 56;
      if (v.getUint32(at, true) === C.PT_LOAD && (v.getUint32(at + 4, true) & C.PF_W)) v.setBigUint64(at + 8, v.getBigUint64(at + 8, true) + 8n, true);
    }
    writeFileSync(path, b);
  }

  it("a library: ld.so's own error, as real ldd prints it", async () => {
    const dir = fixtureDir();
    const so = lib(dir, 'lib/libmis.so');
    misalign(so);
    const prog = exe(dir, 'prog', ['-L', join(dir, 'lib'), '-lmis', ...runpath(join(dir, 'lib'))]);
    const real = await ldd(prog, dir);
    const theirs = /error while loading shared libraries: .*?: (.*)$/m.exec(real.stdout)?.[1];
    expect(theirs).toBe('ELF load command address/offset not page-aligned');
    const ours = await runCli([prog, '--format', 'ldd']);
    // The whole line: ld.so names the library as it was asked for (libmis.so), not by the path it found.
    expect(ours.stdout).toBe(real.stdout);
    expect(ours.code).toBe(1);
  });

  it("a need that turns out to be a position-independent executable: ld.so's own error, the whole line as real ldd prints it", async () => {
    const dir = fixtureDir();
    lib(dir, 'lib/libpie.so', { source: 'int pie(void) { return 1; }\n' });
    const prog = exe(dir, 'prog', ['-L', join(dir, 'lib'), '-lpie', ...runpath(join(dir, 'lib'))]);
    // The library replaced by a PIE of the same name (DF_1_PIE): _dl_map_object_from_fd refuses it.
    writeFileSync(join(dir, 'pie.c'), 'int pie(void) { return 1; }\nint main(void) { return 0; }\n');
    execaSync('cc', ['-fPIE', '-pie', '-o', join(dir, 'lib/libpie.so'), join(dir, 'pie.c')]);
    const real = await ldd(prog, dir);
    expect(real.stdout).toBe(`${prog}: error while loading shared libraries: libpie.so: cannot dynamically load position-independent executable\n`);
    expect((await runCli([prog, '--format', 'ldd'])).stdout).toBe(real.stdout);
  });

  it('inspect reads the dynamic section readelf reads, and says the loader refuses the mapping', async (ctx) => {
    requires(ctx, setupProvides('readelf (binutils)', readelfPresent));
    const dir = fixtureDir();
    const so = lib(dir, 'libmis2.so', { args: ['-lm'] });
    misalign(so);
    const r = describeObject(bytesSource(new Uint8Array(readFileSync(so))), so);
    if (!r.ok) throw new Error(r.error.message);
    const re = await readelf(so);
    expect(r.facts.needed).toEqual(re.needed);
    expect(r.facts.needed).toContain('libm.so.6');
    expect(r.facts.diagnostics.map((d) => d.message).join('\n')).toContain('not page-aligned');
  });

  it('a program: the kernel cannot map it (execve fails)', async () => {
    const dir = fixtureDir();
    const prog = exe(dir, 'prog');
    misalign(prog);
    const r = await runCli([prog]);
    expect(r.stdout).toMatch(/fatal: .*execve would fail \(EINVAL\)/);
    expect(r.code).toBe(1);
  });
});

describe('FIFOs, sockets and devices in a search path', () => {
  beforeEach((ctx) => requires(ctx, setupProvides('cc and ldd on x86-64', canBuildFixtures)));
  /** A program needing libspecial.so with RUNPATH dirA:dirB; dirB has the real library, dirA gets `make`. */
  function layout() {
    const dir = fixtureDir();
    lib(dir, 'dirB/libspecial.so');
    const prog = exe(dir, 'prog', ['-L', join(dir, 'dirB'), '-lspecial', ...runpath(join(dir, 'dirA'), join(dir, 'dirB'))]);
    mkdirSync(join(dir, 'dirA'));
    return { dir, prog, special: join(dir, 'dirA', 'libspecial.so') };
  }

  it('a socket: open() fails with ENXIO and ld.so abandons that list, as real ldd shows', async () => {
    const l = layout();
    const server = createServer();
    await new Promise<void>((ok) => server.listen(l.special, ok));
    try {
      const real = await ldd(l.prog, l.dir);
      expect(real.stdout).toContain('libspecial.so => not found');
      const ours = await runCli([l.prog, '--format', 'ldd']);
      expect(ours.stdout).toBe(real.stdout);
      const g = JSON.parse((await runCli([l.prog, '--format', 'json'])).stdout);
      const e = g.edges.find((x: { name: string }) => x.name === 'libspecial.so');
      expect(e.trace.find((c: { path: string }) => c.path === l.special)).toMatchObject({ outcome: 'abandons-list', detail: expect.stringContaining('a socket') });
    } finally {
      server.close();
    }
  });

  it('a FIFO is never opened: the verdict says ld.so would block on it, and every command returns', async () => {
    const l = layout();
    execaSync('mkfifo', [l.special]);
    const r = await runCli([l.prog]);
    expect(r.stdout).toMatch(/fatal: .*libspecial\.so: is a FIFO: ld.so would block in open\(\)/);
    expect(r.code).toBe(1);
    const check = await runCli(['check', l.prog, '--format', 'json']);
    expect(check.stdout).toContain('is a FIFO');
    const main = await runCli([l.special]);
    expect(main.stderr).toMatch(/is a FIFO, not a regular file: the kernel refuses to execute it/);
    expect(main.code).toBe(2);
    const inspect = await runCli(['inspect', l.special]);
    expect(inspect.stderr).toMatch(/is a FIFO, not a regular file \(not opened\)/);
  });

  it('a character device: fatal for ld.so as for loadgraph, which does not read it', async () => {
    const l = layout();
    symlinkSync('/dev/null', l.special);
    const real = await ldd(l.prog, l.dir);
    expect(real.stdout).toMatch(/error while loading shared libraries: .*libspecial\.so: file too short/);
    const ours = await runCli([l.prog, '--format', 'ldd']);
    expect(ours.stdout).toMatch(/error while loading shared libraries: .*libspecial\.so: is a character device: ld.so would open it and read it/);
  });
});

describe('verdicts the kernel and ld.so give on written programs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loadgraph-verdict-'));
  const write = (name: string, bytes: Uint8Array) => { const p = join(dir, name); writeFileSync(p, bytes); return p; };
  const prog = () => buildElf({ type: C.ET_EXEC, interp: '/lib64/ld-linux-x86-64.so.2', needed: ['libc.so.6'] });

  it('PT_DYNAMIC outside every PT_LOAD: read at p_offset for the facts, fatal for the load (ld.so faults reading it)', async () => {
    const b = prog();
    const v = new DataView(b.buffer);
    const phoff = Number(v.getBigUint64(32, true));
    for (let i = 0; i < v.getUint16(56, true); i++) if (v.getUint32(phoff + i * 56, true) === C.PT_DYNAMIC) v.setBigUint64(phoff + i * 56 + 16, 0x6000000000001000n, true);
    const p = write('dyn-outside', b);
    const r = await runCli([p]);
    expect(r.stdout).toContain('fatal: ');
    expect(r.stdout).toContain('PT_DYNAMIC (p_vaddr 0x6000000000001000) is not inside the file part of any PT_LOAD');
    expect(r.code).toBe(1);
    const inspect = await runCli(['inspect', p]);
    expect(inspect.stdout).toMatch(/needed\s+libc\.so\.6/);
  });

  it('no program headers: the kernel refuses the program', async () => {
    const b = prog();
    new DataView(b.buffer).setUint16(56, 0, true);
    const r = await runCli([write('no-phdrs', b)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/0 program headers; the kernel refuses a program without any/);
  });
});
