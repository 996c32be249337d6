// Per-file facts equal GNU readelf's on every ELF file of this machine's system directories and of the
// Debian sysroots of seven architectures; and they do not change when section headers are removed.
import { describe, expect, it } from 'vitest';
import { describeObject, type ObjectFacts } from '../../src/elf/facts.js';
import { bytesSource } from '../../src/elf/source.js';
import { withFileSource } from '../../src/host/file-source.js';
import { readFileSync } from 'node:fs';
import { ARCHES, elfFilesUnder, hasSysroot, pool, sysroot } from '../support/corpus.js';
import { READELF_MACHINES, type ReadelfFacts, readelfMany } from '../support/readelf.js';
import { stripSectionHeaders } from '../support/elf-writer.js';
import { READELF, requires, sysrootOf } from '../support/prereq.js';

function ours(path: string): ObjectFacts | string {
  const r = withFileSource(path, (src) => describeObject(src, path));
  return r.ok ? r.facts : `${r.error.code}: ${r.error.message}`;
}

function compare(path: string, re: ReadelfFacts | undefined): string[] {
  if (!re) return [`${path}: readelf printed nothing for it`];
  const f = ours(path);
  if (typeof f === 'string') return [`${path}: loadgraph failed: ${f}`];
  const bad: string[] = [];
  const eq = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) bad.push(`${path}: ${what}: loadgraph ${JSON.stringify(a)} readelf ${JSON.stringify(b)}`);
  };
  eq('class', f.class, re.class);
  eq('endian', f.endian, re.endian);
  eq('machine', f.machine.number, READELF_MACHINES[re.machine] ?? `unmapped "${re.machine}"`);
  eq('interp', f.interp, re.interp);
  eq('needed', f.needed, re.needed);
  eq('soname', f.soname, re.soname);
  eq('rpath', f.rpath?.join(':') ?? null, re.rpath);
  eq('runpath', f.runpath?.join(':') ?? null, re.runpath);
  eq('DT_INIT', f.init !== null, re.dynamicTags.has('INIT'));
  eq('DT_INIT_ARRAY', f.initArray !== null, re.dynamicTags.has('INIT_ARRAY'));
  eq('DT_PREINIT_ARRAY', f.preinitArray !== null, re.dynamicTags.has('PREINIT_ARRAY'));
  // Symbols past the hash chains and unused by relocations are invisible to the loader; readelf counts
  // the section. Only local ones (static-pie section symbols) may be left out.
  if (!re.dynsymBinds.slice(f.dynsymCount).every((b) => b === 'LOCAL') || f.dynsymCount > re.dynsymCount) {
    eq('dynsym count', f.dynsymCount, re.dynsymCount);
  }
  eq('IFUNC symbols', f.ifuncSymbols.length, re.ifuncCount);
  // Without PT_DYNAMIC (relocatable objects, static executables) readelf still lists relocation sections
  // (link-time ones, or .rela.iplt applied by libc's static start-up code); no loader reads them.
  if (f.segments.types.includes('PT_DYNAMIC')) {
    const irelative = Object.entries(re.relocationCounts).filter(([k]) => /IRELATIVE|JMP_IREL/.test(k)).reduce((n, [, c]) => n + c, 0);
    eq('IRELATIVE count', f.irelativeCount, irelative);
    eq('relocation counts', sorted(f.relocationCounts), sorted(re.relocationCounts));
  } else if (f.type === 'ET_EXEC' || f.type === 'ET_DYN') {
    // A static executable: the IRELATIVE entries libc's static start-up applies (.rela.iplt).
    const irelative = Object.entries(re.relocationCounts).filter(([k]) => /IRELATIVE|JMP_IREL/.test(k)).reduce((n, [, c]) => n + c, 0);
    eq('static IRELATIVE resolvers', f.irelativeResolvers.length, irelative);
  }
  eq('build-id', f.notes.buildId, re.buildId);
  return bad;
}

const sorted = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

async function differential(label: string, files: string[], atLeast: number): Promise<void> {
  // readelf on 24 files at a time: most of the time per file was starting it.
  const batches = Array.from({ length: Math.ceil(files.length / 24) }, (_, k) => files.slice(k * 24, k * 24 + 24));
  const bad = (await pool(batches, 4, async (b) => {
    const re = await readelfMany(b);
    return b.flatMap((path) => compare(path, re.get(path)));
  })).flat();
  console.log(`readelf differential: ${label}: ${files.length} ELF files compared, ${bad.length} disagreements`);
  for (const b of bad.slice(0, 20)) console.log(`  ${b}`);
  expect(files.length).toBeGreaterThanOrEqual(atLeast);
  expect(bad).toEqual([]);
}

describe('facts equal readelf', () => {
  it('on this machine: /usr/bin, /usr/sbin, /usr/lib/x86_64-linux-gnu', async (ctx) => {
    requires(ctx, READELF);
    const files = ['/usr/bin', '/usr/sbin', '/usr/lib/x86_64-linux-gnu'].flatMap((d) => elfFilesUnder(d));
    await differential('host', files, 500);
  }, 600_000);

  for (const arch of ARCHES) {
    it(`on the Debian ${arch} sysroot`, async (ctx) => {
      requires(ctx, READELF, sysrootOf(arch));
      // The sysroot's package set (scripts/fetch-sysroots.sh) unpacks to about 600 ELF files on every architecture.
      await differential(arch, elfFilesUnder(sysroot(arch)), 400);
    }, 600_000);
  }
});

describe('facts do not depend on section headers', () => {
  const sample = (files: string[]) => files.filter((_, i) => i % 7 === 0);
  const roots = [...ARCHES.filter(hasSysroot).map(sysroot), '/usr/bin', '/usr/lib/x86_64-linux-gnu'];
  it('are equal after e_shoff/e_shnum/e_shstrndx are zeroed, on real files of every architecture', () => {
    let n = 0;
    for (const root of roots) {
      for (const path of sample(elfFilesUnder(root))) {
        const bytes = new Uint8Array(readFileSync(path));
        const a = describeObject(bytesSource(bytes), path);
        const b = describeObject(bytesSource(stripSectionHeaders(bytes)), path);
        // Except a static executable's resolvers: libc's start-up code finds them by symbols (static-iplt.ts).
        if (a.ok) (a.facts as unknown as { irelativeResolvers: unknown[] }).irelativeResolvers = a.facts.irelativeResolvers.filter((r) => !r.via);
        // And names only .symtab has (an unstripped program's _init): naming is enrichment, the entries are the same.
        if (a.ok && b.ok) {
          for (const k of ['constructors', 'irelativeResolvers'] as const) {
            const bs = b.facts[k] as ReadonlyArray<{ name: string | null }>;
            (a.facts as unknown as Record<string, unknown>)[k] = (a.facts[k] as ReadonlyArray<{ name: string | null }>).map((x, i) => (bs[i]?.name === null ? { ...x, name: null } : x));
          }
        }
        expect(b, path).toEqual(a);
        n++;
      }
    }
    console.log(`section headers removed: ${n} files gave identical facts`);
    expect(n).toBeGreaterThan(100);
  }, 600_000);
});
