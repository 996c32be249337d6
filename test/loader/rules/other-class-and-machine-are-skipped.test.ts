// glibc dl-load.c open_verify: a candidate of another ELF class or e_machine is skipped and the search goes on.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exe, fixtureDir, graphOf, ldd, lddOf, lib } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

describe('other-class-and-machine-are-skipped', () => {
  it.for([
    ['wrong class', (b: Buffer) => { b[4] = 1; }, 'wrong-class'],
    ['wrong machine', (b: Buffer) => { b.writeUInt16LE(183, 18); }, 'wrong-machine'],
  ] as const)('%s earlier in LD_LIBRARY_PATH', async ([, patch, outcome], ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    const real = lib(d, 'good/liba.so.1');
    mkdirSync(`${d}/bad`);
    const b = readFileSync(real);
    patch(b);
    writeFileSync(`${d}/bad/liba.so.1`, b);
    copyFileSync(real, `${d}/liba-link-time.so`);
    const main = exe(d, 'main', [`-L${d}/good`, '-l:liba.so.1']);
    const lp = `${d}/bad:${d}/good`;
    const g = graphOf(main, d, { libraryPath: lp });
    const e = g.edges.find((x) => x.name === 'liba.so.1')!;
    expect(e.reason).toEqual({ kind: 'LD_LIBRARY_PATH' });
    expect(e.trace.find((c) => c.path === `${d}/bad/liba.so.1`)?.outcome).toBe(outcome);
    expect(lddOf(main, d, { libraryPath: lp })).toBe((await ldd(main, d, { LD_LIBRARY_PATH: lp })).stdout);
  });
});
