// NameSet: the IFUNC names a tree binds are tested in place in every object's string table; its head
// filter may let a name through that is not in the set, but never turns one away that is.
import { describe, expect, it } from 'vitest';
import { NameSet } from '../../src/elf/symtab.js';

const enc = new TextEncoder();

describe('NameSet', () => {
  // Short names (the head is then the whole name), names sharing heads, the empty name, bytes above 0x7f.
  const members = ['', 'a', 'ab', 'abc', 'abcd', 'memcpy', 'memmove', 'strlen', 'time', '__memcpy_chk', 'x\u00e9y'];
  const others = ['b', 'ac', 'abd', 'abce', 'memcp', 'memcpy2', 'strnlen', 'tim', 'timex', '__stack_chk_fail', 'x\u00e9z', 'zzzz'];
  const set = new NameSet();
  for (const m of members) set.add(enc.encode(m));

  // One string table as an object has it: each name NUL-terminated, the last one running to the end.
  const names = [...members, ...others];
  const parts = names.map((n) => enc.encode(n));
  const strtab = new Uint8Array(parts.reduce((a, p) => a + p.length + 1, 0) - 1);
  const starts: number[] = [];
  let at = 0;
  for (const p of parts) {
    starts.push(at);
    strtab.set(p, at);
    at += p.length + 1;
  }

  it('finds each member in place, with or without its NUL, and nothing else', () => {
    names.forEach((n, k) => {
      const start = starts[k]!;
      const end = k === names.length - 1 ? strtab.length : strtab.indexOf(0, start);
      const isMember = members.includes(n);
      if (isMember) expect(set.mayHaveAt(strtab, start), n).toBe(true);
      expect(set.mayHaveAt(strtab, start) && set.hasIn(strtab, start, end), n).toBe(isMember);
      expect(set.has(enc.encode(n)), n).toBe(isMember);
    });
  });

  it('turns away by their heads names that share none with a member', () => {
    for (const n of ['b', 'ac', 'tzz', 'zz_stack_chk_fail', 'zzzz']) expect(set.mayHaveAt(enc.encode(`${n}\0`), 0), n).toBe(false);
  });
});
