// Unused direct dependencies equal `ldd -u`: on a fixture linked --no-as-needed, and on every dynamically
// linked x86-64 file of /usr/bin and /usr/sbin of this machine. A file is left out only when ldd also says it
// cannot be loaded completely (a missing library, a fatal error); each exclusion is counted and printed.
import { writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { decodeElf } from '../../src/elf/decode.js';
import { attribute, unusedDirect } from '../../src/analyses/attribution.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import { withFileSource } from '../../src/host/file-source.js';
import { bindSymbols } from '../../src/loader/bind.js';
import { elfFilesUnder } from '../support/corpus.js';
import { eachInShell, exe, fixtureDir, lddEach, lib, loadOf, rpath } from '../support/fixtures.js';
import { FIXTURES, LDD, requires } from '../support/prereq.js';

async function lddUnused(file: string, cwd = '/'): Promise<string[]> {
  const r = await execa('ldd', ['-u', file], { cwd, reject: false, extendEnv: false, env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } });
  return unusedIn(r.stdout);
}
const unusedIn = (lddU: string) => lddU.split('\n').filter((l) => l.startsWith('\t')).map((l) => l.trim());

/** The unused direct dependencies, or why loadgraph cannot tell (the load fails or is incomplete). */
function ourUnused(file: string, cwd = '/'): string[] | string {
  const { graph, images } = loadOf(file, cwd);
  if (graph.fatal) return `fatal: ${graph.fatal.message}`;
  if (graph.linkage !== 'dynamic') return `linkage ${graph.linkage}`;
  const missing = graph.objects.filter((o) => o.kind === 'missing').map((o) => o.name);
  if (missing.length) return `missing ${missing.join(', ')}`;
  const b = bindSymbols(confinedFs('/'), graph, images);
  return unusedDirect(graph, attribute(graph, b)).map((id) => graph.objects.find((o) => o.id === id)!.path!);
}

describe('unused direct dependencies', () => {
  it('on a fixture linked --no-as-needed', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'libused.so', { source: 'int used(void) { return 1; }\n' });
    lib(d, 'libidle.so', { source: 'int idle(void) { return 2; }\n' });
    // main calls nothing from its needs; main2 calls used().
    const main = exe(d, 'main', [`-L${d}`, '-l:libidle.so', '-l:libused.so', '-lm', ...rpath(d)]);
    writeFileSync(`${d}/main2.c`, 'int used(void);\nint main(void) { return used() - 1; }\n');
    await execa('cc', ['-o', `${d}/main2`, `${d}/main2.c`, '-Wl,--no-as-needed', `-L${d}`, '-l:libidle.so', '-l:libused.so', '-lm', ...rpath(d)]);
    for (const f of [main, `${d}/main2`]) expect(ourUnused(f, d), f).toEqual(await lddUnused(f, d));
    expect(ourUnused(`${d}/main2`, d)).toEqual([`${d}/libidle.so`, '/lib/x86_64-linux-gnu/libm.so.6']);
  });

  it('on every dynamically linked file of /usr/bin and /usr/sbin', async (ctx) => {
    requires(ctx, LDD);
    const files = ['/usr/bin', '/usr/sbin'].flatMap((dir) => elfFilesUnder(dir, false)).filter((f) => withFileSource(f, (src) => {
      const d = decodeElf(src);
      return d.ok && d.image.header.machine === C.EM_X86_64 && d.image.needed.length > 0;
    }));
    let compared = 0;
    const bad: string[] = [], excluded: string[] = [];
    // ldd -u in shells meanwhile; ldd itself only where loadgraph says the load is incomplete.
    const pending = eachInShell(files, 'ldd -u "$f"', '/');
    const ourAll = new Map(files.map((f) => [f, ourUnused(f)] as const));
    const unused = await pending;
    const lists = await lddEach(files.filter((f) => typeof ourAll.get(f) === 'string'), '/');
    for (const f of files) {
      const ours = ourAll.get(f)!;
      if (typeof ours === 'string') {
        // Left out only when ldd agrees that the load is incomplete; otherwise loadgraph's own error is the mismatch.
        const theirs = lists.get(f)!;
        if (/not found|error while loading shared libraries|not a dynamic executable/.test(theirs.stdout + theirs.stderr)) excluded.push(`${f}: ${ours}`);
        else bad.push(`${f}: loadgraph ${ours}, but ldd loads it completely`);
        continue;
      }
      compared++;
      const theirs = unusedIn(unused.get(f)!.stdout);
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) bad.push(`${f}: ldd -u ${theirs.join(' ')} | loadgraph ${ours.join(' ')}`);
    }
    console.log(`unused direct dependencies: ${compared} files compared with ldd -u, ${bad.length} mismatches, ${excluded.length} left out (incomplete loads, ldd agrees)`);
    for (const x of excluded) console.log(`  left out: ${x}`);
    for (const b of bad.slice(0, 10)) console.log(`  ${b}`);
    expect(compared).toBeGreaterThan(300);
    expect(bad).toEqual([]);
  }, 600_000);
});
