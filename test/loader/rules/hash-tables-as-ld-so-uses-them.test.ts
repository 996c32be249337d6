// glibc 2.36 elf/dl-setup_hash.c _dl_setup_hash, run for the program and for each object as it is mapped,
// takes DT_GNU_HASH over DT_HASH and asserts that its bloom filter has a power-of-two number of words
// (ld.so aborts otherwise, in every mode); elf/dl-lookup.c do_lookup_x passes by an object without buckets
// and tests the bloom bits hash and hash >> shift; it follows a DT_HASH chain until index 0, without a bound.
// Fixtures built with cc, their tables rewritten, every case compared with the real loader on the same files.
import { execaSync } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { confinedFs } from '../../../src/host/confined-fs.js';
import { bindSymbols } from '../../../src/loader/bind.js';
import { runCli } from '../../support/cli.js';
import { fixtureDir, ldd, lddOf, lib, loadOf, section, traceLdso } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

const FIELDS = { nbuckets: 0, symoffset: 4, bloomWords: 8, shift: 12 };

/** Rewrites one 32-bit word of the .gnu.hash header. */
function patchGnuHash(file: string, field: keyof typeof FIELDS, value: number) {
  const bytes = readFileSync(file);
  bytes.writeUInt32LE(value, section(file, '.gnu.hash').offset + FIELDS[field]);
  writeFileSync(file, bytes);
}

/** Points the last entry of every .hash chain back at its bucket's first symbol. */
function loopSysvChains(file: string) {
  const bytes = readFileSync(file);
  const at = section(file, '.hash').offset;
  const nbucket = bytes.readUInt32LE(at);
  const chain = (i: number) => at + 8 + 4 * nbucket + 4 * i;
  for (let b = 0; b < nbucket; b++) {
    const head = bytes.readUInt32LE(at + 8 + 4 * b);
    if (head === 0) continue;
    let i = head;
    while (bytes.readUInt32LE(chain(i)) !== 0) i = bytes.readUInt32LE(chain(i));
    bytes.writeUInt32LE(head, chain(i));
  }
  writeFileSync(file, bytes);
}

/**
 * libx.so in d/DIR, with `patch` applied, and a program calling xyz that finds it there. abc's call of xyz
 * goes through the PLT, so the library's own relocations reach xyz's symbol index.
 */
function fixture(dir: string, patch?: [keyof typeof FIELDS, number], hashStyle = 'gnu') {
  const d = fixtureDir();
  const so = lib(d, `${dir}/libx.so`, { source: 'int xyz(void) { return 1; }\nint abc(void) { return xyz() + 1; }\n', args: [`-Wl,--hash-style=${hashStyle}`] });
  if (patch) patchGnuHash(so, ...patch);
  writeFileSync(`${d}/main.c`, 'int xyz(void);\nint main(void) { return xyz(); }\n');
  execaSync('cc', ['-o', `${d}/main`, `${d}/main.c`, `-L${d}/${dir}`, '-lx', `-Wl,-rpath,${d}/${dir}`]);
  return { d, so, main: `${d}/main` };
}

