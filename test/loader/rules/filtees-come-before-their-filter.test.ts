// glibc elf/dl-deps.c _dl_map_object_deps: a DT_FILTER or DT_AUXILIARY object (a filtee) goes into the
// search list and the link map just before the filter that names it — or moves there from a later place;
// one already earlier stays — and is walked next. So lookups find the filtee's definitions first, ldd lists
// it first, and constructors run in the order _dl_sort_maps makes of that list. In trace mode a filtee that
// is not found is a "not found" line; a missing auxiliary filtee is passed by when the program starts.
// Each case against the real loader: ldd's list, every binding (LD_DEBUG=bindings, bound now), the
// fixture program's own constructor order and whether it starts.
import { execa, execaSync } from 'execa';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { attribute, unusedDirect } from '../../../src/analyses/attribution.js';
import { loadTimeCode } from '../../../src/analyses/load-time.js';
import { policyFrom, runChecks } from '../../../src/analyses/check.js';
import { missingAtStart } from '../../../src/graph/traverse.js';
import { confinedFs } from '../../../src/host/confined-fs.js';
import { bindSymbols } from '../../../src/loader/bind.js';
import { renderDot } from '../../../src/report/dot.js';
import { renderLdd } from '../../../src/report/ldd.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import { differences, fromLdso, fromOurs } from '../../support/bindings.js';
import { exe, fixtureDir, ldd, lib, loadOf, rpath, traceLdso } from '../../support/fixtures.js';
import { FIXTURES, requires } from '../../support/prereq.js';

/** A library defining f() (as every one here does) and a constructor, so that its place in the init order shows. */
const source = (n: string) => `int f(void) { return 1; }\nint ${n}_fn(void) { return 1; }\n__attribute__((constructor)) static void ${n}_init(void) {}\n`;

/** Fixture libraries in one directory, found through the RPATH each carries. */
function libs(d: string, specs: Record<string, string[]>): void {
  for (const [n, args] of Object.entries(specs)) lib(d, `lib${n}.so`, { source: source(n), args: [`-L${d}`, ...args, ...rpath(d)] });
}

/** A program calling f(), linked with its needs in this order. */
const program = (d: string, needs: string[]) => exe(d, 'main', [`-L${d}`, ...needs.map((n) => `-l${n}`), ...rpath(d)], 'int f(void);\nint main(void) { return f() - 1; }\n');

