// glibc dl-load.c open_path with _dl_important_hwcaps: in every search directory, glibc-hwcaps/<level>/ and
// (glibc 2.36) the legacy tls/platform/hwcap subdirectories are tried before the directory itself. Where
// the CPU is not known (a root), no level is active, and a warning names what each level would load.
import { execaSync } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { confinedFs } from '../../../src/host/confined-fs.js';
import { buildLoadGraph } from '../../../src/loader/load.js';
import { detectHostCpu } from '../../../src/host/cpu.js';
import { capabilitiesFor } from '../../../src/loader/capabilities.js';
import { presetFor } from '../../../src/loader/target.js';
import * as C from '../../../src/elf/constants.js';
import { exe, fixtureDir, graphOf, ldd, lddOf, lib } from '../../support/fixtures.js';
import { FIXTURES, LDCONFIG_ROOT, condition, requires } from '../../support/prereq.js';

const host = detectHostCpu();
const cpu = host && capabilitiesFor(presetFor({ class: 64, endian: 'little', machine: C.EM_X86_64, flags: 0 })!, host);
// _dl_important_hwcaps lists the levels most preferred first (x86-64-v4, v3, v2).
const level = () => condition('a CPU with at least one glibc-hwcaps level (x86-64-v2 or above)',
  (cpu?.hwcaps.length ?? 0) > 0, 'run the tests on an x86-64 CPU with SSE4.2 and POPCNT');

describe('hwcaps-subdirectories-come-first', () => {
  it.for([
    ['the most preferred supported glibc-hwcaps level', (): string => `glibc-hwcaps/${cpu!.hwcaps[0]}`, level()],
    ['the least preferred supported glibc-hwcaps level', (): string => `glibc-hwcaps/${cpu!.hwcaps.at(-1)}`, level()],
    ['a legacy tls subdirectory', (): string => 'tls', null],
    ['a legacy platform subdirectory', (): string => cpu!.platform, null],
  ] as const)('%s', async ([, subdir, needs], ctx) => {
    requires(ctx, FIXTURES, condition('the host CPU read from /proc/cpuinfo (x86-64)', cpu !== null, 'run the tests on x86-64 Linux'), ...(needs ? [needs] : []));
    const sub = subdir();
    expect(sub).toMatch(/^(glibc-hwcaps\/x86-64-v\d|tls|[\w-]+)$/);
    const d = fixtureDir();
    lib(d, 'lp/liba.so.1');
    lib(d, `lp/${sub}/liba.so.1`);
    const main = exe(d, 'main', [`-L${d}/lp`, '-l:liba.so.1']);
    const lp = `${d}/lp`;
    expect(graphOf(main, d, { libraryPath: lp }).objects.find((o) => o.name === 'liba.so.1')?.path).toBe(`${d}/lp/${sub}/liba.so.1`);
    const theirs = (await ldd(main, d, { LD_LIBRARY_PATH: lp })).stdout;
    expect(theirs).toContain(`${d}/lp/${sub}/liba.so.1`);
    expect(lddOf(main, d, { libraryPath: lp })).toBe(theirs);
  });

  // The warnings for a library found in DIR with variants for x86-64-v2 and x86-64-v4 beside it.
  const unknownCpu = (name: string, plain: string, dir: string) => [
    `${name}: ${plain} is for a CPU without glibc-hwcaps levels (the CPU it runs on is not known); one with x86-64-v4 loads ${dir}glibc-hwcaps/x86-64-v4/${name} (--hwcaps x86-64-v4,x86-64-v3,x86-64-v2)`,
    `${name}: ${plain} is for a CPU without glibc-hwcaps levels (the CPU it runs on is not known); one with x86-64-v2 or x86-64-v3 loads ${dir}glibc-hwcaps/x86-64-v2/${name} (--hwcaps x86-64-v2)`,
  ];

  it('a CPU that is not known (a root): the directory itself, and a warning for each level that loads another file; the real loader takes this CPU\'s', async (ctx) => {
    requires(ctx, FIXTURES, level());
    const d = fixtureDir();
    for (const sub of ['', 'glibc-hwcaps/x86-64-v2/', 'glibc-hwcaps/x86-64-v4/']) lib(d, `lp/${sub}liba.so.1`);
    const main = exe(d, 'main', [`-L${d}/lp`, '-l:liba.so.1', `-Wl,--enable-new-dtags,-rpath,${d}/lp`]);
    const g = graphOf(main, d, { cpu: null });
    expect(g.objects.find((o) => o.name === 'liba.so.1')?.path).toBe(`${d}/lp/liba.so.1`);
    const warned = unknownCpu('liba.so.1', `${d}/lp/liba.so.1`, `${d}/lp/`);
    expect(g.warnings.filter((w) => w.includes('glibc-hwcaps levels'))).toEqual(warned);
    // This CPU's best level: the warning that names it names what ld.so loads, and its --hwcaps gives the same.
    const real = /liba\.so\.1 => (\S+)/.exec((await ldd(main, d)).stdout)![1]!;
    const mine = warned.find((w) => new RegExp(`with (\\S+ or )*${cpu!.hwcaps[0]} `).test(w))!;
    expect(mine).toContain(` loads ${real} `);
    const hwcaps = /--hwcaps ([\w,-]+)\)$/.exec(mine)![1]!.split(',');
    expect(graphOf(main, d, { cpu: null, hwcaps }).objects.find((o) => o.name === 'liba.so.1')?.path).toBe(real);
    // Known (this machine, or --hwcaps): no such warning.
    expect(graphOf(main, d).warnings.filter((w) => w.includes('glibc-hwcaps levels'))).toEqual([]);
  });

  it('a CPU that is not known, a root with an ld.so.cache: the cache\'s glibc-hwcaps entries, as ldconfig wrote them', (ctx) => {
    requires(ctx, FIXTURES, LDCONFIG_ROOT);
    const root = fixtureDir();
    for (const sub of ['', 'glibc-hwcaps/x86-64-v2/', 'glibc-hwcaps/x86-64-v4/']) lib(root, `opt/lp/${sub}liba.so.1`);
    exe(root, 'usr/bin/main', [`-L${root}/opt/lp`, '-l:liba.so.1']);
    mkdirSync(`${root}/etc`);
    writeFileSync(`${root}/etc/ld.so.conf`, '/opt/lp\n');
    execaSync('ldconfig', ['-r', root]);
    const listed = execaSync('ldconfig', ['-r', root, '-p'], { env: { LC_ALL: 'C' } }).stdout;
    expect(listed).toMatch(/liba\.so\.1 \(.*hwcap: "x86-64-v4"\) => \/opt\/lp\/glibc-hwcaps\/x86-64-v4\/liba\.so\.1/);
    const r = buildLoadGraph(confinedFs(root), '/usr/bin/main', { root, cpu: null });
    if (!r.ok) throw new Error(r.message);
    const edge = r.graph.edges.find((e) => e.name === 'liba.so.1')!;
    expect([edge.reason.kind, r.graph.objects.find((o) => o.id === edge.to)?.path]).toEqual(['ld.so.cache', '/opt/lp/liba.so.1']);
    expect(r.graph.warnings.filter((w) => w.includes('glibc-hwcaps levels'))).toEqual(unknownCpu('liba.so.1', '/opt/lp/liba.so.1', '/opt/lp/'));
  });
});
