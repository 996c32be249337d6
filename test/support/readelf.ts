// GNU readelf as an oracle: run it on a file and parse the facts the ELF reader must agree with.
import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface ReadelfFacts {
  class: 32 | 64;
  endian: 'little' | 'big';
  machine: string;
  interp: string | null;
  needed: string[];
  soname: string | null;
  rpath: string | null;
  runpath: string | null;
  dynamicTags: Set<string>;
  dynsymCount: number;
  /** Binding (LOCAL, GLOBAL, WEAK, …) of each dynamic symbol, by index. */
  dynsymBinds: string[];
  ifuncCount: number;
  /** Names of the undefined dynamic symbols (what the object imports). */
  undefinedSymbols: Set<string>;
  /** Names of the defined global or weak dynamic symbols (what the object exports). */
  definedSymbols: Set<string>;
  /** Names of the symbols its dynamic relocations refer to (what the loader binds). */
  relocSymbols: Set<string>;
  /** DT_INIT_ARRAYSZ in bytes (0 when absent). */
  initArraySize: number;
  /** Relocation counts by type name; DT_RELR offsets are counted as "RELR". */
  relocationCounts: Record<string, number>;
  buildId: string | null;
}

export async function hasReadelf(): Promise<boolean> {
  try {
    await execa('readelf', ['--version']);
    return true;
  } catch {
    return false;
  }
}

export async function readelf(path: string): Promise<ReadelfFacts> {
  const { stdout } = await execa('readelf', ['-h', '-l', '-d', '--dyn-syms', '-r', '-n', '-W', path], { reject: false, maxBuffer: 1 << 30, env: { LC_ALL: 'C' } });
  return parseReadelf(stdout);
}

/**
 * readelf run once on many files (one process for all: starting readelf costs more than most files);
 * each file's facts by its path. readelf heads each file's part with "File: PATH" when given several.
 */
export async function readelfMany(paths: readonly string[]): Promise<Map<string, ReadelfFacts>> {
  const { stdout } = await execa('readelf', ['-h', '-l', '-d', '--dyn-syms', '-r', '-n', '-W', ...paths], { reject: false, maxBuffer: 1 << 30, env: { LC_ALL: 'C' } });
  const out = new Map<string, ReadelfFacts>();
  if (paths.length === 1) return out.set(paths[0]!, parseReadelf(stdout));
  const parts = stdout.split(/^File: (.*)$/m);
  for (let i = 1; i + 1 < parts.length; i += 2) out.set(parts[i]!, parseReadelf(parts[i + 1]!));
  return out;
}

