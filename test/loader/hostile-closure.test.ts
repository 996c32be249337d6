// Hostile libraries in a closure: a seeded mutation sweep over a real library that a program needs.
// The loader, the binder and the load-time analysis give a graph (with diagnostics or a fatal verdict
// where ld.so would stop) — never an exception, and never a runaway read: the bytes read per graph are
// bounded by the input's size (work is counted, never timed).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { loadTimeCode } from '../../src/analyses/load-time.js';
import { bindSymbols } from '../../src/loader/bind.js';
import { buildLoadGraph } from '../../src/loader/load.js';
import { buildElf } from '../support/elf-writer.js';
import { type ReadMeter, memoryFs } from '../support/memory-fs.js';
import { condition, requires } from '../support/prereq.js';
import { rng } from '../support/rng.js';

const WANTED = ['/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libacl.so.1', '/lib/x86_64-linux-gnu/libattr.so.1'];
const LIBS = WANTED.filter(existsSync);

describe('a hostile library in the closure', () => {
  it('1,500 mutated libraries: always a result, with reads bounded by the input size', (ctx) => {
    requires(ctx, condition(`real x86-64 libraries to mutate (${WANTED.join(', ')})`, LIBS.length > 0, 'apt-get install zlib1g libacl1 libattr1 (present on every Debian system)'));
    const rand = rng(0xbad);
    const prog = buildElf({ type: C.ET_EXEC, interp: '/lib64/ld-linux-x86-64.so.2', needed: ['libvictim.so.1'], symbols: [{ name: 'inflate', shndx: 0 }, { name: 'acl_get_file', shndx: 0 }, { name: 'getxattr', shndx: 0 }],
      // References into the victim, so that every lookup walks its (mutated) hash tables and versions.
      rela: [{ offset: 0x18, sym: 2, type: C.R_X86_64_GLOB_DAT }, { offset: 0x20, sym: 3, type: C.R_X86_64_64 }],
      jmprel: [{ offset: 0x10, sym: 1, type: C.R_X86_64_JUMP_SLOT }] });
    const interp = buildElf({ soname: 'ld-linux-x86-64.so.2' });
    let fatal = 0, clean = 0, bound = 0, most = 0;
    for (let i = 0; i < 1500; i++) {
      const base = new Uint8Array(readFileSync(LIBS[i % LIBS.length]!));
      const lib = base.slice();
      const v = new DataView(lib.buffer);
      for (let k = 0, n = 1 + Math.floor(rand() * 8); k < n; k++) {
        const at = (rand() < 0.7 ? Math.floor(rand() * Math.min(lib.length, 8192)) : Math.floor(rand() * lib.length)) & ~3;
        if (at + 4 <= lib.length) v.setUint32(at, [0, 1, 0xffffffff, 0x7fffffff, lib.length, rand() * 2 ** 32][Math.floor(rand() * 6)]! >>> 0, true);
      }
      const meter: ReadMeter = { bytes: 0, calls: 0 };
      const victim = rand() < 0.1 ? lib.subarray(0, Math.floor(rand() * lib.length)) : lib;
      const fs = memoryFs(new Map([
        ['/usr/bin/prog', prog],
        ['/lib64/ld-linux-x86-64.so.2', interp],
        ['/lib/x86_64-linux-gnu/libvictim.so.1', victim],
      ]), meter);
      // Bound now, as the binder below binds it (the program has no DT_PLTGOT for lazy calls).
      const r = buildLoadGraph(fs, '/usr/bin/prog', { root: '/mem', bindNow: true });
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      if (r.graph.fatal) fatal++;
      else {
        clean++;
        const b = bindSymbols(fs, r.graph, r.images, { bindNow: true });
        bound += b.bindings.filter((x) => x.to !== null).length;
        const lt = loadTimeCode(r.graph, b, true);
        expect(() => JSON.stringify({ ...r.graph, loadTime: lt })).not.toThrow();
      }
      // A hang or a table walked over and over shows up as bytes read, not as time.
      // Reading each file once is 1×; binding reads hash chains and version tables in place, never whole copies.
      const budget = 2 * (victim.length + prog.length + interp.length) + (1 << 16);
      expect(meter.bytes, `iteration ${i}`).toBeLessThanOrEqual(budget);
      most = Math.max(most, meter.bytes / budget);
    }
    console.log(`hostile closure: 1500 graphs (${fatal} where ld.so would stop, ${clean} bound), ${bound} bindings made, most read ${(most * 100).toFixed(1)}% of the budget`);
    // Both outcomes occur, so the sweep reaches the binder and the load-time analysis as well as the loader's stops.
    expect(fatal).toBeGreaterThanOrEqual(10);
    expect(clean).toBeGreaterThan(500);
    expect(bound).toBeGreaterThan(500);
  }, 300_000);
});
