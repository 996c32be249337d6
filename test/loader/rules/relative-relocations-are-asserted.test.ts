// glibc 2.36 elf/do-rel.h elf_dynamic_do_Rel applies the first DT_RELACOUNT (DT_RELCOUNT) entries of the
// table as relative relocations without a symbol lookup, and x86's ld.so asserts that each one is:
// sysdeps/x86_64/dl-machine.h elf_machine_rela_relative (R_X86_64_RELATIVE or R_X86_64_RELATIVE64; only
// when the object is not at address 0, so never for an ET_EXEC program) and sysdeps/i386/dl-machine.h
// elf_machine_rel_relative (R_386_RELATIVE). A count that takes in another entry stops a real start with
// an assertion, though ldd (which does not relocate) lists the program. Fixtures built with cc, the count
// rewritten, every case run by the real loader (i386 under qemu-i386).
import { execa, execaSync } from 'execa';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as C from '../../../src/elf/constants.js';
import { canRun32, fixtureDir, ldd, lddOf, lib, loadOf, patchDynamic, traceLdso } from '../../support/fixtures.js';
import { FIXTURES, requires, setupProvides } from '../../support/prereq.js';

/** libx.so, with relative relocations (pointers to its own data) and others (to ext_var of libdep.so), and a program that needs it. */
function fixture(cflags: string[] = []) {
  const d = fixtureDir();
  lib(d, 'lib/libdep.so', { source: 'int ext_var = 3;\n', args: cflags });
  const so = lib(d, 'lib/libx.so', {
    source: 'extern int ext_var;\nint *p = &ext_var;\nstatic int local;\nint *q = &local, *r = &local;\nint f(void) { return *p + *q + *r; }\n',
    args: [...cflags, `-L${d}/lib`, '-ldep', `-Wl,-rpath,${d}/lib`],
  });
  writeFileSync(`${d}/main.c`, 'int f(void);\nint main(void) { return f() == 3 ? 0 : 1; }\n');
  execaSync('cc', [...cflags, '-o', `${d}/main`, `${d}/main.c`, `-L${d}/lib`, '-lx', `-Wl,-rpath,${d}/lib`]);
  return { d, so, main: `${d}/main` };
}

/** The value of a dynamic tag, as readelf prints it. */
const dynamicValue = (file: string, name: string) => Number(new RegExp(`\\(${name}\\)\\s+(\\d+)`).exec(execaSync('readelf', ['-d', file]).stdout)![1]);

/** Each table's entries, in order, as readelf prints their types. */
const relocTypes = (file: string) => execaSync('readelf', ['-r', '-W', file]).stdout.split('\n').map((l) => /^[0-9a-f]+\s+[0-9a-f]+\s+(R_\w+)/.exec(l)?.[1]).filter(Boolean);

describe('relative-relocations-are-asserted', () => {
  it('x86-64: a DT_RELACOUNT that takes in a GLOB_DAT (or runs on into the PLT relocations) stops a real start at the assertion; ldd lists it', async (ctx) => {
    requires(ctx, FIXTURES);
    for (const extra of [1, 1000]) {
      const { d, so, main } = fixture();
      const count = dynamicValue(so, 'RELACOUNT');
      expect(relocTypes(so).slice(0, count + 1)).toEqual([...Array(count).fill('R_X86_64_RELATIVE'), expect.not.stringMatching(/RELATIVE/)]);
      expect((await execa(main, [], { reject: false })).exitCode).toBe(0);
      expect(loadOf(main, d).graph.fatal).toBeNull();

      patchDynamic(so, C.DT_RELACOUNT, count + extra);
      const started = await execa(main, [], { reject: false, extendEnv: false, env: {} });
      expect(started.exitCode).toBe(127);
      expect(started.stderr).toMatch(/^Inconsistency detected by ld\.so: \.\.\/sysdeps\/x86_64\/dl-machine\.h: \d+: elf_machine_rela_relative: Assertion `ELFW\(R_TYPE\) \(reloc->r_info\) == R_X86_64_RELATIVE' failed!/);
      // ldd's trace does not relocate; relocating as a start does (LD_WARN), it stops the same way.
      expect((await traceLdso(main, d)).exitCode).toBe(0);
      expect((await traceLdso(main, d, { LD_WARN: 'yes' })).stderr).toMatch(/elf_machine_rela_relative: Assertion/);

      const g = loadOf(main, d).graph;
      expect(g.fatal).toEqual({
        stage: 'relocation', object: g.objects.find((o) => o.path === so)!.id,
        message: expect.stringMatching(new RegExp(`^${so}: DT_RELACOUNT is ${count + extra}, but entry ${count} of DT_RELA has type \\d+, not R_X86_64_RELATIVE: relocating it, ld\\.so aborts on the assertion in elf_machine_rela_relative`)),
      });
      expect(lddOf(main, d)).toBe((await ldd(main, d)).stdout);
    }
  });

  it('x86-64: a PIE program is checked too; a count that holds only relative entries is fine', async (ctx) => {
    requires(ctx, FIXTURES);
    const { d, main } = fixture();
    // cc builds position-independent executables by default here (ET_DYN: mapped away from address 0).
    expect(execaSync('readelf', ['-h', main]).stdout).toMatch(/Type:\s+DYN/);
    const count = dynamicValue(main, 'RELACOUNT');
    patchDynamic(main, C.DT_RELACOUNT, count - 1);
    expect((await execa(main, [], { reject: false })).exitCode).toBe(0);
    expect(loadOf(main, d).graph.fatal).toBeNull();
    patchDynamic(main, C.DT_RELACOUNT, count + 1);
    expect((await execa(main, [], { reject: false })).stderr).toMatch(/elf_machine_rela_relative: Assertion/);
    expect(loadOf(main, d).graph.fatal).toMatchObject({ stage: 'relocation', object: 0, message: expect.stringMatching(/DT_RELACOUNT is \d+, but entry \d+ of DT_RELA has type/) });
  });

  it('i386: DT_RELCOUNT the same way, with elf_machine_rel_relative\'s assertion', async (ctx) => {
    requires(ctx, setupProvides('cc -m32 and qemu-i386 (gcc-multilib, qemu-user)', canRun32));
    const { d, so, main } = fixture(['-m32']);
    const count = dynamicValue(so, 'RELCOUNT');
    patchDynamic(so, C.DT_RELCOUNT, count + 1);
    const started = await execa('qemu-i386', [main], { reject: false, extendEnv: false, env: {} });
    expect(started.stderr).toMatch(/^Inconsistency detected by ld\.so: \.\.\/sysdeps\/i386\/dl-machine\.h: \d+: elf_machine_rel_relative: Assertion `ELF32_R_TYPE \(reloc->r_info\) == R_386_RELATIVE' failed!/);
    const g = loadOf(main, d).graph;
    expect(g.fatal).toMatchObject({ stage: 'relocation', message: expect.stringMatching(new RegExp(`^${so}: DT_RELCOUNT is ${count + 1}, but entry ${count} of DT_REL has type \\d+, not R_386_RELATIVE`)) });
  });
});