export function parseReadelf(out: string): ReadelfFacts {
  const f: ReadelfFacts = {
    class: /^\s*Class:\s+ELF64/m.test(out) ? 64 : 32,
    endian: /^\s*Data:.*big endian/m.test(out) ? 'big' : 'little',
    machine: /^\s*Machine:\s+(.*?)\s*$/m.exec(out)?.[1] ?? '',
    interp: /\[Requesting program interpreter: (.*)\]/.exec(out)?.[1] ?? null,
    needed: [], soname: null, rpath: null, runpath: null, dynamicTags: new Set(),
    dynsymCount: 0, dynsymBinds: [], ifuncCount: 0, undefinedSymbols: new Set(), definedSymbols: new Set(), relocSymbols: new Set(), initArraySize: 0, relocationCounts: {}, buildId: /Build ID: ([0-9a-f]+)/.exec(out)?.[1] ?? null,
  };
  let section: 'none' | 'dynsym' | 'reloc' | 'relr' = 'none';
  for (const line of out.split('\n')) {
    const dyn = /^\s*0x[0-9a-f]+\s+\((\w+)\)\s+(.*)$/.exec(line);
    if (dyn) {
      const [, tag, rest] = dyn as unknown as [string, string, string];
      f.dynamicTags.add(tag);
      const value = /\[(.*)\]/.exec(rest)?.[1] ?? null;
      if (tag === 'NEEDED' && value !== null) f.needed.push(value);
      if (tag === 'SONAME') f.soname = value;
      if (tag === 'RPATH') f.rpath = value;
      if (tag === 'RUNPATH') f.runpath = value;
      if (tag === 'INIT_ARRAYSZ') f.initArraySize = Number(/(\d+) \(bytes\)/.exec(rest)?.[1] ?? 0);
      continue;
    }
    const symtab = /^Symbol table '\.dynsym' contains (\d+) entr/.exec(line);
    if (symtab) { section = 'dynsym'; f.dynsymCount = Number(symtab[1]); continue; }
    if (/^Symbol table '/.test(line)) { section = 'none'; continue; }
    const rel = /^Relocation section '([^']*)'/.exec(line);
    if (rel) { section = /relr/.test(rel[1]!) ? 'relr' : 'reloc'; continue; }
    if (/^(Displaying notes|Dynamic section|Program Headers|ELF Header)/.test(line)) { section = 'none'; continue; }
    if (section === 'dynsym') {
      const s = /^\s*(\d+):\s+[0-9a-f]+\s+\S+\s+(\w+)\s+(\w+)\s+\S+\s+(\S+)\s*([^@\s]*)/.exec(line);
      if (s?.[2] === 'IFUNC') f.ifuncCount++;
      if (s) f.dynsymBinds[Number(s[1])] = s[3]!;
      if (s?.[4] === 'UND' && s[5]) f.undefinedSymbols.add(s[5]);
      else if (s?.[5] && (s[3] === 'GLOBAL' || s[3] === 'WEAK')) f.definedSymbols.add(s[5]);
    } else if (section === 'reloc') {
      const r = /^[0-9a-f]{8,16}\s+[0-9a-f]{8,16}\s+(\S+)/.exec(line);
      const name = r && (READELF_RELOC_ALIASES[r[1]!] ?? r[1]!);
      if (name) f.relocationCounts[name] = (f.relocationCounts[name] ?? 0) + 1;
      const sym = /^[0-9a-f]{8,16}\s+[0-9a-f]{8,16}\s+\S+\s+[0-9a-f]+\s+([^\s@]+)/.exec(line)?.[1];
      if (sym) f.relocSymbols.add(sym);
    } else if (section === 'relr') {
      const n = /^\s*(\d+) offsets?\s*$/.exec(line);
      if (n) f.relocationCounts.RELR = (f.relocationCounts.RELR ?? 0) + Number(n[1]);
    }
  }
  return f;
}

/**
 * Where binutils spells a relocation type differently from glibc's elf.h (our names), readelf's
 * spelling → elf.h's. Same number, different name; see docs/readelf-differences.md.
 */
export const READELF_RELOC_ALIASES: Record<string, string> = {
  R_386_JUMP_SLOT: 'R_386_JMP_SLOT',
  R_AARCH64_TLS_DTPMOD64: 'R_AARCH64_TLS_DTPMOD',
  R_AARCH64_TLS_DTPREL64: 'R_AARCH64_TLS_DTPREL',
  R_AARCH64_TLS_TPREL64: 'R_AARCH64_TLS_TPREL',
};

/** readelf's Machine descriptions for the architectures we test, as e_machine numbers. */
export const READELF_MACHINES: Record<string, number> = {
  'Advanced Micro Devices X86-64': 62,
  'Intel 80386': 3,
  AArch64: 183,
  ARM: 40,
  'IBM S/390': 22,
  'PowerPC64': 21,
  'MIPS R3000': 8,
};

/**
 * The DT_NEEDED closure of `file` inside `root` by SONAME, as readelf -d reads it, each name looked up in
 * the root's multiarch and plain library directories: an oracle for "which objects does X bring in" that
 * shares nothing with loadgraph's loader. `file`'s own needs named in `cut` are not followed (the closure
 * without those edges).
 */
const neededOf = new Map<string, Promise<string[]>>();
export async function neededClosure(root: string, file: string, cut: ReadonlySet<string> = new Set()): Promise<Set<string>> {
  const dirs = ['lib', 'usr/lib'].flatMap((d) => {
    const multiarch = (() => { try { return readdirSync(join(root, d)).filter((n) => /-linux-gnu/.test(n)).map((n) => join(root, d, n)); } catch { return []; } })();
    return [...multiarch, join(root, d)];
  });
  const seen = new Set<string>();
  const queue = [file];
  const needed = (path: string) => {
    if (!neededOf.has(path)) neededOf.set(path, readelf(path).then((r) => r.needed));
    return neededOf.get(path)!;
  };
  while (queue.length) {
    const path = queue.shift()!;
    for (const name of await needed(path)) {
      if (seen.has(name) || (path === file && cut.has(name))) continue;
      seen.add(name);
      const found = dirs.map((d) => join(d, name)).find((p) => existsSync(p));
      if (found) queue.push(found);
    }
  }
  return seen;
}
