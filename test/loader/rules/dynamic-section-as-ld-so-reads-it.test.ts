// glibc 2.36 elf/get-dynamic-info.h elf_get_dynamic_info, run for the program and for each object as it is
// mapped: DT_PLTREL must name a relocation table type the port handles (only DT_RELA on x86-64; DT_REL or
// DT_RELA on i386), and each of DT_RELA, DT_REL (where handled) and DT_RELR must come with its entry-size
// tag holding the size of one entry. A wrong value is an assertion (ld.so aborts in every mode); a missing
// size tag is read through a null pointer. Relocating (dynamic-link.h ELF_DYNAMIC_RELOCATE), ld.so reads
// each table's size the same way (DT_RELASZ, and DT_JMPREL and DT_PLTRELSZ for DT_PLTREL): missing, the
// process faults at start, though ldd (which does not relocate) lists it. Fixtures built with cc, their
// dynamic entries rewritten, every case compared with the real loader (i386 under qemu-i386; POWER64 and
// MIPS with a Debian root's own ld.so under qemu-user).
import { execa, execaSync } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as C from '../../../src/elf/constants.js';
import { runCli } from '../../support/cli.js';
import { canRun32, fixtureDir, ldd, lddOf, lib, loadOf, patchDynamic, traceLdso } from '../../support/fixtures.js';
import { copySysroot, ownCopy, sysroot } from '../../support/corpus.js';
import { FIXTURES, READELF, qemuUser, requires, setupProvides, sysrootOf } from '../../support/prereq.js';

/** libx.so (with a PLT: abc calls xyz) and a program that needs it, built with extra cc flags. */
function fixture(cflags: string[] = []) {
  const d = fixtureDir();
  const so = lib(d, 'lib/libx.so', { source: 'int xyz(void) { return 1; }\nint abc(void) { return xyz() + 1; }\n', args: cflags });
  writeFileSync(`${d}/main.c`, 'int xyz(void);\nint main(void) { return xyz(); }\n');
  execaSync('cc', [...cflags, '-o', `${d}/main`, `${d}/main.c`, `-L${d}/lib`, '-lx', `-Wl,-rpath,${d}/lib`]);
  return { d, so, main: `${d}/main` };
}

/** ld.so in trace mode, as ldd runs it (relocating too with `relocate`, as ldd -d): its exit, signal and stderr. */
async function traced(main: string, d: string, i386 = false, relocate = false) {
  const r = i386
    ? await execa('qemu-i386', ['-E', 'LD_TRACE_LOADED_OBJECTS=1', '/lib/ld-linux.so.2', main], { cwd: d, reject: false, extendEnv: false, env: { PATH: '/usr/bin:/bin' } })
    : await traceLdso(main, d, relocate ? { LD_WARN: 'yes' } : {});
  return { code: r.exitCode, signal: r.signal ?? null, stderr: r.stderr, stdout: r.stdout };
}

