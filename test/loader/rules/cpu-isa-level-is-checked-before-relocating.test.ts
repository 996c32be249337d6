// glibc 2.36 sysdeps/x86/dl-prop.h: an x86 object's GNU_PROPERTY_X86_ISA_1_NEEDED bits, read from its
// word-aligned PT_NOTE (_dl_process_property_note), are checked against the CPU's ISA levels
// (dl_isa_level_check) after ldd's list is printed and before relocation: "CPU ISA level is lower than
// required", and the program does not start; a dlopen() of such an object fails. Checked against the
// machine's own ld.so on a CPU qemu-x86_64 emulates without x86-64-v2 ("qemu64"), and on this CPU.
import { execa, execaSync } from 'execa';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as C from '../../../src/elf/constants.js';
import { decodeElf } from '../../../src/elf/decode.js';
import { x86IsaNeeded } from '../../../src/elf/notes.js';
import { bytesSource } from '../../../src/elf/source.js';
import { confinedFs } from '../../../src/host/confined-fs.js';
import { withFileSource } from '../../../src/host/file-source.js';
import { buildLoadGraph } from '../../../src/loader/load.js';
import { renderLdd } from '../../../src/report/ldd.js';
import { buildElf, type NoteSpec } from '../../support/elf-writer.js';
import { exe, fixtureDir, lib, loadOf, rpath } from '../../support/fixtures.js';
import { runCli } from '../../support/cli.js';
import { copySysroot, ownCopy, sysroot } from '../../support/corpus.js';
import { FIXTURES, LDD, READELF, qemuUser, requires, sysrootOf } from '../../support/prereq.js';

const QEMU = qemuUser('qemu-x86_64');

/** An NT_GNU_PROPERTY_TYPE_0 descriptor of [type, 4-byte value] pairs, padded to 8 as in a 64-bit object. */
const properties = (entries: ReadonlyArray<readonly [number, number]>): Uint8Array => {
  const b = new Uint8Array(entries.length * 16);
  const v = new DataView(b.buffer);
  entries.forEach(([t, d], i) => { v.setUint32(i * 16, t, true); v.setUint32(i * 16 + 4, 4, true); v.setUint32(i * 16 + 8, d, true); });
  return b;
};
const property = (entries: ReadonlyArray<readonly [number, number]>): NoteSpec => ({ owner: 'GNU', type: C.NT_GNU_PROPERTY_TYPE_0, desc: properties(entries) });
const isaOf = (notes: NoteSpec[], noteAlign: 4 | 8 = 8) => {
  const bytes = buildElf({ noteAlign, notes });
  const d = decodeElf(bytesSource(bytes));
  if (!d.ok) throw new Error(d.error.message);
  return x86IsaNeeded(bytesSource(bytes), d.image);
};
const V3 = C.GNU_PROPERTY_X86_ISA_1_BASELINE | C.GNU_PROPERTY_X86_ISA_1_V3;

describe('the ISA levels an object needs, as _dl_process_property_note reads them', () => {
  it('one property note in a word-aligned PT_NOTE: its ISA_1_NEEDED bits, after other properties in ascending order', () => {
    expect(isaOf([property([[C.GNU_PROPERTY_X86_FEATURE_1_AND, 3], [C.GNU_PROPERTY_X86_ISA_1_NEEDED, V3]])])).toBe(V3);
    expect(isaOf([{ owner: 'GNU', type: C.NT_GNU_BUILD_ID, desc: new Uint8Array(20) }, property([[C.GNU_PROPERTY_X86_ISA_1_NEEDED, V3]])])).toBe(V3);
  });

  it('what ld.so passes by: a PT_NOTE not aligned to the word size, a second property note, types out of order, a value not 4 bytes long', () => {
    expect(isaOf([property([[C.GNU_PROPERTY_X86_ISA_1_NEEDED, V3]])], 4)).toBe(0);
    expect(isaOf([property([[C.GNU_PROPERTY_X86_ISA_1_NEEDED, V3]]), property([[C.GNU_PROPERTY_X86_ISA_1_NEEDED, V3]])])).toBe(0);
    expect(isaOf([property([[C.GNU_PROPERTY_X86_ISA_1_NEEDED, V3], [C.GNU_PROPERTY_X86_FEATURE_1_AND, 3]])])).toBe(V3);
    expect(isaOf([property([[C.GNU_PROPERTY_X86_FEATURE_1_AND, 3], [C.GNU_PROPERTY_1_NEEDED, 1], [C.GNU_PROPERTY_X86_ISA_1_NEEDED, V3]])])).toBe(0);
    const wide = new Uint8Array(16);
    new DataView(wide.buffer).setUint32(0, C.GNU_PROPERTY_X86_FEATURE_1_AND, true);
    new DataView(wide.buffer).setUint32(4, 8, true);
    expect(isaOf([{ owner: 'GNU', type: C.NT_GNU_PROPERTY_TYPE_0, desc: new Uint8Array([...wide, ...properties([[C.GNU_PROPERTY_X86_ISA_1_NEEDED, V3]])]) }])).toBe(0);
  });

  it('equals readelf for the x86-64 libraries of this machine', (ctx) => {
    requires(ctx, READELF, LDD);
    const dir = '/usr/lib/x86_64-linux-gnu';
    const files = readdirSync(dir).filter((f) => /\.so\.\d+$/.test(f)).slice(0, 150).map((f) => `${dir}/${f}`);
    const names = ['x86-64-baseline', 'x86-64-v2', 'x86-64-v3', 'x86-64-v4'];
    let marked = 0;
    for (const f of files) {
      const ours = withFileSource(f, (src) => {
        const d = decodeElf(src);
        return d.ok ? x86IsaNeeded(src, d.image) : null;
      });
      if (ours === null) continue;
      const line = /x86 ISA needed: (.*)/.exec(execaSync('readelf', ['-n', '-W', f], { reject: false }).stdout)?.[1] ?? '';
      const theirs = names.reduce((bits, n, i) => (line.split(', ').includes(n) ? bits | (1 << i) : bits), 0);
      expect(ours, f).toBe(theirs);
      if (ours) marked++;
    }
    expect(marked).toBeGreaterThan(0);
  });
});

