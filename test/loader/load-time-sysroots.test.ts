// Load-time code of sshd: on this machine when it has /usr/sbin/sshd, and in the Debian sysroots of seven
// architectures, where every object's IRELATIVE count also agrees with readelf's.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTimeCode } from '../../src/analyses/load-time.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import { detectHostCpu } from '../../src/host/cpu.js';
import { bindSymbols } from '../../src/loader/bind.js';
import { buildLoadGraph } from '../../src/loader/load.js';
import { ARCHES, hasSysroot, sysroot } from '../support/corpus.js';
import { hasReadelf, readelf } from '../support/readelf.js';

function sshd(root: string) {
  const cpu = root === '/' ? detectHostCpu() : null;
  const fs = confinedFs(root);
  const r = buildLoadGraph(fs, '/usr/sbin/sshd', { root, cpu });
  if (!r.ok) throw new Error(r.message);
  const lt = loadTimeCode(r.graph, bindSymbols(fs, r.graph, r.images), false);
  const name = (id: number) => { const o = r.graph.objects.find((x) => x.id === id)!; return o.soname ?? o.name; };
  return { g: r.graph, lt, name };
}

// libcrypto.so.3 is not in the list, but its DT_INIT calls OPENSSL_cpuid_setup (OpenSSL's
// x86_64cpuid.pl puts that call into .init): a real constructor, shown in docs/load-time-code.md.
const REAL_CTORS = ['libselinux.so.1', 'libcap-ng.so.0', 'libcap.so.2', 'libgpg-error.so.0', 'liblzma.so.5', 'libc.so.6', 'libcrypto.so.3'].sort();

const roots = [...(existsSync('/usr/sbin/sshd') ? [['this machine', '/'] as const] : []), ...(hasSysroot('amd64') ? [['Debian amd64 sysroot', sysroot('amd64')] as const] : [])];

describe.each(roots)("sshd's load-time code (%s)", (_label, root) => {
  it('real constructors are exactly those of libselinux, libcap-ng, libcap, libgpg-error, liblzma, libc and libcrypto', () => {
    const { lt, name } = sshd(root);
    expect(lt.objects.filter((o) => o.realConstructors > 0).map((o) => name(o.id)).sort()).toEqual(REAL_CTORS);
  });

  it('IFUNC resolvers run at load only in libc and ld.so', () => {
    const { lt, name, g } = sshd(root);
    const interp = g.objects.find((o) => o.kind === 'interp')!.id;
    const running = lt.objects.filter((o) => o.ifuncAtLoad > 0).map((o) => o.id);
    expect(running.map(name).sort()).toEqual(['ld-linux-x86-64.so.2', 'libc.so.6']);
    expect(running).toContain(interp);
  });
});

const readelfPresent = await hasReadelf();
describe.skipIf(!readelfPresent)('IRELATIVE resolvers in the sysroots agree with readelf', () => {
  for (const arch of ARCHES) {
    it.skipIf(!hasSysroot(arch))(arch, async () => {
      const { g, lt } = sshd(sysroot(arch));
      let objects = 0;
      for (const o of lt.objects) {
        const path = g.objects.find((x) => x.id === o.id)!.realPath!;
        const re = await readelf(`${sysroot(arch)}${path}`);
        const irel = Object.entries(re.relocationCounts).filter(([k]) => /IRELATIVE|JMP_IREL/.test(k)).reduce((n, [, c]) => n + c, 0);
        expect(o.ifunc.filter((c) => c.via.endsWith('IRELATIVE') && c.calledBy === o.id).length, path).toBe(irel);
        objects++;
      }
      console.log(`load-time ${arch}: IRELATIVE resolvers of ${objects} objects agree with readelf`);
    });
  }
});
