// `loadgraph --format ldd` equals `ldd` (load addresses removed) for every ELF file under /usr/bin,
// /usr/sbin, /usr/libexec and /usr/lib/x86_64-linux-gnu of this machine, and every candidate our trace
// lists, in order, is a file ld.so tries (LD_DEBUG=libs); and for every i386 one under /usr/lib32 and
// /usr/libexec against the machine's i386 ld.so: the machine's own binaries only.
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { decodeElf } from '../../src/elf/decode.js';
import { withFileSource } from '../../src/host/file-source.js';
import { elfFilesUnder, pool } from '../support/corpus.js';
import type { LoadGraph } from '../../src/graph/model.js';
import { renderLdd } from '../../src/report/ldd.js';
import { canRun32, graphOf, ldd32, lddEach, lddOf32, triedByEach, triedIn } from '../support/fixtures.js';
import { LDD, condition, requires } from '../support/prereq.js';

describe('ldd differential on this machine', () => {
  it('agrees with ldd on every dynamically linked file', async (ctx) => {
    requires(ctx, LDD);
    // ldd can only answer for files its loader runs: x86-64 ones (valgrind ships i386 helpers that this
    // machine has no i386 ld.so or libc for; ldd calls them "not a dynamic executable").
    const x86_64 = (f: string) => withFileSource(f, (src) => {
      const d = decodeElf(src);
      return !d.ok || (d.image.header.class === 64 && d.image.header.machine === C.EM_X86_64);
    });
    const all = ['/usr/bin', '/usr/sbin', '/usr/libexec', '/usr/lib/x86_64-linux-gnu'].flatMap((d) => elfFilesUnder(d));
    const files = all.filter(x86_64);
    console.log(`ldd differential: ${all.length - files.length} files of other architectures left out`);
    let compared = 0, notDynamic = 0, traced = 0;
    const bad: string[] = [];
    const listings = await lddEach(files, '/');
    const traceOf = new Map<string, LoadGraph>();
    for (const f of files) {
      const theirs = listings.get(f)!;
      let ours: string;
      let graph: LoadGraph | null = null;
      try {
        graph = graphOf(f, '/', { preloadFile: true });
        ours = renderLdd(graph);
      } catch (e) {
        ours = `error: ${(e as Error).message}`;
      }
      // ldd says "not a dynamic executable" (on stderr) for files with no PT_DYNAMIC, including .o files.
      if (/not a dynamic executable/.test(theirs.stderr + theirs.stdout)) {
        notDynamic++;
        if (ours !== '' && !ours.startsWith('error:')) bad.push(`${f}: ldd says not dynamic, loadgraph printed ${JSON.stringify(ours)}`);
        continue;
      }
      compared++;
      if (ours !== theirs.stdout) bad.push(`${f}:\n--- ldd\n${theirs.stdout}--- loadgraph\n${ours}`);
      else if (graph) traceOf.set(f, graph);
    }
    // Where the lists agree, the candidates too: the first where the two lists part, or the shorter one ends.
    for (const [f, tried] of await triedByEach([...traceOf.keys()], '/')) {
      const trace = triedIn(traceOf.get(f)!);
      const n = Math.max(trace.length, tried.length);
      let at = 0;
      while (at < n && trace[at] === tried[at]) at++;
      if (at < n) bad.push(`${f}: candidate ${at}: ld.so tried ${tried[at] ?? 'nothing'}, loadgraph ${trace[at] ?? 'nothing'}`);
      traced += tried.length;
    }
    console.log(`ldd differential: ${compared} dynamically linked files compared (${notDynamic} not dynamic), ${traced} candidates tried in all, ${bad.length} mismatches`);
    for (const b of bad.slice(0, 10)) console.log(b);
    expect(compared).toBeGreaterThan(500);
    expect(bad).toEqual([]);
  }, 600_000);
});

/** class and machine of an ELF file, null when it does not decode. */
const identity = (f: string) => withFileSource(f, (src) => {
  const d = decodeElf(src);
  return d.ok ? { i386: d.image.header.class === 32 && d.image.header.machine === C.EM_386, dynamic: d.image.dynamic !== null, type: d.image.header.type } : null;
});

describe('ldd differential on this machine, i386 files (the i386 ld.so under qemu-i386)', () => {
  it('agrees with the i386 ld.so in trace mode on every dynamically linked i386 file', async (ctx) => {
    requires(ctx, condition('qemu-i386 and the i386 loader (/lib/ld-linux.so.2)', canRun32, 'npm run test:setup installs qemu-user and gcc-multilib'));
    const all = ['/usr/lib32', '/usr/libexec'].flatMap((d) => elfFilesUnder(d));
    const files = all.filter((f) => {
      const id = identity(f);
      return id?.i386 && id.dynamic && (id.type === C.ET_DYN || id.type === C.ET_EXEC);
    });
    let compared = 0;
    const bad: string[] = [];
    await pool(files, 4, async (f) => {
      const theirs = await ldd32(f, '/');
      let ours: string;
      try {
        ours = lddOf32(f, '/', { preloadFile: true });
      } catch (e) {
        ours = `error: ${(e as Error).message}`;
      }
      compared++;
      if (ours !== theirs) bad.push(`${f}:\n--- ld.so --list\n${theirs}--- loadgraph\n${ours}`);
    });
    console.log(`ldd differential (i386): ${compared} dynamically linked i386 files compared, ${bad.length} mismatches`);
    for (const b of bad.slice(0, 10)) console.log(b);
    expect(compared).toBeGreaterThan(20);
    expect(bad).toEqual([]);
  }, 900_000);
});
