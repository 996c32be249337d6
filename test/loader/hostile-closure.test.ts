// Hostile libraries in a closure: a seeded mutation sweep over a real library that a program needs.
// The loader, the binder and the load-time analysis give a graph (with diagnostics or a fatal verdict
// where ld.so would stop) — never an exception, a hang or a runaway read.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { loadTimeCode } from '../../src/analyses/load-time.js';
import { bindSymbols } from '../../src/loader/bind.js';
import { buildLoadGraph } from '../../src/loader/load.js';
import { buildElf } from '../support/elf-writer.js';
import { memoryFs } from '../support/memory-fs.js';
import { rng } from '../support/rng.js';

const LIBS = ['/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libacl.so.1', '/lib/x86_64-linux-gnu/libattr.so.1'].filter(existsSync);

describe.skipIf(LIBS.length === 0)('a hostile library in the closure', () => {
  it('1,500 mutated libraries: always a result, quickly', () => {
    const rand = rng(0xbad);
    const prog = buildElf({ type: C.ET_EXEC, interp: '/lib64/ld-linux-x86-64.so.2', needed: ['libvictim.so.1'], symbols: [{ name: 'inflate', shndx: 0 }, { name: 'acl_get_file', shndx: 0 }, { name: 'getxattr', shndx: 0 }],
      // References into the victim, so that every lookup walks its (mutated) hash tables and versions.
      rela: [{ offset: 0x18, sym: 2, type: C.R_X86_64_GLOB_DAT }, { offset: 0x20, sym: 3, type: C.R_X86_64_64 }],
      jmprel: [{ offset: 0x10, sym: 1, type: C.R_X86_64_JUMP_SLOT }] });
    const interp = buildElf({ soname: 'ld-linux-x86-64.so.2' });
    let results = 0, fatal = 0, bound = 0, slowest = 0;
    for (let i = 0; i < 1500; i++) {
      const base = new Uint8Array(readFileSync(LIBS[i % LIBS.length]!));
      const lib = base.slice();
      const v = new DataView(lib.buffer);
      for (let k = 0, n = 1 + Math.floor(rand() * 8); k < n; k++) {
        const at = (rand() < 0.7 ? Math.floor(rand() * Math.min(lib.length, 8192)) : Math.floor(rand() * lib.length)) & ~3;
        if (at + 4 <= lib.length) v.setUint32(at, [0, 1, 0xffffffff, 0x7fffffff, lib.length, rand() * 2 ** 32][Math.floor(rand() * 6)]! >>> 0, true);
      }
      const fs = memoryFs(new Map([
        ['/usr/bin/prog', prog],
        ['/lib64/ld-linux-x86-64.so.2', interp],
        ['/lib/x86_64-linux-gnu/libvictim.so.1', rand() < 0.1 ? lib.subarray(0, Math.floor(rand() * lib.length)) : lib],
      ]));
      const t0 = performance.now();
      const r = buildLoadGraph(fs, '/usr/bin/prog', { root: '/mem' });
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      if (r.graph.fatal) fatal++;
      else {
        const b = bindSymbols(fs, r.graph, r.images, { bindNow: true });
        bound += b.bindings.filter((x) => x.to !== null).length;
        const lt = loadTimeCode(r.graph, b, true);
        expect(() => JSON.stringify({ ...r.graph, loadTime: lt })).not.toThrow();
      }
      results++;
      slowest = Math.max(slowest, performance.now() - t0);
    }
    console.log(`hostile closure: ${results} graphs (${fatal} where ld.so would stop), ${bound} bindings made, slowest ${slowest.toFixed(0)} ms`);
    expect(results).toBe(1500);
    expect(bound).toBeGreaterThan(500);
    expect(slowest).toBeLessThan(1000);
  }, 300_000);
});
