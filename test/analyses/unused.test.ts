// Unused direct dependencies equal `ldd -u`: on a fixture linked --no-as-needed, and on every dynamically
// linked x86-64 file of /usr/bin and /usr/sbin of this machine.
import { writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { decodeElf } from '../../src/elf/decode.js';
import { attribute, unusedDirect } from '../../src/analyses/attribution.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import { withFileSource } from '../../src/host/file-source.js';
import { bindSymbols } from '../../src/loader/bind.js';
import { elfFilesUnder, pool } from '../support/corpus.js';
import { canBuildFixtures, exe, fixtureDir, hasLdd, lib, loadOf, rpath } from '../support/fixtures.js';

async function lddUnused(file: string, cwd = '/'): Promise<string[]> {
  const r = await execa('ldd', ['-u', file], { cwd, reject: false, extendEnv: false, env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } });
  return r.stdout.split('\n').filter((l) => l.startsWith('\t')).map((l) => l.trim());
}

function ourUnused(file: string, cwd = '/'): string[] | null {
  const { graph, images } = loadOf(file, cwd);
  if (graph.fatal || graph.linkage !== 'dynamic' || graph.objects.some((o) => o.kind === 'missing')) return null;
  const b = bindSymbols(confinedFs('/'), graph, images);
  return unusedDirect(graph, attribute(graph, b)).map((id) => graph.objects.find((o) => o.id === id)!.path!);
}

describe.skipIf(!canBuildFixtures)('unused direct dependencies', () => {
  it('on a fixture linked --no-as-needed', async () => {
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

  it.skipIf(!hasLdd)('on every dynamically linked file of /usr/bin and /usr/sbin', async () => {
    const files = ['/usr/bin', '/usr/sbin'].flatMap((dir) => elfFilesUnder(dir, false)).filter((f) => withFileSource(f, (src) => {
      const d = decodeElf(src);
      return d.ok && d.image.header.machine === C.EM_X86_64 && d.image.needed.length > 0;
    }));
    let compared = 0;
    const bad: string[] = [];
    await pool(files, 2, async (f) => {
      const ours = ourUnused(f);
      if (ours === null) return;
      compared++;
      const theirs = await lddUnused(f);
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) bad.push(`${f}: ldd -u ${theirs.join(' ')} | loadgraph ${ours.join(' ')}`);
    });
    console.log(`unused direct dependencies: ${compared} files compared with ldd -u, ${bad.length} mismatches`);
    for (const b of bad.slice(0, 10)) console.log(`  ${b}`);
    expect(compared).toBeGreaterThan(300);
    expect(bad).toEqual([]);
  }, 600_000);
});
