// loadgraph diff: the sample daemon pair, fixture pairs with one change each, saved-JSON round trips, and
// two Debian architectures where every reported difference is checked against readelf.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import type { DiffResult } from '../../src/analyses/diff.js';
import { sysroot } from '../support/corpus.js';
import { runCli } from '../support/cli.js';
import { exe, fixtureDir, ldd, lib, rpath, runpath } from '../support/fixtures.js';
import { objdumpClassifies } from '../support/objdump.js';
import { FIXTURES, OBJDUMP, READELF, SAMPLES, requires, sysrootOf } from '../support/prereq.js';
import { readelf } from '../support/readelf.js';

const diff = async (...args: string[]): Promise<DiffResult> => {
  const r = await runCli(['diff', '--format', 'json', ...args]);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as DiffResult;
};
const kinds = (d: DiffResult) => d.items.map((i) => i.kind);

/** The names ldd lists for a program (the real loader's closure). */
const lddNames = async (file: string) => new Set((await ldd(file, '/')).stdout.split('\n').map((l) => l.trim().split(' ')[0]!).filter(Boolean));

describe('diff of builds', () => {
  it('the sample daemon, libsystemd → native: every object that left, their code, the lost symbols, nothing else', async (ctx) => {
    requires(ctx, SAMPLES, OBJDUMP);
    const d = fixtureDir();
    execaSync('bash', [join(import.meta.dirname, '../../samples/build.sh'), d]);
    const r = await diff(`${d}/demo-libsystemd`, `${d}/demo-native`);
    const left = r.items.filter((i) => i.kind === 'object-left');
    // What left is what ldd lists for the libsystemd build and not for the native one (this machine's libsystemd).
    const [before, after] = [await lddNames(`${d}/demo-libsystemd`), await lddNames(`${d}/demo-native`)];
    const gone = [...before].filter((n) => !after.has(n)).sort();
    expect(gone).toContain('liblzma.so.5');
    expect(left.map((i) => i.subject).sort()).toEqual(gone);
    for (const i of left) expect(i.evidence).toContain('lost edge demo-libsystemd → libsystemd.so.0, used for sd_listen_fds, sd_notify');
    // The objects with a real constructor among them, as objdump's disassembly of every slot's target says.
    const g = JSON.parse((await runCli(['--format', 'json', `${d}/demo-libsystemd`])).stdout);
    const realByObjdump: string[] = [];
    for (const o of g.objects.filter((x: { soname: string | null }) => gone.includes(x.soname ?? ''))) {
      const ctors = g.loadTime.objects.find((x: { id: number }) => x.id === o.id).constructors as Array<{ address: number }>;
      const kinds = await Promise.all(ctors.map((c) => objdumpClassifies(o.realPath, c.address)));
      if (kinds.includes('real')) realByObjdump.push(o.soname);
    }
    const withCode = left.filter((i) => i.evidence.some((e) => /real constructor/.test(e))).map((i) => i.subject).sort();
    expect(withCode.length).toBeGreaterThan(0);
    expect(withCode).toEqual(realByObjdump.sort());
    // libc's resolvers called by the objects that left no longer run; the native code calls libc itself.
    // (Run-time items depend on this machine's nsswitch.conf and are checked by test/loader/runtime.test.ts;
    // each still has to name the run-time path that keeps the library reachable.)
    const runtimeKinds = ['moved-to-runtime', 'moved-to-start', 'runtime-removed', 'runtime-added'];
    expect(kinds(r).filter((k) => k !== 'object-left' && !runtimeKinds.includes(k))).toEqual(['ifunc-removed', 'symbols-grew']);
    for (const i of r.items.filter((x) => runtimeKinds.includes(x.kind))) expect(i.evidence[0]).toMatch(/^run-time path: demo-(native|libsystemd) → /);
    expect(r.items.find((i) => i.kind === 'ifunc-removed')!.evidence[0]).toMatch(/called by relocations of .*libsystemd\.so\.0.*which left/);
    expect(r.items.find((i) => i.kind === 'symbols-grew')!.message).toMatch(/^demo-native now also uses from libc\.so\.6: .*sendto.*socket/);
    expect((await runCli(['diff', `${d}/demo-native`, `${d}/demo-native`]))).toMatchObject({ code: 0, stdout: 'no differences\n' });
    expect((await runCli(['diff', `${d}/demo-libsystemd`, `${d}/demo-native`])).code).toBe(1);
  });

  it('reports each single change of a fixture pair once (two builds at the same paths, saved results)', async (ctx) => {
    requires(ctx, FIXTURES);
    const IFUNC = 'static int impl(void) { return 1; }\nstatic void *r(void) { return (void *)impl; }\nstatic int f(void) __attribute__((ifunc("r")));\nint g(void) { return f(); }\n';
    const variants: Array<[string, Parameters<typeof lib>[2], Parameters<typeof lib>[2], (r: DiffResult) => void]> = [
      ['gains a DT_NEEDED', {}, { args: ['-L$D/extra', '-l:libextra.so', ...rpath('$ORIGIN/extra')] }, (r) => {
        // The new edge is told once, as the path that brings the new object in.
        expect(kinds(r)).toEqual(['object-entered', 'hardening-changed']);
        expect(r.items[0]!.evidence[0]).toBe('brought in by main → libp.so → libextra.so');
        expect(r.items[1]!.message).toBe('libp.so: RPATH none → $ORIGIN/extra'); // the -rpath that came with the new need
      }],
      ['gains an IFUNC resolver', {}, { source: IFUNC }, (r) => expect(kinds(r)).toEqual(['ifunc-added'])],
      ['is relinked with -z now', { args: ['-Wl,-z,lazy'] }, { args: ['-Wl,-z,now'] }, (r) => {
        expect(kinds(r)).toEqual(['hardening-changed']);
        expect(r.items[0]!.message).toBe('libp.so: RELRO partial → full; BIND_NOW off → on');
      }],
    ];
    for (const [what, a, b, check] of variants) {
      const d = fixtureDir();
      lib(d, 'extra/libextra.so');
      let saved = 0;
      const build = async (v: Parameters<typeof lib>[2]) => {
        lib(d, 'libp.so', { ...v, args: (v?.args ?? []).map((x) => x.replace('$D', d)) });
        const main = exe(d, 'main', [`-L${d}`, '-l:libp.so', ...rpath(d)]);
        const out = join(d, `build-${++saved}.json`);
        writeFileSync(out, (await runCli(['--format', 'json', main])).stdout);
        return out;
      };
      const [ja, jb] = [await build(a), await build(b)];
      const r = await diff(ja, jb);
      try {
        check(r);
      } catch (e) {
        throw new Error(`${what}: ${(e as Error).message}\n${JSON.stringify(r.items, null, 1)}`);
      }
    }
  });

  it('reports a changed RUNPATH once, with the provider it now finds', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(`${d}/one`, 'libq.so');
    lib(`${d}/two`, 'libq.so');
    const ma = exe(d, 'main-a', [`-L${d}/one`, '-l:libq.so', ...runpath(`${d}/one`)]);
    const mb = exe(d, 'main-b', [`-L${d}/two`, '-l:libq.so', ...runpath(`${d}/two`)]);
    const r = await diff(ma, mb);
    expect(r.items.filter((i) => /RUNPATH/.test(i.message))).toHaveLength(1);
    expect(r.items.find((i) => i.kind === 'edge-changed')?.evidence).toEqual([`provider ${d}/one/libq.so → ${d}/two/libq.so`]);
  });

  it('diffs saved JSON results exactly as the live inputs', async (ctx) => {
    requires(ctx, SAMPLES);
    const d = fixtureDir();
    execaSync('bash', [join(import.meta.dirname, '../../samples/build.sh'), d]);
    const save = async (f: string) => {
      const out = join(mkdtempSync(join(tmpdir(), 'loadgraph-json-')), `${f.replace(/\W/g, '_')}.json`);
      writeFileSync(out, (await runCli(['--format', 'json', f])).stdout);
      return out;
    };
    const [a, b] = [await save(`${d}/demo-libsystemd`), await save(`${d}/demo-native`)];
    const live = await runCli(['diff', '--format', 'markdown', `${d}/demo-libsystemd`, `${d}/demo-native`]);
    const saved = await runCli(['diff', '--format', 'markdown', a, b]);
    expect(saved.stdout).toBe(live.stdout);
    expect(saved.code).toBe(1);
    expect(live.stdout).toMatch(/^\*\*loadgraph diff\*\*/);
  });
});