/** Where ld.so binds the program's xyz (in trace mode with every relocation processed: nothing runs), or its failure. */
async function theirXyz(main: string, d: string): Promise<string> {
  const r = await traceLdso(main, d, { LD_WARN: 'yes', LD_BIND_NOW: 'yes', LD_DEBUG: 'bindings' }, 3000);
  if (r.timedOut) return 'still running after 3 s';
  if (r.signal) return r.signal;
  const bound = /binding file \S+ \[0\] to (\S+) \[0\]: normal symbol `xyz'/.exec(r.stderr);
  return bound ? bound[1]! : /undefined symbol: xyz/.test(r.stderr) ? 'undefined' : `exit ${r.exitCode}`;
}

/** What ld.so says in trace mode, as ldd runs it (ldd's 2>&1 folds it into the output its lines are picked from). */
async function traced(main: string, d: string): Promise<string> {
  return (await traceLdso(main, d)).stderr;
}

/** Where loadgraph binds it. */
function ourXyz(main: string, d: string): string {
  const { graph: g, images } = loadOf(main, d);
  const b = bindSymbols(confinedFs('/'), g, images, { bindNow: true }).bindings.find((x) => x.symbol === 'xyz' && x.from === 0)!;
  return b.to === null ? 'undefined' : g.objects.find((o) => o.id === b.to)!.path!;
}

describe('hash-tables-as-ld-so-uses-them', () => {
  beforeEach((ctx) => requires(ctx, FIXTURES));

  it('an unaltered table: both bind xyz to the library (the control)', async () => {
    for (const style of ['gnu', 'both', 'sysv']) {
      const { d, so, main } = fixture('lib', undefined, style);
      expect(await theirXyz(main, d)).toBe(so);
      expect(ourXyz(main, d)).toBe(so);
    }
  });

  it('a bloom filter of 3 words stops ld.so at the assertion, for a library and for the program', async () => {
    const { d, so, main } = fixture('lib', ['bloomWords', 3]);
    expect(await traced(main, d)).toMatch(/^Inconsistency detected by ld\.so: dl-setup_hash\.c: \d+: _dl_setup_hash: Assertion/);
    expect((await ldd(main, d)).stdout).toBe('');
    const { graph: g } = loadOf(main, d);
    expect(g.fatal).toMatchObject({ stage: 'abort', object: 0 });
    expect(g.fatal!.message).toMatch(new RegExp(`^${so}: its GNU hash table has 3 bloom filter words, not a power of two`));
    expect(lddOf(main, d)).toBe('');
    const cli = await runCli(['--format', 'ldd', main]);
    expect([cli.code, cli.stdout]).toEqual([1, '']);
    expect(cli.stderr).toContain('Inconsistency detected by ld.so');
    expect((await runCli(['--no-code', main])).stdout).toMatch(/fatal: .*not a power of two[^]*loading would fail/);

    // The program's own table is set up before anything else is mapped.
    patchGnuHash(main, 'bloomWords', 6);
    expect(await traced(main, d)).toMatch(/^Inconsistency detected by ld\.so: dl-setup_hash\.c/);
    const own = loadOf(main, d).graph;
    expect(own.fatal).toMatchObject({ stage: 'abort', object: 0, message: expect.stringMatching(/^\S+\/main: its GNU hash table has 6 bloom filter words/) });
    expect(own.objects.filter((o) => o.kind === 'library')).toEqual([]);
  });

  it('no bloom words: ld.so maps it (ldd lists it) and crashes at the first lookup there; loadgraph says so', async () => {
    const { d, main } = fixture('lib', ['bloomWords', 0]);
    expect(lddOf(main, d)).toBe((await ldd(main, d)).stdout);
    expect(await theirXyz(main, d)).toBe('SIGSEGV');
    const g = loadOf(main, d).graph;
    expect(g.fatal).toBeNull();
    expect(g.objects.find((o) => o.name === 'libx.so')!.diagnostics).toEqual([expect.stringMatching(/0 bloom filter words: .*SIGSEGV/)]);
  });

  it('no buckets: do_lookup_x passes the library by, and its DT_HASH is never used instead', async () => {
    const { d, main } = fixture('lib', ['nbuckets', 0], 'both');
    expect(await theirXyz(main, d)).toBe('undefined');
    expect(ourXyz(main, d)).toBe('undefined');
  });

  it('a DT_HASH chain that loops: ldd lists the library, ld.so never finishes relocating; loadgraph says so', async () => {
    const { d, so, main } = fixture('lib', undefined, 'sysv');
    loopSysvChains(so);
    expect(lddOf(main, d)).toBe((await ldd(main, d)).stdout);
    expect(await theirXyz(main, d)).toBe('still running after 3 s');
    expect(loadOf(main, d).graph.objects.find((o) => o.name === 'libx.so')!.diagnostics).toEqual([expect.stringMatching(/DT_HASH chain of bucket \d+ loops back on itself: .*never returns/)]);
  });

  it('the second bloom bit: hash >> shift, a shift of 32 or more taken mod 32 as x86-64 ld.so does', async () => {
    const seen = new Set<string>();
    for (const shift of [32, 38, 40, 64, 70]) {
      const { d, main } = fixture('lib', ['shift', shift]);
      const theirs = await theirXyz(main, d);
      expect([shift, ourXyz(main, d)]).toEqual([shift, theirs]);
      seen.add(theirs === 'undefined' ? 'undefined' : 'bound');
    }
    // The shifts were chosen so that the bit decides: some bind, some do not.
    expect(seen).toEqual(new Set(['undefined', 'bound']));
  });
});
