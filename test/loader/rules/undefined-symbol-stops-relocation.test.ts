// glibc 2.36 elf/dl-lookup.c _dl_lookup_symbol_x: a strong reference that no object of its scope defines is
// "undefined symbol", fatal at start ("symbol lookup error") for every relocation processed then — data
// references always, PLT slots only under BIND_NOW (lazy ones fail at the first call); a weak one is 0.
// Relocation goes object by object, so the first failure is the first such reference in relocation order.
// Fixtures built with cc against a library that has the symbols, run against one that lacks them; the oracle
// is ld.so relocating in trace mode (LD_WARN=yes, as `ldd -d`; with LD_BIND_NOW=yes, as `ldd -r`), which
// reports every failure in order instead of stopping. Only binding every reference finds these: the JSON,
// check, why and diff do; the default tree binds only what it shows.
import { execaSync } from 'execa';
import { writeFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { analyse } from '../../../src/pipeline.js';
import { runCli } from '../../support/cli.js';
import * as C from '../../../src/elf/constants.js';
import { fixtureDir, lib, patchDynamic, traceLdso } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

/** ld.so's "undefined symbol" reports, in order, relocating in trace mode (nothing runs). */
async function theirUndefined(main: string, bindNow: boolean): Promise<string[]> {
  const r = await traceLdso(main, '/', { LD_WARN: 'yes', ...(bindNow ? { LD_BIND_NOW: 'yes' } : {}) });
  return `${r.stdout}\n${r.stderr}`.split('\n').flatMap((l) => /^\s*undefined symbol: (\S+)\s+\((.*)\)$/.exec(l)?.slice(1, 3).join(' in ') ?? []);
}

/**
 * liba.so (a_data, a_lib, a_fn) and libb.so (needing liba, using a_lib) built in `have/`, again without
 * liba's three in `lack/`; the program uses a_data (a copy relocation), a_fn and b_data, weakly w_data,
 * and runs with `lack/`.
 */
function fixture(programFlags: string[] = []) {
  const d = fixtureDir();
  for (const [dir, a] of [['have', 'int a_data = 1, a_lib = 2;\nint a_fn(void) { return 2; }\n'], ['lack', 'int a_other = 1;\n']] as const) {
    lib(d, `${dir}/liba.so`, { source: a });
    lib(d, `${dir}/libb.so`, { source: 'extern int a_lib;\nint b_data = 3;\nint b_use(void) { return a_lib; }\n', args: [`-L${d}/${dir}`, '-la'] });
  }
  writeFileSync(`${d}/main.c`, 'extern int a_data, b_data;\nextern int w_data __attribute__((weak));\nint a_fn(void);\nint main(void) { return a_data + b_data + a_fn() + (&w_data ? 1 : 0); }\n');
  execaSync('cc', ['-o', `${d}/main`, `${d}/main.c`, `-L${d}/have`, '-la', '-lb', `-Wl,-rpath,${d}/lack`, ...programFlags]);
  return { d, main: `${d}/main` };
}

describe('undefined-symbol-stops-relocation', () => {
  beforeEach((ctx) => requires(ctx, FIXTURES));

  it('a data reference nothing defines: fatal at relocation, the first in relocation order (libb is relocated before the program)', async () => {
    const { d, main } = fixture();
    // Lazy binding: the PLT slot of a_fn is not looked up at start.
    expect(await theirUndefined(main, false)).toEqual([`a_lib in ${d}/lack/libb.so`, `a_data in ${main}`]);
    const r = await analyse(main);
    expect(r.fatal).toEqual({ stage: 'relocation', object: r.objects.find((o) => o.name === 'libb.so')!.id, message: `symbol lookup error: ${d}/lack/libb.so: undefined symbol: a_lib` });
    // w_data is weak: bound to nothing, no failure.
    expect(r.edgeUse).toBeDefined();

    const json = await runCli(['--format', 'json', main]);
    expect([json.code, JSON.parse(json.stdout).fatal.stage]).toEqual([1, 'relocation']);
    const check = JSON.parse((await runCli(['check', '--format', 'json', main])).stdout).programs[0].findings;
    expect(check.filter((f: { rule: string }) => f.rule === 'LG108' || f.rule === 'LG013').map((f: { rule: string; message: string }) => `${f.rule} ${f.message}`))
      .toEqual([`LG108 cannot start: symbol lookup error: ${d}/lack/libb.so: undefined symbol: a_lib`]);
    // ldd (no relocation) lists the objects as usual.
    expect((await runCli(['--format', 'ldd', main])).code).toBe(0);
  });

  it('under BIND_NOW the PLT slot counts too; with every symbol defined, nothing', async () => {
    const { d, main } = fixture(['-Wl,-z,now']);
    expect(await theirUndefined(main, false)).toEqual([`a_lib in ${d}/lack/libb.so`, `a_data in ${main}`, `a_fn in ${main}`]);
    expect((await analyse(main)).fatal?.message).toBe(`symbol lookup error: ${d}/lack/libb.so: undefined symbol: a_lib`);

    const good = fixture();
    execaSync('cc', ['-o', good.main, `${good.d}/main.c`, `-L${good.d}/have`, '-la', '-lb', `-Wl,-rpath,${good.d}/have`]);
    expect(await theirUndefined(good.main, true)).toEqual([]);
    expect((await analyse(good.main)).fatal).toBeNull();
  });

  it('names past DT_STRSZ are read as ld.so reads them: with DT_STRSZ at 0 or missing, every symbol is still found', async () => {
    for (const value of [0, 'drop'] as const) {
      const good = fixture();
      execaSync('cc', ['-o', good.main, `${good.d}/main.c`, `-L${good.d}/have`, '-la', '-lb', `-Wl,-rpath,${good.d}/have`]);
      patchDynamic(good.main, C.DT_STRSZ, value);
      expect(await theirUndefined(good.main, true)).toEqual([]);
      expect((await analyse(good.main)).fatal).toBeNull();
    }
  });
});
