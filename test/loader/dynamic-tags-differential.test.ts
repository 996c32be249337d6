// Every dynamic tag of a library and of a program, rewritten — dropped, zeroed, halved, or made huge — and
// loadgraph's verdict compared with the real loader's on the same files: the process starts, stops while
// loading (a fatal error, one of ld.so's assertions, a fault, a version report), or stops while relocating
// (a fault or an undefined symbol; ld.so relocating in trace mode with LD_WARN, as at a start, nothing
// runs). A rewritten address or size that makes ld.so read elsewhere in memory has no answer in the file:
// those cases, and the few not modelled, are listed with their reason and printed; any other disagreement fails.
import { execaSync } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { analyse } from '../../src/pipeline.js';
import { fixtureDir, lib, section, traceLdso } from '../support/fixtures.js';
import { FIXTURES, requires } from '../support/prereq.js';

type Verdict = 'starts' | 'stops loading' | 'stops relocating';

/** Not modelled, with why: ld.so then reads memory the file does not describe, or a check loadgraph leaves out. */
const ELSEWHERE = 'ld.so reads wherever the rewritten value points: what it finds there is not in the file';
const KNOWN: Record<string, string> = {
  'lib SONAME huge': ELSEWHERE, 'lib GNU_HASH huge': ELSEWHERE, 'lib SYMTAB huge': ELSEWHERE, 'lib RELA huge': ELSEWHERE,
  'lib RELASZ huge': ELSEWHERE, 'lib JMPREL huge': ELSEWHERE, 'lib JMPREL half': ELSEWHERE,
  'lib PLTRELSZ huge': ELSEWHERE, 'lib VERSYM huge': ELSEWHERE, 'prog GNU_HASH huge': ELSEWHERE, 'prog STRTAB half': ELSEWHERE, 'prog STRTAB huge': ELSEWHERE,
  'prog SYMTAB huge': ELSEWHERE, 'prog RELA huge': ELSEWHERE, 'prog RELASZ huge': ELSEWHERE,
  'prog JMPREL huge': ELSEWHERE, 'prog JMPREL half': ELSEWHERE, 'prog PLTRELSZ huge': ELSEWHERE, 'prog VERSYM huge': ELSEWHERE,
  'prog VERNEED huge': ELSEWHERE, 'lib NEEDED huge': ELSEWHERE, 'lib VERNEED huge': ELSEWHERE, 'prog VERSYM half': ELSEWHERE,
  'lib PLTGOT zero': ELSEWHERE, 'prog PLTGOT zero': ELSEWHERE, 'lib PLTGOT half': ELSEWHERE, 'prog PLTGOT half': ELSEWHERE,
  'lib PLTGOT huge': ELSEWHERE, 'prog PLTGOT huge': ELSEWHERE,
  'lib JMPREL zero': 'lazy PLT relocations read at the load address (the ELF header) fail an assertion: not modelled',
  'prog JMPREL zero': 'lazy PLT relocations read at the load address (the ELF header) fail an assertion: not modelled',
  'lib GNU_HASH zero': 'bloom words at 0: a diagnostic ("most likely SIGSEGV"), not a verdict',
  'prog GNU_HASH zero': 'bloom words at 0: a diagnostic ("most likely SIGSEGV"), not a verdict',
  'lib VERSYM zero': 'DT_VERSYM at 0: ld.so reads version indexes at the load address (the ELF header); not modelled',
  'prog VERSYM zero': 'DT_VERSYM at 0: ld.so reads version indexes at the load address (the ELF header); not modelled',
  'prog VERNEED drop': 'versioned references without DT_VERNEED: l_versions left unset, relocation faults; not modelled',
};

const TAGS: Record<string, number> = {
  NEEDED: C.DT_NEEDED, SONAME: C.DT_SONAME, INIT: C.DT_INIT, FINI: C.DT_FINI, INIT_ARRAY: C.DT_INIT_ARRAY, INIT_ARRAYSZ: C.DT_INIT_ARRAYSZ,
  GNU_HASH: C.DT_GNU_HASH, STRTAB: C.DT_STRTAB, SYMTAB: C.DT_SYMTAB, STRSZ: C.DT_STRSZ, SYMENT: C.DT_SYMENT, PLTGOT: C.DT_PLTGOT,
  PLTRELSZ: C.DT_PLTRELSZ, PLTREL: C.DT_PLTREL, JMPREL: C.DT_JMPREL, RELA: C.DT_RELA, RELASZ: C.DT_RELASZ, RELAENT: C.DT_RELAENT,
  RELACOUNT: C.DT_RELACOUNT, VERDEF: C.DT_VERDEF, VERDEFNUM: C.DT_VERDEFNUM, VERNEED: C.DT_VERNEED, VERNEEDNUM: C.DT_VERNEEDNUM,
  VERSYM: C.DT_VERSYM, FLAGS_1: C.DT_FLAGS_1,
};
const MODES = { drop: null, zero: () => 0n, half: (v: bigint) => v / 2n, huge: () => 0x7ffffff0n } as const;

