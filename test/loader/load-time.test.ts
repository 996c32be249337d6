// Load-time code on fixtures compiled at test time: IFUNC resolvers through IRELATIVE and through a
// library's own PLT (eager under -z now, at first call without), real constructors against toolchain
// entries, -z initfirst, DT_AUDIT; and constructor order checked against the fixture program's own
// LD_DEBUG=libs "calling init" lines.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { loadTimeCode, type LoadTimeCode } from '../../src/analyses/load-time.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import { bindSymbols } from '../../src/loader/bind.js';
import type { LoadGraph } from '../../src/graph/model.js';
import { exe, fixtureDir, lib, loadOf, rpath } from '../support/fixtures.js';
import { FIXTURES, requires } from '../support/prereq.js';

const PLT = (n: string) => `static int impl(void) { return 2; }
static void *resolve_${n}(void) { return (void *)impl; }
int ${n}(void) __attribute__((ifunc("resolve_${n}")));
int call_${n}(void) { return ${n}(); }\n`;
const IREL = `static int impl(void) { return 1; }
static void *resolve_foo(void) { return (void *)impl; }
static int foo(void) __attribute__((ifunc("resolve_foo")));
int call_foo(void) { return foo(); }\n`;
const TWO_CTORS = `__attribute__((constructor)) static void first(void) {}
__attribute__((constructor)) static void second(void) {}
int two(void) { return 2; }\n`;
const ONE_CTOR = (n: string) => `__attribute__((constructor)) static void ctor_${n}(void) {}\nint f_${n}(void) { return 1; }\n`;

function analyse(file: string, cwd: string, bindNow = false): { g: LoadGraph; lt: LoadTimeCode; id: (name: string) => number } {
  const { graph: g, images } = loadOf(file, cwd);
  const lt = loadTimeCode(g, bindSymbols(confinedFs('/'), g, images, bindNow ? { bindNow } : {}), bindNow);
  return { g, lt, id: (name) => g.objects.find((o) => o.name === name || o.soname === name)!.id };
}
const of = (lt: LoadTimeCode, id: number) => lt.objects.find((o) => o.id === id)!;

describe('load-time code', () => {
  it('finds an IFUNC resolver reached through IRELATIVE and names it', (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'libirel.so', { source: IREL });
    const main = exe(d, 'main', [`-L${d}`, '-l:libirel.so', ...rpath(d)]);
    const { lt, id } = analyse(main, d);
    expect(of(lt, id('libirel.so')).ifunc).toEqual([expect.objectContaining({ name: 'resolve_foo', via: 'R_X86_64_IRELATIVE', phase: 'load', calledBy: id('libirel.so') })]);
    expect(lt.runOrder.find((s) => s.phase === 'relocation' && s.object === id('libirel.so'))).toEqual({ phase: 'relocation', object: id('libirel.so'), ifunc: 1 });
  });

  it('an IFUNC called through the library\'s own PLT runs at load under -z now, and at first call without', (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'libnow.so', { source: PLT('bar'), args: ['-Wl,-z,now'] });
    lib(d, 'liblazy.so', { source: PLT('baz'), args: ['-Wl,-z,lazy'] });
    const main = exe(d, 'main', [`-L${d}`, '-l:libnow.so', '-l:liblazy.so', ...rpath(d), '-Wl,-z,lazy']);
    const { lt, id } = analyse(main, d);
    expect(of(lt, id('libnow.so')).ifunc).toEqual([expect.objectContaining({ name: 'bar', via: 'R_X86_64_JUMP_SLOT', phase: 'load', calledBy: id('libnow.so') })]);
    expect(of(lt, id('liblazy.so')).ifunc).toEqual([expect.objectContaining({ name: 'baz', phase: 'first-call', calledBy: id('liblazy.so') })]);
    expect(of(lt, id('liblazy.so')).ifuncAtLoad).toBe(0);
    // LD_BIND_NOW makes every slot eager.
    expect(of(analyse(main, d, true).lt, id('liblazy.so')).ifuncAtLoad).toBe(1);
  });

  it('tells real constructors from the toolchain\'s frame_dummy and _init', (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'libtwo.so', { source: TWO_CTORS });
    lib(d, 'libplain.so');
    const main = exe(d, 'main', [`-L${d}`, '-l:libtwo.so', '-l:libplain.so', ...rpath(d)]);
    const { lt, id } = analyse(main, d);
    const two = of(lt, id('libtwo.so'));
    expect(two.realConstructors).toBe(2);
    expect(two.constructors.map((c) => [c.kind, c.classification, c.name])).toEqual([
      ['DT_INIT', 'toolchain', '_init'], ['DT_INIT_ARRAY', 'toolchain', 'frame_dummy'], ['DT_INIT_ARRAY', 'real', 'first'], ['DT_INIT_ARRAY', 'real', 'second'],
    ]);
    const plain = of(lt, id('libplain.so'));
    expect(plain.realConstructors).toBe(0);
    expect(plain.constructors.every((c) => c.classification === 'toolchain')).toBe(true);
  });

  it('runs a -z initfirst library\'s constructors first, and reports DT_AUDIT', (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'libfirst.so', { source: ONE_CTOR('first'), args: ['-Wl,-z,initfirst'] });
    lib(d, 'libaud.so');
    const main = exe(d, 'main', [`-L${d}`, '-l:libfirst.so', ...rpath(d), `-Wl,--audit=${d}/libaud.so`]);
    const { lt, id, g } = analyse(main, d);
    expect(of(lt, id('libfirst.so')).initFirst).toBe(true);
    expect(lt.runOrder.find((s) => s.phase === 'init')).toMatchObject({ object: id('libfirst.so') });
    expect(of(lt, g.objects.find((o) => o.kind === 'program')!.id).audit).toEqual([`${d}/libaud.so`]);
  });

  it('orders constructors as the fixture program itself reports them (LD_DEBUG=libs)', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'libc1.so', { source: ONE_CTOR('c1') });
    lib(d, 'libb1.so', { source: ONE_CTOR('b1'), args: [`-L${d}`, '-l:libc1.so'] });
    lib(d, 'liba1.so', { source: ONE_CTOR('a1'), args: [`-L${d}`, '-l:libb1.so', '-l:libc1.so'] });
    lib(d, 'libd1.so', { source: ONE_CTOR('d1'), args: [`-L${d}`, '-l:libc1.so'] });
    const main = exe(d, 'main', [`-L${d}`, '-l:libd1.so', '-l:liba1.so', ...rpath(d)]);
    const run = await execa(main, [], { extendEnv: false, env: { LD_DEBUG: 'libs' }, reject: false });
    const { g, lt } = analyse(main, d);
    const byId = new Map(g.objects.map((o) => [o.id, o]));
    const interp = g.objects.find((o) => o.kind === 'interp')!.path;
    // ld.so announces its own map although it has no DT_INIT or DT_INIT_ARRAY: nothing of it runs there.
    const theirs = [...run.stderr.matchAll(/calling init: (.*)/g)].map((m) => m[1]!.trim()).filter((p) => p !== interp);
    const mine = [...new Set(lt.runOrder.filter((s) => s.phase === 'init' && byId.get(s.object)!.kind !== 'program').map((s) => byId.get(s.object)!.path))];
    expect(theirs.length).toBeGreaterThan(4);
    expect(mine).toEqual(theirs);
  });
});