describe('the CPU\'s ISA levels are checked before relocating', () => {
  it('a library marked x86-64-v4 on a CPU without x86-64-v2: ldd lists it; the start stops, as ld.so says', async (ctx) => {
    requires(ctx, FIXTURES, QEMU);
    const d = fixtureDir();
    lib(d, 'libv4.so', { source: 'int v4(void) { return 1; }\n', args: ['-Wl,-z,x86-64-v4'] });
    const main = exe(d, 'main', [`-L${d}`, '-l:libv4.so', ...rpath(d)], 'int v4(void);\nint main(void) { return v4() - 1; }\n');
    const onQemu64 = (...args: string[]) => execa('qemu-x86_64', ['-cpu', 'qemu64', '/lib64/ld-linux-x86-64.so.2', ...args], { cwd: d, reject: false, extendEnv: false, env: { PATH: '/usr/bin:/bin' } });
    const start = await onQemu64(main);
    expect(start.exitCode).toBe(127);
    const list = await onQemu64('--list', main);
    expect(list.exitCode).toBe(0);
    // qemu64 as the CPU: no glibc-hwcaps level, so --hwcaps '' describes it.
    const g = loadOf(main, d, { hwcaps: [] }).graph;
    expect(g.fatal).toMatchObject({ stage: 'cpu', message: expect.stringMatching(/^\S+libv4\.so: CPU ISA level is lower than required \(it needs x86-64-v4; the CPU --hwcaps describes has x86-64-baseline\)$/) });
    expect(start.stderr).toContain(`${d}/libv4.so: CPU ISA level is lower than required`);
    expect(renderLdd(g)).toBe(list.stdout.split('\n').filter((l) => l.startsWith('\t')).map((l) => l.replace(/ \(0x[0-9a-f]+\)$/, '') + '\n').join('').replace(/^/, '\tlinux-vdso.so.1\n'));
    // This CPU, as the program itself runs on it.
    const here = await execa(main, [], { cwd: d, reject: false });
    expect(loadOf(main, d).graph.fatal === null).toBe(here.exitCode === 0);
  });

  it('a dlopen() of a library marked x86-64-v4 fails on a CPU without it, with dlerror()\'s words (a dlopen note, checked by that dlopen)', async (ctx) => {
    requires(ctx, FIXTURES, QEMU);
    const d = fixtureDir();
    lib(d, 'libv4.so.1', { source: 'int v4(void) { return 1; }\n', args: ['-Wl,-z,x86-64-v4'] });
    // The note's layout: namesz, descsz, type NT_FDO_DLOPEN_METADATA, "FDO\0", the JSON padded to 4 bytes.
    const json = '[{"soname":["libv4.so.1"],"feature":"v4","description":"needs x86-64-v4","priority":"required"}]';
    exe(d, 'main', ['-ldl', ...rpath(d)], `#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#define JSON ${JSON.stringify(json)}
#define PAD ((sizeof(JSON) + 3) & ~3)
__attribute__((used, section(".note.dlopen"), aligned(4))) static const struct {
  uint32_t namesz, descsz, type; char name[4]; char desc[PAD];
} note = { 4, PAD, 0x407c0c0a, "FDO", JSON };
int main(void) { void *h = dlopen("libv4.so.1", RTLD_NOW); puts(h ? "loaded" : dlerror()); return 0; }
`);
    const real = await execa('qemu-x86_64', ['-cpu', 'qemu64', '/lib64/ld-linux-x86-64.so.2', `${d}/main`], { cwd: d, reject: false, extendEnv: false, env: {} });
    const e = loadOf(`${d}/main`, d, { hwcaps: [] }).graph.runtime!.edges.find((x) => x.kind === 'dlopen')!;
    expect(e.to).toBeNull();
    expect(e.error).toBe(`${real.stdout.trim()} (it needs x86-64-v4; the CPU --hwcaps describes has x86-64-baseline)`);
    expect(real.stdout).toContain('CPU ISA level is lower than required');
  });

  it('inside a root the CPU is not known: a level above the baseline is a warning, and --hwcaps decides', (ctx) => {
    requires(ctx, FIXTURES, sysrootOf('amd64'));
    const d = copySysroot(sysroot('amd64'), fixtureDir());
    lib(d, 'opt/isa/libv3.so', { source: 'int v3(void) { return 1; }\n', args: ['-Wl,-z,x86-64-v3'] });
    exe(d, 'opt/isa/main', [`-L${d}/opt/isa`, '-l:libv3.so', '-Wl,-rpath,/opt/isa'], 'int v3(void);\nint main(void) { return v3() - 1; }\n');
    const inRoot = (hwcaps?: string[]) => {
      const r = buildLoadGraph(confinedFs(d), '/opt/isa/main', { root: d, ...(hwcaps ? { hwcaps } : {}) });
      if (!r.ok) throw new Error(r.message);
      return r.graph;
    };
    const unknown = inRoot();
    expect(unknown.fatal).toBeNull();
    expect(unknown.warnings).toContainEqual(expect.stringMatching(/^\/opt\/isa\/libv3\.so: needs x86-64-v3 \(GNU_PROPERTY_X86_ISA_1_NEEDED\); the CPU it runs on is not known/));
    expect(inRoot(['x86-64-v2']).fatal).toMatchObject({ stage: 'cpu' });
    expect(inRoot(['x86-64-v3', 'x86-64-v2']).fatal).toBeNull();
  });

  it('a distribution build whose libc needs x86-64-v3: the diff of two roots says so with its reach, and no program starts on an x86-64-v2 CPU', async (ctx) => {
    requires(ctx, sysrootOf('amd64'));
    const a = sysroot('amd64');
    const b = copySysroot(a, fixtureDir());
    // Debian's libc carries GNU_PROPERTY_X86_ISA_1_NEEDED = baseline (1); make it baseline and v3 (5).
    const libc = ownCopy(`${b}/lib/x86_64-linux-gnu/libc.so.6`);
    const bytes = readFileSync(libc);
    const at = withFileSource(libc, (src) => {
      const d = decodeElf(src);
      if (!d.ok) throw new Error(d.error.message);
      const seg = d.image.segments.find((s) => s.type === C.PT_NOTE && s.align === 8)!;
      return seg.offset + 16 + 8; // the note header, "GNU\0", then the property's type and size
    });
    expect(bytes.readUInt32LE(at - 8)).toBe(C.GNU_PROPERTY_X86_ISA_1_NEEDED);
    bytes.writeUInt32LE(V3, at);
    writeFileSync(libc, bytes);
    const d = await runCli(['diff', '--no-cache', '--root-a', a, '--root-b', b]);
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(/worse in B\n  libc\.so\.6: x86 ISA levels needed baseline → x86-64-v3 \(\d+ programs load it\)/);
    const one = await runCli(['diff', '--root-a', a, '--root-b', b, '/usr/sbin/sshd']);
    expect(one.stdout).toContain('libc.so.6: x86 ISA levels needed baseline → x86-64-v3');
    const scan = await runCli(['scan', '--no-cache', '--quiet', '--no-code', '--format', 'json', '--root', b, '--hwcaps', 'x86-64-v2']);
    const programs = JSON.parse(scan.stdout).programs as Array<{ status: string; message?: string }>;
    expect(programs.length).toBeGreaterThan(100);
    expect(programs.filter((p) => p.status !== 'fatal' || !/libc\.so\.6: CPU ISA level is lower than required/.test(p.message ?? ''))).toEqual([]);
    // check: a portability warning wherever the CPU is not known; with one that lacks the level, cannot start.
    expect((await runCli(['check', '--root', b, '/usr/sbin/sshd'])).stdout).toContain('warning LG014 libc.so.6: needs x86-64-v3: a CPU without it cannot start a program that loads it');
    expect((await runCli(['check', '--root', b, '--hwcaps', 'x86-64-v2', '/usr/sbin/sshd'])).stdout).toMatch(/error LG108 libc\.so\.6: cannot start: \S+libc\.so\.6: CPU ISA level is lower than required/);
  });
});