/** Everything the real loader and loadgraph are compared on, for one fixture program. */
async function compare(main: string, d: string) {
  const { graph: g, images } = loadOf(main, d);
  const path = new Map(g.objects.map((o) => [o.id, o.path]));
  const bound = bindSymbols(confinedFs('/'), g, images, { bindNow: true });
  const trace = await traceLdso(main, d, { LD_WARN: 'yes', LD_BIND_NOW: 'yes', LD_DEBUG: 'bindings' });
  const run = await execa(main, [], { cwd: d, extendEnv: false, env: { LD_DEBUG: 'libs' }, reject: false });
  const interp = g.objects.find((o) => o.kind === 'interp')!.path;
  const byId = new Map(g.objects.map((o) => [o.id, o]));
  const inits = [...new Set(loadTimeCode(g, bound, false).runOrder.filter((s) => s.phase === 'init' && byId.get(s.object)!.kind === 'library').map((s) => byId.get(s.object)!.path))];
  return {
    lddTheirs: (await ldd(main, d)).stdout,
    lddOurs: renderLdd(g),
    bindings: differences(main, fromLdso(trace.stderr), fromOurs(bound.bindings, (id) => path.get(id) ?? null)),
    fDefinedIn: [...trace.stderr.matchAll(/binding file \S*main \[0\] to (\S+) \[0\]: normal symbol `f'/g)].map((m) => m[1]),
    initsTheirs: [...run.stderr.matchAll(/calling init: (\S+)/g)].map((m) => m[1]!).filter((p) => p !== interp && !p.includes('/libc.so')),
    initsOurs: inits.filter((p) => !p!.includes('/libc.so')),
    starts: run.exitCode === 0,
    startsOurs: !g.fatal && missingAtStart(g).length === 0,
  };
}

describe('filtees-come-before-their-filter', () => {
  it('a new filtee goes before its filter, and its own needs after everything mapped so far', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    libs(d, { fdep: [], filtee: ['-lfdep'], other: [], filter: ['-Wl,--filter=libfiltee.so'] });
    const r = await compare(program(d, ['filter', 'other']), d);
    expect(r.lddOurs).toBe(r.lddTheirs);
    expect(r.lddOurs.split('\n').map((l) => l.trim().split(' ')[0])).toEqual(['linux-vdso.so.1', 'libfiltee.so', 'libfilter.so', 'libother.so', 'libc.so.6', 'libfdep.so', '/lib64/ld-linux-x86-64.so.2', '']);
    expect(r.bindings).toEqual([]);
    expect(r.fDefinedIn).toEqual([`${d}/libfiltee.so`]);
    expect(r.initsOurs).toEqual(r.initsTheirs);
    expect(r.initsOurs.length).toBe(4);
    expect([r.starts, r.startsOurs]).toEqual([true, true]);
  });

  it('auxiliary filtees: a missing one is listed "not found", one that is no ELF file not at all, both passed by at start; a found one goes before its filter', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    libs(d, { fdep: [], filtee: ['-lfdep'], other: [], aux: ['-Wl,--auxiliary=libnope.so', '-Wl,--auxiliary=libbad.so', '-Wl,--auxiliary=libfiltee.so'] });
    writeFileSync(`${d}/libbad.so`, 'not an ELF file\n');
    const r = await compare(program(d, ['aux', 'other']), d);
    expect(r.lddOurs).toBe(r.lddTheirs);
    expect(r.lddOurs).toMatch(/^\tlinux-vdso\.so\.1\n\tlibnope\.so => not found\n\tlibfiltee\.so => \S+\n\tlibaux\.so => /);
    // Shown as passed by, not as an error, in every picture.
    const g = loadOf(`${d}/main`, d).graph;
    expect(renderDot(g)).toContain('[label="libnope.so (not found, passed by at start)", style="dashed"]');
    expect(renderMarkdown(g)).toContain('| `libnope.so` | not found (auxiliary filter, passed by at start) |');
    expect(r.bindings).toEqual([]);
    expect(r.fDefinedIn).toEqual([`${d}/libfiltee.so`]);
    expect(r.initsOurs).toEqual(r.initsTheirs);
    expect([r.starts, r.startsOurs]).toEqual([true, true]);
  });

  it('a filtee already on the list after its filter moves before it; one already before stays', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    libs(d, { late: [], other: [], mover: ['-Wl,--filter=liblate.so', '-llate'], filtee: [], filter: ['-Wl,--filter=libfiltee.so'] });
    const moved = await compare(program(d, ['other', 'mover', 'late']), d);
    expect(moved.lddOurs).toBe(moved.lddTheirs);
    expect(moved.lddOurs).toMatch(/\tlibother\.so => \S+\n\tliblate\.so => \S+\n\tlibmover\.so => /);
    expect(moved.bindings).toEqual([]);
    expect(moved.initsOurs).toEqual(moved.initsTheirs);
    const stays = await compare(program(d, ['filtee', 'other', 'filter']), d);
    expect(stays.lddOurs).toBe(stays.lddTheirs);
    expect(stays.lddOurs).toMatch(/\tlibfiltee\.so => \S+\n\tlibother\.so => \S+\n\tlibfilter\.so => /);
    expect(stays.bindings).toEqual([]);
    expect(stays.initsOurs).toEqual(stays.initsTheirs);
  });

  it('a missing DT_FILTER filtee is a "not found" line before its filter, and the program does not start', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    libs(d, { gone: [], filter: ['-Wl,--filter=libgone.so'] });
    const main = program(d, ['filter']);
    execaSync('rm', [`${d}/libgone.so`]);
    const r = await compare(main, d);
    expect(r.lddOurs).toBe(r.lddTheirs);
    expect(r.lddOurs).toMatch(/^\tlinux-vdso\.so\.1\n\tlibgone\.so => not found\n\tlibfilter\.so => /);
    expect([r.starts, r.startsOurs]).toEqual([false, false]);
  });
});

describe('filters that name each other', () => {
  it('a filter of itself is already on the list; filters in a chain are each walked once', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    libs(d, { self: ['-Wl,--filter=libself.so'], x: [], y: ['-Wl,--filter=libx.so', '-lx'], z: ['-Wl,--filter=liby.so', '-Wl,--filter=libx.so'] });
    for (const needs of [['self'], ['z', 'x', 'y']]) {
      const r = await compare(program(d, needs), d);
      expect(r.lddOurs).toBe(r.lddTheirs);
      expect(r.bindings).toEqual([]);
      expect([r.starts, r.startsOurs]).toEqual([true, true]);
    }
  });

  it('two filters that are each other\'s filtee: ld.so runs out of stack (SIGSEGV, ldd prints nothing); loadgraph says so instead of walking on', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    // Linked in two steps: libcb must exist before libca names it, and is then rebuilt to name libca.
    libs(d, { cb: [] });
    libs(d, { ca: ['-Wl,--filter=libcb.so'] });
    libs(d, { cb: ['-Wl,--filter=libca.so'] });
    const main = program(d, ['ca']);
    const real = await traceLdso(main, d);
    expect(real.signal).toBe('SIGSEGV');
    const g = loadOf(main, d).graph;
    expect(g.fatal).toMatchObject({ stage: 'abort', message: expect.stringMatching(/libca\.so: its filtee \S+libcb\.so is a filter that leads back to it: .*SIGSEGV/) });
    expect(renderLdd(g)).toBe(real.stdout);
  });
});

describe('what a program uses through a filter', () => {
  it('a need of a filter whose filtee provides what the program binds: unused as ldd -u counts it, but no LG103 note, and the filtee\'s symbols on the edge', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    libs(d, { filtee: [], filter: ['-Wl,--filter=libfiltee.so'], idle: [] });
    const main = program(d, ['filter', 'idle']);
    const { graph: g, images } = loadOf(main, d);
    const a = attribute(g, bindSymbols(confinedFs('/'), g, images));
    const id = (n: string) => g.objects.find((o) => o.name === n)!.id;
    const lddU = (await execa('ldd', ['-u', main], { cwd: d, reject: false, extendEnv: false, env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } })).stdout;
    expect(unusedDirect(g, a).map((x) => g.objects.find((o) => o.id === x)!.path)).toEqual(lddU.split('\n').filter((l) => l.startsWith('\t')).map((l) => l.trim()));
    expect(unusedDirect(g, a)).toEqual([id('libfilter.so'), id('libidle.so')]);
    expect(a.edges.find((u) => u.to === id('libfilter.so'))!.filtees).toEqual([{ to: id('libfiltee.so'), symbols: [{ name: 'f', version: null, kind: 'function' }] }]);
    expect(a.indirect.filter((x) => x.to === id('libfiltee.so'))).toEqual([]);
    const notes = runChecks(g, new Map(), a, policyFrom({})).filter((f) => f.rule === 'LG103').map((f) => f.message);
    expect(notes).toEqual([`main needs libidle.so but uses nothing from it`]);
  });
});