const ASSERTION = /^Inconsistency detected by ld\.so: get-dynamic-info\.h: \d+: elf_get_dynamic_info: Assertion `(.*)' failed!/;

describe('dynamic-section-as-ld-so-reads-it', () => {
  it('x86-64: a wrong DT_RELAENT, or DT_PLTREL naming DT_REL, stops ld.so at the assertion; nothing on ldd\'s stdout', async (ctx) => {
    requires(ctx, FIXTURES);
    for (const [tag, value, expected] of [[C.DT_RELAENT, 25, /DT_RELAENT is 25, not the 24 bytes of one entry/], [C.DT_PLTREL, C.DT_REL, /DT_PLTREL is 17, not DT_RELA \(7\)/]] as const) {
      const { d, so, main } = fixture();
      patchDynamic(so, tag, value);
      const theirs = await traced(main, d);
      expect([theirs.code, theirs.stdout]).toEqual([127, '']);
      expect(theirs.stderr).toMatch(ASSERTION);
      const g = loadOf(main, d).graph;
      expect(g.fatal).toMatchObject({ stage: 'abort', object: 0 });
      expect(g.fatal!.message).toMatch(new RegExp(`^${so}: ${expected.source}: ld.so aborts on the assertion in elf_get_dynamic_info`));
      expect(lddOf(main, d)).toBe((await ldd(main, d)).stdout);
      const cli = await runCli(['--format', 'ldd', main]);
      expect([cli.code, cli.stdout]).toEqual([1, '']);
    }
  });

  it('x86-64: DT_RELA without DT_RELAENT: ld.so is killed by SIGSEGV reading it; the program\'s own table counts too', async (ctx) => {
    requires(ctx, FIXTURES);
    const { d, so, main } = fixture();
    patchDynamic(so, C.DT_RELAENT, 'drop');
    expect((await traced(main, d)).signal).toBe('SIGSEGV');
    expect(loadOf(main, d).graph.fatal!.message).toBe(`${so}: DT_RELA without DT_RELAENT: ld.so reads the missing entry through a null pointer (the process would be killed by SIGSEGV)`);

    // The program's dynamic section is read before anything is mapped.
    const other = fixture();
    patchDynamic(other.main, C.DT_RELAENT, 12);
    expect((await traced(other.main, other.d)).stderr).toMatch(ASSERTION);
    const g = loadOf(other.main, other.d).graph;
    expect(g.fatal).toMatchObject({ stage: 'abort', object: 0, message: expect.stringMatching(/\/main: DT_RELAENT is 12, not the 24 bytes/) });
    expect(g.objects.filter((o) => o.kind === 'library')).toEqual([]);
  });

  it('x86-64: a relocation table without its size (or DT_PLTREL without DT_JMPREL, or no DT_SYMTAB): ldd lists it, relocation faults', async (ctx) => {
    requires(ctx, FIXTURES);
    for (const [tag, text] of [[C.DT_RELASZ, 'DT_RELA without DT_RELASZ'], [C.DT_PLTRELSZ, 'DT_PLTREL without DT_PLTRELSZ'], [C.DT_JMPREL, 'DT_PLTREL without DT_JMPREL'], [C.DT_SYMTAB, 'relocation tables without DT_SYMTAB']] as const) {
      const { d, so, main } = fixture();
      patchDynamic(so, tag, 'drop');
      expect((await traced(main, d)).code).toBe(0);
      expect((await traced(main, d, false, true)).signal).toBe('SIGSEGV');
      const g = loadOf(main, d).graph;
      expect(g.fatal).toEqual({ stage: 'relocation', object: g.objects.find((o) => o.path === so)!.id, message: `${so}: ${text}: relocating it, ld.so reads the missing entry through a null pointer (the process would be killed by SIGSEGV)` });
      expect(lddOf(main, d)).toBe((await ldd(main, d)).stdout);
      expect(lddOf(main, d)).toContain(`libx.so => ${so}`);
    }
  });

  it('x86-64: bound lazily, DT_JMPREL without DT_PLTGOT faults (the GOT is set up for lazy calls); under LD_BIND_NOW it is not read', async (ctx) => {
    requires(ctx, FIXTURES);
    const { d, so, main } = fixture();
    patchDynamic(so, C.DT_PLTGOT, 'drop');
    expect((await traced(main, d, false, true)).signal).toBe('SIGSEGV');
    expect(loadOf(main, d).graph.fatal).toMatchObject({ stage: 'relocation', message: `${so}: DT_JMPREL without DT_PLTGOT: relocating it, ld.so reads the missing entry through a null pointer (the process would be killed by SIGSEGV)` });
    const bindNow = await traceLdso(main, d, { LD_WARN: 'yes', LD_BIND_NOW: '1' });
    expect([bindNow.exitCode, bindNow.signal ?? null]).toEqual([0, null]);
    expect(loadOf(main, d, { bindNow: true }).graph.fatal).toBeNull();
  });

  it('x86-64: DT_NEEDED without DT_STRTAB: ld.so reads the names through a null pointer', async (ctx) => {
    requires(ctx, FIXTURES);
    const { d, so, main } = fixture();
    patchDynamic(so, C.DT_STRTAB, 'drop');
    expect((await traced(main, d)).signal).toBe('SIGSEGV');
    expect(loadOf(main, d).graph.fatal).toEqual({ object: expect.any(Number), message: `${so}: DT_NEEDED without DT_STRTAB: ld.so reads the names through a null pointer (the process would be killed by SIGSEGV)` });
  });

  it('i386: DT_PLTREL may name either table type; a wrong DT_RELENT stops ld.so', async (ctx) => {
    requires(ctx, setupProvides('cc -m32 and qemu-i386 (gcc-multilib, qemu-user)', canRun32));
    const either = fixture(['-m32']);
    patchDynamic(either.so, C.DT_PLTREL, C.DT_RELA);
    const accepted = await traced(either.main, either.d, true);
    expect([accepted.code, accepted.stdout]).toEqual([0, expect.stringContaining('libx.so =>')]);
    expect(loadOf(either.main, either.d).graph.fatal).toBeNull();

    const wrong = fixture(['-m32']);
    patchDynamic(wrong.so, C.DT_RELENT, 12);
    expect((await traced(wrong.main, wrong.d, true)).stderr).toMatch(ASSERTION);
    expect(loadOf(wrong.main, wrong.d).graph.fatal).toMatchObject({ stage: 'abort', message: expect.stringMatching(/DT_RELENT is 12, not the 8 bytes of one entry/) });
  });

  // Other ports' elf_machine_runtime_setup: POWER64 and RISC-V read DT_PLTGOT for any object with DT_JMPREL,
  // however it is bound; MIPS reads its GOT tags (elf_machine_got_rel) for every object. A Debian root's
  // libz with the tag dropped, its own ld.so relocating sshd in trace mode under qemu-user, with LD_BIND_NOW.
  for (const [arch, qemu, ld, tag, text] of [
    ['ppc64el', 'qemu-ppc64le', '/lib/powerpc64le-linux-gnu/ld64.so.2', C.DT_PLTGOT, 'DT_JMPREL without DT_PLTGOT'],
    ['mips64el', 'qemu-mips64el', '/lib/mips64el-linux-gnuabi64/ld.so.1', C.DT_MIPS_LOCAL_GOTNO, 'a MIPS object without DT_MIPS_LOCAL_GOTNO'],
  ] as const) {
    it(`${arch}: ${text} faults while relocating, bound now or not (the root's ld.so under ${qemu})`, async (ctx) => {
      requires(ctx, sysrootOf(arch), qemuUser(qemu));
      const root = copySysroot(sysroot(arch), join(fixtureDir(), 'root'));
      const relocate = () => execa(qemu, ['-L', root, '-E', 'LD_TRACE_LOADED_OBJECTS=1', '-E', 'LD_WARN=yes', '-E', 'LD_BIND_NOW=1', join(root, ld), join(root, 'usr/sbin/sshd')], { reject: false, extendEnv: false, env: {} });
      const fatal = async () => JSON.parse((await runCli(['--root', root, '--bind-now', '--no-code', '--format', 'json', '/usr/sbin/sshd'])).stdout).fatal;
      expect((await relocate()).exitCode).toBe(0);
      expect(await fatal()).toBeNull();
      patchDynamic(ownCopy(join(root, ld, '..', 'libz.so.1')), tag, 'drop');
      expect((await relocate()).signal).toBe('SIGSEGV');
      expect(await fatal()).toMatchObject({ stage: 'relocation', message: `${ld.replace(/[^/]+$/, 'libz.so.1')}: ${text}: relocating it, ld.so reads the missing entry through a null pointer (the process would be killed by SIGSEGV)` });
    });
  }

  // elf_machine_got_rel counts MIPS's global GOT entries in an int: DT_MIPS_GOTSYM one past
  // DT_MIPS_SYMTABNO makes it -1, and the loop runs on, writing past the GOT, bound now or not.
  it('mips64el: DT_MIPS_GOTSYM past DT_MIPS_SYMTABNO faults while relocating, bound now or not (the root\'s ld.so under qemu-mips64el)', async (ctx) => {
    requires(ctx, sysrootOf('mips64el'), READELF, qemuUser('qemu-mips64el'));
    const root = copySysroot(sysroot('mips64el'), join(fixtureDir(), 'root'));
    const ld = '/lib/mips64el-linux-gnuabi64/ld.so.1';
    const relocate = (now: boolean) => execa('qemu-mips64el', ['-L', root, '-E', 'LD_TRACE_LOADED_OBJECTS=1', '-E', 'LD_WARN=yes', ...(now ? ['-E', 'LD_BIND_NOW=1'] : []), join(root, ld), join(root, 'usr/sbin/sshd')], { reject: false, extendEnv: false, env: {} });
    const fatal = async (now: boolean) => JSON.parse((await runCli(['--root', root, ...(now ? ['--bind-now'] : []), '--no-code', '--format', 'json', '/usr/sbin/sshd'])).stdout).fatal;
    const libz = ownCopy(join(root, ld, '..', 'libz.so.1'));
    const symtabno = execaSync('readelf', ['-d', libz]).stdout.match(/\(MIPS_SYMTABNO\)\s+(\d+)/)![1]!;
    patchDynamic(libz, C.DT_MIPS_GOTSYM, Number(symtabno) + 1);
    for (const now of [true, false]) {
      expect((await relocate(now)).signal).toBe('SIGSEGV');
      expect(await fatal(now)).toMatchObject({ stage: 'relocation', message: `/lib/mips64el-linux-gnuabi64/libz.so.1: DT_MIPS_GOTSYM ${Number(symtabno) + 1} is past DT_MIPS_SYMTABNO ${symtabno}: relocating it, ld.so walks the GOT without end (the process would be killed by SIGSEGV)` });
    }
    patchDynamic(libz, C.DT_MIPS_GOTSYM, Number(symtabno));
    expect((await relocate(true)).exitCode).toBe(0);
    expect(await fatal(true)).toBeNull();
  });
});