describe.each(['arm64', 'armhf'] as const)('diff of sshd, Debian amd64 → %s', (arch) => {
  it('reports only differences that readelf confirms, and the ones readelf shows must be there', async (ctx) => {
    requires(ctx, READELF, sysrootOf('amd64'), sysrootOf(arch));
    const r = await diff('--root-a', sysroot('amd64'), '--root-b', sysroot(arch), '/usr/sbin/sshd');
    const graph = async (root: string) => JSON.parse((await runCli(['--root', root, '--format', 'json', '/usr/sbin/sshd'])).stdout);
    const [ga, gb] = [await graph(sysroot('amd64')), await graph(sysroot(arch))];
    const file = async (g: { objects: Array<{ soname: string | null; kind: string; realPath: string }> }, root: string, key: string) => {
      const o = g.objects.find((x) => (key === '<ld.so>' ? x.kind === 'interp' : key === '<program>' ? x.kind === 'program' : x.soname === key))!;
      return readelf(`${root}${o.realPath}`);
    };
    const label = (g: { objects: Array<{ soname: string | null; kind: string }> }, key: string) => (key === '<ld.so>' ? g.objects.find((x) => x.kind === 'interp')!.soname : key);
    let checked = 0;
    for (const i of r.items) {
      const [from, to] = i.subject.split(' → ') as [string, string | undefined];
      const [ra, rb] = [await file(ga, sysroot('amd64'), from), await file(gb, sysroot(arch), from)];
      switch (i.kind) {
        case 'edge-added': expect(rb.needed, i.message).toContain(label(gb, to!)); expect(ra.needed, i.message).not.toContain(label(ga, to!)); break;
        case 'edge-removed': expect(ra.needed, i.message).toContain(label(ga, to!)); expect(rb.needed, i.message).not.toContain(label(gb, to!)); break;
        case 'ifunc-removed': case 'ifunc-added': {
          // Resolvers come from IFUNC symbols and IRELATIVE relocations: readelf counts both.
          const n = (x: typeof ra) => x.ifuncCount + Object.entries(x.relocationCounts).filter(([k]) => /IRELATIVE|JMP_IREL/.test(k)).reduce((m, [, c]) => m + c, 0);
          if (i.kind === 'ifunc-removed') expect(n(ra), i.message).toBeGreaterThan(n(rb));
          else expect(n(rb), i.message).toBeGreaterThan(n(ra));
          break;
        }
        case 'constructor-removed': case 'constructor-added': {
          // Real constructors: the DT_INIT_ARRAY slots readelf counts, less the one frame_dummy slot, plus a
          // DT_INIT that does more than crti's (from our classification: readelf cannot tell code apart).
          const oa = ga.loadTime.objects.find((o: { id: number }) => o.id === ga.objects.find((x: { soname: string | null; kind: string }) => (from === '<ld.so>' ? x.kind === 'interp' : x.soname === from)).id);
          const ob = gb.loadTime.objects.find((o: { id: number }) => o.id === gb.objects.find((x: { soname: string | null; kind: string }) => (from === '<ld.so>' ? x.kind === 'interp' : x.soname === from)).id);
          const initReal = (o: { constructors: Array<{ kind: string; classification: string }> }) => o.constructors.filter((c) => c.kind === 'DT_INIT' && c.classification === 'real').length;
          const toolchainSlots = (o: { constructors: Array<{ kind: string; classification: string }> }) => o.constructors.filter((c) => c.kind === 'DT_INIT_ARRAY' && c.classification === 'toolchain').length;
          const w = (arch === 'armhf' ? 4 : 8);
          const realA = ra.initArraySize / 8 - toolchainSlots(oa) + initReal(oa), realB = rb.initArraySize / w - toolchainSlots(ob) + initReal(ob);
          const delta = Number(/(\d+) (new )?constructor/.exec(i.message)![1]);
          expect(i.kind === 'constructor-added' ? realB - realA : realA - realB, i.message).toBe(delta);
          break;
        }
        case 'symbols-grew': case 'symbols-shrank': {
          // Every symbol named is one a dynamic relocation of the requester refers to, on the side that uses it.
          const names = i.message.slice(i.message.lastIndexOf(': ') + 2).split(', ');
          const side = i.kind === 'symbols-grew' ? rb : ra;
          for (const n of names) expect(side.relocSymbols.has(n), `${i.message}: ${n}`).toBe(true);
          break;
        }
        default: throw new Error(`unexpected difference between two architectures: ${i.kind}: ${i.message}`);
      }
      checked++;
    }
    console.log(`diff amd64 → ${arch}: ${checked} differences, each checked`);
    expect(checked).toBe(r.items.length);
    // What must be there, from readelf alone: every object whose DT_NEEDED names its side's ld.so on one side
    // and not on the other gains or loses that edge (on arm64 and armhf, __stack_chk_guard lives in ld.so).
    type G = { objects: Array<{ soname: string | null; kind: string; realPath: string }> };
    const ldso = (g: G) => g.objects.find((x) => x.kind === 'interp')!.soname!;
    const needsLdso = async (g: G, root: string) => {
      const out = new Set<string>();
      for (const o of g.objects.filter((x) => x.kind === 'library' || x.kind === 'program')) if ((await readelf(`${root}${o.realPath}`)).needed.includes(ldso(g))) out.add(o.kind === 'program' ? '<program>' : o.soname!);
      return out;
    };
    const [na, nb] = [await needsLdso(ga, sysroot('amd64')), await needsLdso(gb, sysroot(arch))];
    const gained = [...nb].filter((x) => !na.has(x)).sort();
    expect(gained.length).toBeGreaterThan(0);
    const added = r.items.filter((i) => i.kind === 'edge-added' && i.subject.endsWith(' → <ld.so>')).map((i) => i.subject.split(' → ')[0]!).sort();
    expect(added).toEqual(gained);
    expect(r.items.filter((i) => i.kind === 'ifunc-removed' || i.kind === 'ifunc-added').length).toBeGreaterThan(0);
  }, 120_000);
});