/** A copy of `file` at `to` with every `tag` entry rewritten (dropped: turned into DT_DEBUG); false when it has none. */
function rewrite(file: string, to: string, tag: number, mode: keyof typeof MODES): boolean {
  const { offset, size } = section(file, '.dynamic');
  const bytes = readFileSync(file);
  let hit = false;
  for (let at = offset; at < offset + size; at += 16) {
    if (Number(bytes.readBigInt64LE(at)) !== tag) continue;
    hit = true;
    const f = MODES[mode];
    if (f === null) bytes.writeBigInt64LE(BigInt(C.DT_DEBUG), at), bytes.writeBigUInt64LE(0n, at + 8);
    else bytes.writeBigUInt64LE(f(bytes.readBigUInt64LE(at + 8)), at + 8);
  }
  writeFileSync(to, bytes, { mode: 0o755 });
  return hit;
}

async function theirs(main: string): Promise<Verdict> {
  const run = (env: Record<string, string>) => traceLdso(main, '/', env, 5000);
  const listed = await run({});
  if (listed.timedOut || listed.signal || listed.exitCode !== 0 || /Inconsistency detected|version `.*' not found|unsupported version/.test(listed.stderr) || / => not found$/m.test(listed.stdout)) return 'stops loading';
  // LD_WARN alone relocates as a start does: data references now, PLT slots lazily unless the objects say BIND_NOW.
  const relocated = await run({ LD_WARN: 'yes' });
  if (relocated.timedOut || relocated.signal || relocated.exitCode !== 0 || /Inconsistency detected|undefined symbol/.test(relocated.stderr)) return 'stops relocating';
  return 'starts';
}

async function ours(main: string): Promise<[Verdict, string]> {
  const r = await analyse(main, { runtime: false });
  const missing = r.objects.filter((o) => o.kind === 'missing').map((o) => `${o.name} not found`);
  if (!r.fatal) return [missing.length ? 'stops loading' : 'starts', missing.join(', ')];
  return [r.fatal.stage === 'relocation' ? 'stops relocating' : 'stops loading', r.fatal.message];
}

describe('dynamic tags rewritten, against the real loader', () => {
  it('loadgraph says what ld.so does with each: starts, stops loading, or stops relocating', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    writeFileSync(`${d}/v.map`, 'VER_1 { global: xyz; abc; local: *; };\n');
    lib(d, 'good/libx.so', { source: 'int xyz(void) { return 1; }\nint abc(void) { return xyz() + 1; }\n__attribute__((constructor)) static void init(void) {}\n', args: [`-Wl,--version-script=${d}/v.map`] });
    writeFileSync(`${d}/m.c`, 'int xyz(void);\nint main(void) { return xyz(); }\n');
    const link = (out: string, libDir: string) => execaSync('cc', ['-o', out, `${d}/m.c`, `-L${d}/good`, '-lx', `-Wl,-rpath,${libDir}`]);
    link(`${d}/good/m`, `${d}/good`);
    const bad: string[] = [], known: string[] = [];
    let compared = 0;
    for (const [name, tag] of Object.entries(TAGS)) {
      for (const mode of Object.keys(MODES) as Array<keyof typeof MODES>) {
        for (const side of ['lib', 'prog'] as const) {
          const dir = `${d}/${side}-${name}-${mode}`;
          mkdirSync(dir);
          let main = `${d}/good/m`;
          if (side === 'lib') {
            if (!rewrite(`${d}/good/libx.so`, `${dir}/libx.so`, tag, mode)) continue;
            link((main = `${dir}/m`), dir);
          } else if (!rewrite(`${d}/good/m`, (main = `${dir}/m`), tag, mode)) continue;
          const key = `${side} ${name} ${mode}`;
          const [a, [b, why]] = [await theirs(main), await ours(main)];
          compared++;
          if (a === b) {
            if (KNOWN[key]) known.push(`${key}: now agrees (${a})`);
          } else if (KNOWN[key]) known.push(`${key}: ld.so ${a}, loadgraph ${b} — ${KNOWN[key]}`);
          else bad.push(`${key}: ld.so ${a}, loadgraph ${b}${why ? ` (${why})` : ''}`);
        }
      }
    }
    console.log(`dynamic tags rewritten: ${compared} cases compared with ld.so, ${bad.length} disagree; not modelled (${known.length}):`);
    for (const k of known) console.log(`  ${k}`);
    expect(compared).toBeGreaterThan(150);
    expect(bad).toEqual([]);
  }, 300_000);
});
