// A static executable's IFUNC resolvers, applied by libc's static start-up code from .rela.iplt (found
// through __rela_iplt_start/__rela_iplt_end, or the section when the symbols are stripped): the same
// entries readelf lists, labelled with how they were found.
import { execaSync } from 'execa';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { requires, setupProvides } from '../support/prereq.js';
import { describeObject } from '../../src/elf/facts.js';
import { bytesSource } from '../../src/elf/source.js';
import { runCli } from '../support/cli.js';
import { stripSectionHeaders } from '../support/elf-writer.js';
import { hasReadelf, readelf } from '../support/readelf.js';

const dir = mkdtempSync(join(tmpdir(), 'loadgraph-static-'));
const staticExe = (() => {
  try {
    writeFileSync(join(dir, 's.c'), '#include <string.h>\nint main(int c, char **v) { return (int)strlen(v[0]) + c; }\n');
    execaSync('cc', ['-static', '-O1', '-o', join(dir, 'static'), join(dir, 's.c')]);
    return join(dir, 'static');
  } catch {
    return null;
  }
})();
const readelfPresent = await hasReadelf();
if (!staticExe) console.log('static IRELATIVE: SKIPPED — cc -static failed (npm run test:setup installs gcc and libc6-dev with libc.a)');

const facts = (bytes: Uint8Array) => {
  const r = describeObject(bytesSource(bytes), 'x');
  if (!r.ok) throw new Error(r.error.message);
  return r.facts;
};
const ireladdends = async (path: string) => {
  const re = await readelf(path);
  return Object.entries(re.relocationCounts).filter(([k]) => /IRELATIVE/.test(k)).reduce((n, [, c]) => n + c, 0);
};

describe('static executables', () => {
  beforeEach((ctx) => requires(ctx, setupProvides('a static executable built with cc -static (libc6-dev) and readelf (binutils)', !(!staticExe || !readelfPresent))));
  it('every .rela.iplt IRELATIVE entry readelf lists is a resolver, found through __rela_iplt_start/__rela_iplt_end', async () => {
    const f = facts(new Uint8Array(readFileSync(staticExe!)));
    const n = await ireladdends(staticExe!);
    expect(n).toBeGreaterThan(0);
    expect(f.irelativeResolvers).toHaveLength(n);
    expect(new Set(f.irelativeResolvers.map((r) => r.via))).toEqual(new Set(['static start-up: __rela_iplt_start..__rela_iplt_end']));
    expect(f.irelativeResolvers.some((r) => r.name === 'strlen' || /strlen/.test(r.name ?? ''))).toBe(true);
  });

  it('stripped of its symbols, the section stands in', async () => {
    const stripped = join(dir, 'stripped');
    copyFileSync(staticExe!, stripped);
    execaSync('strip', ['--strip-all', stripped]);
    const f = facts(new Uint8Array(readFileSync(stripped)));
    expect(f.irelativeResolvers).toHaveLength(await ireladdends(stripped));
    // GNU ld places .rela.iplt in the output section .rela.plt (x86-64) or .rel.dyn (ARM).
    expect(f.irelativeResolvers[0]!.via).toMatch(/^static start-up: the \.rela?\.(i?plt|dyn) section \(symbols stripped\)$/);
  });

  it('without section headers nothing names the table: no resolvers are invented', () => {
    expect(facts(stripSectionHeaders(new Uint8Array(readFileSync(staticExe!)))).irelativeResolvers).toEqual([]);
  });

  it('the tree and JSON report them as load-time code of the program, with the static start-up label', async () => {
    const tree = await runCli([staticExe!]);
    expect(tree.stdout).toMatch(/1 of 1 objects run their own code before main: 1 with IFUNC resolvers/);
    const g = JSON.parse((await runCli([staticExe!, '--format', 'json'])).stdout);
    const calls = g.loadTime.objects[0].ifunc;
    expect(calls.length).toBe(await ireladdends(staticExe!));
    expect(calls[0].via).toMatch(/IRELATIVE \(static start-up: __rela_iplt_start\.\.__rela_iplt_end\)/);
    const inspect = await runCli(['inspect', staticExe!]);
    expect(inspect.stdout).toMatch(/resolvers run through IRELATIVE, applied by libc's static start-up/);
  });
});
