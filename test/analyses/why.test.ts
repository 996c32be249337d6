// `why` from a program through libsystemd.so.0 to liblzma.so.5: the samples' demo daemon built against this
// machine's libsystemd, and sshd inside the Debian amd64 and big-endian s390x sysroots. Every expectation
// comes from readelf: the path from DT_NEEDED, the symbols of each hop from what one side imports and the
// other exports, and the cost of the first hop from the DT_NEEDED closure with and without that edge.
import { execaSync } from 'execa';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Arch, sysroot } from '../support/corpus.js';
import { runCli } from '../support/cli.js';
import { fixtureDir } from '../support/fixtures.js';
import { type Prerequisite, READELF, SAMPLES, haveAll, requires, sysrootOf } from '../support/prereq.js';
import { neededClosure, readelf } from '../support/readelf.js';

const demo = fixtureDir();
beforeAll(() => {
  if (haveAll(SAMPLES)) execaSync('bash', [join(import.meta.dirname, '../../samples/build.sh'), demo]);
});

interface Row { root: string | null; program: string; needs: readonly Prerequisite[] }
const debian = (arch: Arch): [string, Row] => [`Debian ${arch}`, { root: sysroot(arch), program: '/usr/sbin/sshd', needs: [READELF, sysrootOf(arch)] }];
const rows: Array<[string, Row]> = [
  ['this machine, the demo daemon linked with libsystemd', { root: null, program: `${demo}/demo-libsystemd`, needs: [...SAMPLES, READELF] }],
  debian('amd64'),
  debian('s390x'),
];

describe.each(rows)('loadgraph why PROGRAM liblzma.so.5 (%s)', (_label, { root, program, needs }) => {
  const args = (...rest: string[]) => [...(root ? ['--root', root] : []), ...rest];
  const inRoot = (p: string) => `${root ?? ''}${p}`;
  const name = program.slice(program.lastIndexOf('/') + 1);
  /** The real paths of the program's libsystemd and liblzma, as loadgraph's graph names them (readelf then reads those files). */
  const files = async () => {
    const g = JSON.parse((await runCli([...args('--format', 'json', '--no-code', program)])).stdout);
    const path = (soname: string) => g.objects.find((o: { soname: string | null }) => o.soname === soname).realPath as string;
    return { g, systemd: inRoot(path('libsystemd.so.0')), lzma: inRoot(path('liblzma.so.5')) };
  };

  it('shows PROGRAM → libsystemd.so.0 → liblzma.so.5 with the symbols each hop is used for', async (ctx) => {
    requires(ctx, needs);
    const { systemd, lzma } = await files();
    const [p, s, l] = [await readelf(inRoot(program)), await readelf(systemd), await readelf(lzma)];
    expect(p.needed).toContain('libsystemd.so.0');
    expect(p.needed).not.toContain('liblzma.so.5');
    expect(s.needed).toContain('liblzma.so.5');
    const used = (from: typeof p, to: typeof p) => [...from.undefinedSymbols].filter((x) => to.definedSymbols.has(x)).sort();
    const [hop1, hop2] = [used(p, s), used(s, l)];
    expect(hop1.length).toBeGreaterThan(0);
    expect(hop2.length).toBeGreaterThan(0);
    const r = await runCli(['why', ...args(program, 'liblzma.so.5')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`  ${name} → libsystemd.so.0 → liblzma.so.5\n`);
    const listed = (from: string, to: string) => {
      const m = new RegExp(`${from.replace(/\./g, '\\.')} → ${to.replace(/\./g, '\\.')} \\[[^\\]]+\\]\\n    uses (\\d+) of its \\d+ functions: (.*)`).exec(r.stdout);
      return m ? m[2]!.split(', ').map((x) => x.replace(/@.*/, '')).sort() : null;
    };
    expect(listed(name, 'libsystemd.so.0')).toEqual(hop1);
    expect(listed('libsystemd.so.0', 'liblzma.so.5')).toEqual(hop2);
    if (hop1.every((x) => ['sd_notify', 'sd_listen_fds'].includes(x))) expect(r.stdout).toMatch(new RegExp(`suggestion \\[LGS001\\] ${name} → libsystemd\\.so\\.0 is used only for ${hop1.join(', ')}`));
  });

  it('the libsystemd edge costs exactly the objects only it brings in (readelf -d closures with and without it)', async (ctx) => {
    requires(ctx, needs);
    const w = JSON.parse((await runCli(['why', ...args('--format', 'json', program, 'liblzma.so.5')])).stdout);
    expect(w.paths).toHaveLength(1);
    expect(w.more).toBe(0);
    expect(w.explanation.node.name).toBe('liblzma.so.5');
    expect(w.explanation.loadedBy[0].from.node.name).toBe('libsystemd.so.0');
    expect(w.explanation.loadedBy[0].from.loadedBy[0].from.node.id).toBe(0);
    const { g } = await files();
    const soname = (id: number) => g.objects.find((o: { id: number }) => o.id === id).soname;
    const [all, without] = [await neededClosure(root ?? '/', inRoot(program)), await neededClosure(root ?? '/', inRoot(program), new Set(['libsystemd.so.0']))];
    const only = [...all].filter((x) => !without.has(x)).sort();
    expect(only).toContain('liblzma.so.5');
    expect(w.costs[0].removes.map(soname).sort()).toEqual(only);
  });

  it('exits 1 when the library is not loaded, and says so in JSON with loaded: false', async (ctx) => {
    requires(ctx, needs);
    expect(await runCli(['why', ...args(program, 'libnope.so.1')])).toMatchObject({ code: 1, stdout: `${program} does not load libnope.so.1, at start or at run time\n` });
    const j = await runCli(['why', ...args('--format', 'json', program, 'libnope.so.1')]);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ program, library: 'libnope.so.1', loaded: false });
  });
});
