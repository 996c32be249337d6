// Whether an object asks for an executable stack, as ld.so reads it: PT_GNU_STACK's PF_X, and without a
// PT_GNU_STACK its port's DEFAULT_STACK_PERMS (glibc sysdeps/<port>/stackinfo.h: PF_X on x86, 32-bit ARM,
// MIPS, s390; the generic default, without it, on AArch64, 64-bit POWER and RISC-V).
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { decodeElf } from '../../src/elf/decode.js';
import { bytesSource } from '../../src/elf/source.js';
import { requestsExecStack } from '../../src/elf/summary.js';
import { buildElf } from '../support/elf-writer.js';

const image = (machine: number, cls: 32 | 64, stack?: number) => {
  const d = decodeElf(bytesSource(buildElf({ machine, class: cls, endian: machine === C.EM_S390 ? 'big' : 'little', ...(stack === undefined ? {} : { extraSegments: [{ type: C.PT_GNU_STACK, flags: stack }] }) })));
  if (!d.ok) throw new Error(d.error.message);
  return d.image;
};

describe('requestsExecStack', () => {
  const ports: Array<[string, number, 32 | 64, boolean]> = [
    ['x86-64', C.EM_X86_64, 64, true], ['i386', C.EM_386, 32, true], ['32-bit ARM', C.EM_ARM, 32, true], ['MIPS', C.EM_MIPS, 64, true], ['s390x', C.EM_S390, 64, true],
    ['AArch64', C.EM_AARCH64, 64, false], ['64-bit POWER', C.EM_PPC64, 64, false], ['RISC-V', C.EM_RISCV, 64, false],
  ];
  it.for(ports)('%s (e_machine %i, ELFCLASS%i): executable without PT_GNU_STACK: %s; with one, its PF_X', ([, machine, cls, byDefault]) => {
    expect(requestsExecStack(image(machine, cls))).toBe(byDefault);
    expect(requestsExecStack(image(machine, cls, C.PF_R | C.PF_W))).toBe(false);
    expect(requestsExecStack(image(machine, cls, C.PF_R | C.PF_W | C.PF_X))).toBe(true);
  });
});
