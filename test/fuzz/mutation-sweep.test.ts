// The mutation sweep as properties: over seeded mutations of one object of a closure, no value of any
// result is NaN, Infinity or undefined, and no command crashes or prints such a value. The first part
// needs no sysroot (a written program and this machine's libraries); the second is a small seeded run
// of the `npm run fuzz` campaign (scripts/fuzz-core.mjs) on a Debian sysroot's real closure.
import { existsSync, readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { requires, setupProvides } from '../support/prereq.js';
import { loadTimeCode } from '../../src/analyses/load-time.js';
import { run } from '../../src/cli/run.js';
import * as C from '../../src/elf/constants.js';
import { describeObject } from '../../src/elf/facts.js';
import { resetWideValues } from '../../src/elf/kit.js';
import { bytesSource } from '../../src/elf/source.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import { withFileSource } from '../../src/host/file-source.js';
import { bindSymbols } from '../../src/loader/bind.js';
import { buildLoadGraph } from '../../src/loader/load.js';
import { harness, mutate, rng } from '../../scripts/fuzz-core.mjs';
import { hasSysroot, sysroot } from '../support/corpus.js';
import { buildElf } from '../support/elf-writer.js';
import { memoryFs } from '../support/memory-fs.js';

/** Every path in `x` whose value is NaN, ±Infinity or undefined (or a string showing one). */
export function badValues(x: unknown, path = '$', out: string[] = [], seen = new Set<unknown>()): string[] {
  if (x === undefined) out.push(`${path}: undefined`);
  else if (typeof x === 'number' && !Number.isFinite(x)) out.push(`${path}: ${x}`);
  else if (typeof x === 'string' && /NaN|Infinity|\bundefined\b/.test(x)) out.push(`${path}: "${x.slice(0, 120)}"`);
  else if (typeof x === 'object' && x !== null && !seen.has(x) && !(x instanceof Uint8Array) && !(x instanceof DataView)) {
    seen.add(x);
    if (x instanceof Map) for (const [k, v] of x) badValues(v, `${path}.get(${String(k)})`, out, seen);
    else for (const [k, v] of Object.entries(x)) badValues(v, `${path}.${k}`, out, seen);
  }
  return out;
}

const LIBS = ['/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libacl.so.1', '/lib/x86_64-linux-gnu/libselinux.so.1'].filter(existsSync);
if (LIBS.length === 0) console.log('mutation sweep: property part SKIPPED — none of libz, libacl, libselinux in /lib/x86_64-linux-gnu');

describe('no NaN, Infinity or undefined in any field, over the mutation sweep', () => {
  beforeEach((ctx) => requires(ctx, setupProvides('real libraries for the mutation sweep', !(LIBS.length === 0))));
  it('400 mutated closures: graph, bindings, load-time code and the object\'s facts', () => {
    const r = rng(0x13);
    const prog = buildElf({ type: C.ET_EXEC, interp: '/lib64/ld-linux-x86-64.so.2', needed: ['libvictim.so.1'],
      symbols: [{ name: 'inflate', shndx: 0 }, { name: 'acl_get_file', shndx: 0 }, { name: 'is_selinux_enabled', shndx: 0 }],
      rela: [{ offset: 0x18, sym: 2, type: C.R_X86_64_GLOB_DAT }], jmprel: [{ offset: 0x10, sym: 1, type: C.R_X86_64_JUMP_SLOT }] });
    const interp = buildElf({ soname: 'ld-linux-x86-64.so.2' });
    const bad: string[] = [];
    for (let i = 0; i < 400; i++) {
      resetWideValues();
      // The program itself is the mutated object in one case of four.
      const victimIsProgram = r() < 0.25;
      const original = victimIsProgram ? prog : new Uint8Array(readFileSync(LIBS[i % LIBS.length]!));
      const m = mutate(original, r).bytes;
      const fs = memoryFs(new Map([
        ['/usr/bin/prog', victimIsProgram ? m : prog],
        ['/lib64/ld-linux-x86-64.so.2', interp],
        ['/lib/x86_64-linux-gnu/libvictim.so.1', victimIsProgram ? new Uint8Array(readFileSync(LIBS[0]!)) : m],
      ]));
      const g = buildLoadGraph(fs, '/usr/bin/prog', { root: '/mem' });
      const facts = describeObject(bytesSource(m), 'victim');
      const results: Record<string, unknown> = { facts };
      if (g.ok) {
        results.graph = g.graph;
        if (!g.graph.fatal) {
          const b = bindSymbols(fs, g.graph, g.images, { bindNow: true });
          results.bindings = b.bindings;
          results.loadTime = loadTimeCode(g.graph, b, true);
        }
      } else results.message = g.message;
      for (const x of badValues(results)) bad.push(`case ${i}: ${x}`);
    }
    expect(bad.slice(0, 10)).toEqual([]);
  }, 300_000);

  it('the checker itself finds what it must', () => {
    expect(badValues({ a: [1, NaN], b: { c: undefined }, d: 'at 0xNaN', e: Infinity })).toEqual(['$.a.1: NaN', '$.b.c: undefined', '$.d: "at 0xNaN"', '$.e: Infinity']);
  });
});

const ROOT = hasSysroot('amd64') ? sysroot('amd64') : null;
if (!ROOT) console.log('mutation sweep: campaign part SKIPPED — no Debian amd64 sysroot (npm run test:setup fetches it)');

describe('a small seeded run of the fuzz campaign (npm run fuzz) on a real closure', () => {
  beforeEach((ctx) => requires(ctx, setupProvides('the Debian amd64 sysroot', ROOT !== null)));
  const h = harness({ run: run as never, confinedFs: confinedFs as never, bytesSource: bytesSource as never, withFileSource: withFileSource as never, resetWideValues },
    { root: ROOT!, program: '/usr/bin/id', library: 'libselinux.so.1' });

  it('12 cases, seed 2026, through every command: no crash, no bad exit code, no NaN/Infinity/undefined, valid JSON', async () => {
    expect((await h.closure()).length).toBeGreaterThanOrEqual(3);
    const findings: string[] = [];
    for (let i = 0; i < 12; i++) {
      const c = await h.runCase(2026, i);
      for (const f of c.findings) findings.push(`case ${i} (${c.object}: ${c.mutations.join(', ')}): ${f.command} ${f.kind} ${f.detail}`);
    }
    expect(findings).toEqual([]);
  }, 600_000);
});

describe('findings of the sweep, kept as regression fixtures', () => {
  /** `bytes` with the value of the first dynamic entry `tag` replaced (64-bit little-endian image). */
  function setDyn(bytes: Uint8Array, tag: number, value: bigint): Uint8Array {
    const out = bytes.slice();
    const v = new DataView(out.buffer);
    const phoff = Number(v.getBigUint64(32, true));
    for (let i = 0; i < v.getUint16(56, true); i++) {
      const at = phoff + i * 56;
      if (v.getUint32(at, true) !== C.PT_DYNAMIC) continue;
      for (let o = Number(v.getBigUint64(at + 8, true)); o + 16 <= out.length; o += 16) {
        if (v.getBigUint64(o, true) === BigInt(tag)) { v.setBigUint64(o + 8, value, true); return out; }
      }
    }
    throw new Error(`no dynamic tag ${tag}`);
  }

  it('seed 0x13 case 88: DT_SYMTAB outside every PT_LOAD gave a diagnostic whose offset was undefined', () => {
    const r = describeObject(bytesSource(setDyn(buildElf({ symbols: [{ name: 'f' }] }), C.DT_SYMTAB, 0x80000000n)), 'x');
    if (!r.ok) throw new Error(r.error.message);
    const d = r.facts.diagnostics.find((x) => /dynamic symbols at 0x80000000 do not fit/.test(x.message));
    expect(d).toBeDefined();
    expect(badValues(r.facts)).toEqual([]);
    expect('offset' in d!).toBe(false);
  });
});
