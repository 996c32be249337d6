// Load-time code of a program that loads libsystemd: the samples' demo daemon on this machine, and sshd in
// the Debian amd64 sysroot. Every constructor's classification (real or the toolchain's) is checked against
// objdump's disassembly of the slot's target; in the sysroots of seven architectures every object's
// IRELATIVE count also agrees with readelf's.
import { execaSync } from 'execa';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTimeCode } from '../../src/analyses/load-time.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import { detectHostCpu } from '../../src/host/cpu.js';
import { bindSymbols } from '../../src/loader/bind.js';
import { buildLoadGraph } from '../../src/loader/load.js';
import { ARCHES, sysroot } from '../support/corpus.js';
import { fixtureDir } from '../support/fixtures.js';
import { objdumpClassifies } from '../support/objdump.js';
import { OBJDUMP, type Prerequisite, READELF, SAMPLES, haveAll, requires, sysrootOf } from '../support/prereq.js';
import { readelf } from '../support/readelf.js';

function analyse(root: string, program: string) {
  const cpu = root === '/' ? detectHostCpu() : null;
  const fs = confinedFs(root);
  const r = buildLoadGraph(fs, program, { root, cpu });
  if (!r.ok) throw new Error(r.message);
  const lt = loadTimeCode(r.graph, bindSymbols(fs, r.graph, r.images), false);
  const name = (id: number) => { const o = r.graph.objects.find((x) => x.id === id)!; return o.soname ?? o.name; };
  const file = (id: number) => `${root === '/' ? '' : root}${r.graph.objects.find((x) => x.id === id)!.realPath!}`;
  return { g: r.graph, lt, name, file };
}

const demo = fixtureDir();
beforeAll(() => {
  if (haveAll(SAMPLES)) execaSync('bash', [join(import.meta.dirname, '../../samples/build.sh'), demo]);
});

// In the Debian amd64 sysroot the list is also pinned, as docs/load-time-code.md shows it. libcrypto.so.3's
// DT_INIT calls OPENSSL_cpuid_setup (OpenSSL's x86_64cpuid.pl puts that call into .init): a real constructor.
const SSHD_REAL_CTORS = ['libselinux.so.1', 'libcap-ng.so.0', 'libcap.so.2', 'libgpg-error.so.0', 'liblzma.so.5', 'libc.so.6', 'libcrypto.so.3'].sort();

const rows: Array<[string, { root: string; program: string; needs: readonly Prerequisite[]; pinned: string[] | null }]> = [
  ['this machine, the demo daemon linked with libsystemd', { root: '/', program: `${demo}/demo-libsystemd`, needs: [...SAMPLES, OBJDUMP], pinned: null }],
  ['Debian amd64 sysroot, sshd', { root: sysroot('amd64'), program: '/usr/sbin/sshd', needs: [sysrootOf('amd64'), OBJDUMP], pinned: SSHD_REAL_CTORS }],
];

describe.each(rows)('load-time code (%s)', (_label, { root, program, needs, pinned }) => {
  it('every constructor is real or the toolchain\'s exactly as objdump\'s disassembly of its target says', async (ctx) => {
    requires(ctx, needs);
    const { lt, name, file } = analyse(root, program);
    const disagree: string[] = [];
    let checked = 0;
    for (const o of lt.objects) {
      for (const c of o.constructors) {
        expect(c.address, `${name(o.id)} ${c.kind}[${c.index}]`).not.toBeNull();
        const theirs = await objdumpClassifies(file(o.id), c.address!);
        if (theirs !== c.classification) disagree.push(`${name(o.id)} ${c.kind}[${c.index}] at 0x${c.address!.toString(16)}: loadgraph ${c.classification}, objdump ${theirs}`);
        checked++;
      }
    }
    const real = lt.objects.filter((o) => o.realConstructors > 0).map((o) => name(o.id)).sort();
    console.log(`load-time ${_label}: ${checked} constructors checked against objdump, ${disagree.length} disagreements; real in ${real.join(', ')}`);
    // Every object has at least crti's _init or crtbegin's frame_dummy; libc and liblzma have real ones.
    expect(checked).toBeGreaterThanOrEqual(lt.objects.length);
    expect(real).toEqual(expect.arrayContaining(['libc.so.6', 'liblzma.so.5']));
    expect(disagree).toEqual([]);
    if (pinned) expect(real).toEqual(pinned);
  }, 120_000);

  it('IFUNC resolvers run at load only in libc and ld.so', (ctx) => {
    requires(ctx, needs);
    const { lt, name, g } = analyse(root, program);
    const interp = g.objects.find((o) => o.kind === 'interp')!.id;
    const running = lt.objects.filter((o) => o.ifuncAtLoad > 0).map((o) => o.id);
    expect(running.map(name).sort()).toEqual(['ld-linux-x86-64.so.2', 'libc.so.6']);
    expect(running).toContain(interp);
  });
});

describe('IRELATIVE resolvers in the sysroots agree with readelf', () => {
  for (const arch of ARCHES) {
    it(arch, async (ctx) => {
      requires(ctx, READELF, sysrootOf(arch));
      const { g, lt } = analyse(sysroot(arch), '/usr/sbin/sshd');
      let objects = 0, resolvers = 0;
      for (const o of lt.objects) {
        const path = g.objects.find((x) => x.id === o.id)!.realPath!;
        const re = await readelf(`${sysroot(arch)}${path}`);
        const irel = Object.entries(re.relocationCounts).filter(([k]) => /IRELATIVE|JMP_IREL/.test(k)).reduce((n, [, c]) => n + c, 0);
        expect(o.ifunc.filter((c) => c.via.endsWith('IRELATIVE') && c.calledBy === o.id).length, path).toBe(irel);
        objects++;
        resolvers += irel;
      }
      console.log(`load-time ${arch}: IRELATIVE resolvers of ${objects} objects agree with readelf (${resolvers} resolvers)`);
      // sshd's closure is some 25 objects on every architecture.
      expect(objects).toBeGreaterThan(15);
    });
  }
});
