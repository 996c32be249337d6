// Known-bad code by content (LG107) and by name (LG105): synthetic sysroots whose liblzma carries the
// published CVE-2024-3094 signature bytes in an executable PT_LOAD (written by the tests' ELF writer; no
// real backdoored file is used anywhere), decoys that must not match, and every output that reports it.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvModule from 'ajv-draft-04';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { READELF, requires, setupProvides } from '../support/prereq.js';
import type { DiffResult } from '../../src/analyses/diff.js';
import { INDICATORS, type Indicator, checkContent, matchFacts } from '../../src/analyses/indicators.js';
import * as C from '../../src/elf/constants.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import type { FileSystem } from '../../src/loader/fs.js';
import type { ContentFacts } from '../../src/loader/content-facts.js';
import { buildLoadGraph } from '../../src/loader/load.js';
import { runCli } from '../support/cli.js';
import { hasSysroot, sysroot } from '../support/corpus.js';
import { buildElf } from '../support/elf-writer.js';
import { readelf } from '../support/readelf.js';

const SIG = Buffer.from(INDICATORS[0]!.signatures[0]!.hex, 'hex');
const RX = C.PF_R | C.PF_X;
/** Code with the signature 100 bytes in. */
const BAD_CODE = Buffer.concat([Buffer.alloc(100, 0x90), SIG, Buffer.alloc(60, 0xc3)]);
const CLEAN_CODE = Buffer.concat([Buffer.alloc(100, 0x90), Buffer.alloc(60, 0xc3)]);

interface Lib { file: string; soname: string; loads?: Array<{ flags: number; bytes: Uint8Array; align?: number }> }
const X86_64 = { machine: C.EM_X86_64, interp: '/lib64/ld-linux-x86-64.so.2', dir: '/lib/x86_64-linux-gnu' };
const AARCH64 = { machine: C.EM_AARCH64, interp: '/lib/ld-linux-aarch64.so.1', dir: '/lib/aarch64-linux-gnu' };
/** A sysroot: /usr/sbin/sshd → libsystemd.so.0 → liblzma.so.5 (a symbolic link to `lzma.file`), plus extra libraries sshd needs. */
function root(lzma: Lib, extra: Lib[] = [], programs = ['/usr/sbin/sshd'], arch = X86_64): string {
  const r = mkdtempSync(join(tmpdir(), 'loadgraph-ind-'));
  const put = (p: string, b: Uint8Array) => {
    mkdirSync(join(r, p, '..'), { recursive: true });
    writeFileSync(join(r, p), b);
  };
  // A non-executable stack, so that the only errors are the ones under test.
  const elf = (spec: Parameters<typeof buildElf>[0]) => buildElf({ machine: arch.machine, extraSegments: [{ type: C.PT_GNU_STACK, flags: C.PF_R | C.PF_W }], ...spec });
  for (const p of programs) {
    put(p, elf({ interp: arch.interp, needed: ['libsystemd.so.0', ...extra.map((e) => e.soname)] }));
    chmodSync(join(r, p), 0o755);
  }
  put(arch.interp, elf({ soname: arch.interp.slice(arch.interp.lastIndexOf('/') + 1) }));
  put(`${arch.dir}/libsystemd.so.0`, elf({ soname: 'libsystemd.so.0', needed: ['liblzma.so.5'] }));
  for (const l of [lzma, ...extra]) put(`${arch.dir}/${l.file}`, elf({ soname: l.soname, loads: l.loads ?? [{ flags: RX, bytes: CLEAN_CODE }] }));
  if (lzma.file !== 'liblzma.so.5') symlinkSync(lzma.file, join(r, arch.dir, 'liblzma.so.5'));
  return r;
}
const lzma = (file: string, code: Buffer = BAD_CODE, flags = RX): Lib => ({ file, soname: 'liblzma.so.5', loads: [{ flags, bytes: code }] });

interface Finding { rule: string; severity: string; subject: string; message: string; evidence: string[]; region?: { byteOffset: number; byteLength: number } }
const check = async (...args: string[]) => {
  const r = await runCli(['check', '--format', 'json', ...args]);
  expect(r.stderr).toBe('');
  const doc = JSON.parse(r.stdout);
  return { code: r.code, doc, findings: (doc.programs as Array<{ findings: Finding[] }>).flatMap((p) => p.findings) };
};
const only = (fs: Finding[], rules: string[]) => fs.filter((f) => rules.includes(f.rule));

describe('known-bad code by content (LG107)', () => {
  it('a file of many gigabytes (sparse, or hostile) is searched up to 256 MiB and not digested: the run does not stall', async () => {
    const r = root(lzma('liblzma.so.5.4.1'));
    truncateSync(join(r, 'lib/x86_64-linux-gnu/liblzma.so.5.4.1'), 64 * 2 ** 30);
    const { doc, findings } = await check('--root', r, '/usr/sbin/sshd');
    // The code is at its place near the start: still found.
    expect(only(findings, ['LG107'])).toHaveLength(1);
    expect(doc.programs[0].objects.find((o: { name: string }) => o.name === 'liblzma.so.5').indicators[0]).toMatchObject({ sha256: null, matches: [{ kind: 'signature' }] });
  }, 60_000);

  it('the renamed backdoored build: flagged by its bytes, an error whatever it is called, with the byte offset', async () => {
    const r = root(lzma('liblzma.so.5.4.1'));
    const { code, doc, findings } = await check('--root', r, '/usr/sbin/sshd');
    expect(code).toBe(1);
    const f = only(findings, ['LG105', 'LG107']);
    expect(f).toHaveLength(1);
    // The oracle for the offset: where the code block sits in the file, found over the whole file.
    const file = readFileSync(join(r, 'lib/x86_64-linux-gnu/liblzma.so.5.4.1'));
    const at = file.indexOf(BAD_CODE) + 100;
    expect(f[0]).toMatchObject({ rule: 'LG107', severity: 'error', subject: 'liblzma.so.5', region: { byteOffset: at, byteLength: SIG.length } });
    expect(f[0]!.message).toBe(`contains the CVE-2024-3094 backdoor code (signature "detect.sh x86-64 prologue" (x86-64) at file offset 0x${at.toString(16)}; source: ${INDICATORS[0]!.signatures[0]!.sources[0]!.what}, 2024-03-29)`);
    expect(f[0]!.evidence).toContain('object /lib/x86_64-linux-gnu/liblzma.so.5.4.1');
    expect(f[0]!.evidence).toContain(`searched 160 bytes in 1 executable PT_LOAD segment for 1 published signature; SHA-256 ${createHash('sha256').update(file).digest('hex')}`.replace('160', String(BAD_CODE.length)));
    const lz = doc.programs[0].objects.find((o: { name: string }) => o.name === 'liblzma.so.5');
    expect(lz.indicators).toHaveLength(1);
    expect(lz.indicators[0].matches[0]).toMatchObject({ kind: 'signature', offset: at });
    expect(doc.knownBadCode).toEqual([expect.objectContaining({ path: '/lib/x86_64-linux-gnu/liblzma.so.5.4.1', indicator: 'CVE-2024-3094', programs: ['/usr/sbin/sshd'] })]);
  });

  it('named 5.6.1 and backdoored: the content error only, not also the by-name warning', async () => {
    const { findings } = await check('--root', root(lzma('liblzma.so.5.6.1')), '/usr/sbin/sshd');
    expect(only(findings, ['LG105', 'LG107']).map((f) => f.rule)).toEqual(['LG107']);
  });

  it('a clean build named 5.6.1: a warning that says the code is absent, not the error; exit 0', async () => {
    const { code, findings } = await check('--root', root(lzma('liblzma.so.5.6.1', CLEAN_CODE)), '/usr/sbin/sshd');
    const f = only(findings, ['LG105', 'LG107']);
    expect(f).toEqual([expect.objectContaining({ rule: 'LG105', severity: 'warning', subject: 'liblzma.so.5',
      message: 'named as liblzma.so.5 5.6.1, a known-bad release (CVE-2024-3094), but the backdoor code is absent (built from clean sources?)' })]);
    expect(code).toBe(0);
  });

  it('a clean 5.4.1: nothing', async () => {
    const { code, findings } = await check('--root', root(lzma('liblzma.so.5.4.1', CLEAN_CODE)), '/usr/sbin/sshd');
    expect(only(findings, ['LG105', 'LG107'])).toEqual([]);
    expect(code).toBe(0);
  });

  it('a 5.6.1 for another machine, even with the x86-64 bytes: flagged by name, and the code could not be verified', async () => {
    const { findings } = await check('--root', root(lzma('liblzma.so.5.6.1'), [], ['/usr/sbin/sshd'], AARCH64), '/usr/sbin/sshd');
    expect(only(findings, ['LG105', 'LG107'])).toEqual([expect.objectContaining({ rule: 'LG105', severity: 'warning',
      message: "named as liblzma.so.5 5.6.1, a known-bad release (CVE-2024-3094); no published signature for this machine's code, so the code could not be verified" })]);
  });

  it('bytes that straddle a read window inside one large segment still match', async () => {
    const big = Buffer.alloc((1 << 20) + 4096, 0x90);
    SIG.copy(big, (1 << 20) - 10); // across the 1 MiB mark of the segment: found only because windows overlap
    const r = root(lzma('liblzma.so.5.4.1', big));
    const { findings } = await check('--root', r, '/usr/sbin/sshd');
    const file = readFileSync(join(r, 'lib/x86_64-linux-gnu/liblzma.so.5.4.1'));
    expect(only(findings, ['LG107'])[0]?.region?.byteOffset).toBe(file.indexOf(SIG));
  });

  describe('decoys do not match', () => {
    it('the bytes in a non-executable segment', async () => {
      const { findings, doc } = await check('--root', root(lzma('liblzma.so.5.4.1', BAD_CODE, C.PF_R)), '/usr/sbin/sshd');
      expect(only(findings, ['LG107'])).toEqual([]);
      // It was still checked: one executable segment fewer, no match.
      const lz = doc.programs[0].objects.find((o: { name: string }) => o.name === 'liblzma.so.5');
      expect(lz.indicators[0]).toMatchObject({ segments: 0, matches: [] });
    });
    it('the bytes split across two executable segments (contiguous in the file)', async () => {
      const half = 17;
      const r = root({ file: 'liblzma.so.5.4.1', soname: 'liblzma.so.5', loads: [
        { flags: RX, bytes: Buffer.concat([Buffer.alloc(32, 0x90), SIG.subarray(0, half)]), align: 1 },
        { flags: RX, bytes: Buffer.concat([SIG.subarray(half), Buffer.alloc(32, 0xc3)]), align: 1 },
      ] });
      // The decoy is real: the whole signature is in the file, in one piece.
      expect(readFileSync(join(r, 'lib/x86_64-linux-gnu/liblzma.so.5.4.1')).indexOf(SIG)).toBeGreaterThan(0);
      const { findings, doc } = await check('--root', r, '/usr/sbin/sshd');
      expect(only(findings, ['LG107'])).toEqual([]);
      expect(doc.programs[0].objects.find((o: { name: string }) => o.name === 'liblzma.so.5').indicators[0]).toMatchObject({ segments: 2, matches: [] });
    });
    it('the bytes in a library no indicator concerns: not read, not flagged', async () => {
      const r = root(lzma('liblzma.so.5.4.1', CLEAN_CODE), [{ file: 'libother.so.1', soname: 'libother.so.1', loads: [{ flags: RX, bytes: BAD_CODE }] }]);
      const { findings, doc } = await check('--root', r, '/usr/sbin/sshd');
      expect(only(findings, ['LG107'])).toEqual([]);
      expect(doc.programs[0].objects.find((o: { name: string }) => o.name === 'libother.so.1').indicators).toEqual([]);
    });
  });

  it('a whole-root check: each concerned file read once, "1 object … N programs load it"', async () => {
    const r = root(lzma('liblzma.so.5.4.1'), [], ['/usr/sbin/sshd', '/usr/sbin/other']);
    const t = await runCli(['check', '--root', r, '/usr/sbin']);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain('1 object contains the CVE-2024-3094 backdoor code; 2 programs load it:\n  /lib/x86_64-linux-gnu/liblzma.so.5.4.1 (CVE-2024-3094: signature), loaded by /usr/sbin/other, /usr/sbin/sshd\n');
    // Once per run: two graphs that share the file open it once for its content.
    const opened: string[] = [];
    const base = confinedFs(r);
    const fs: FileSystem = { ...base, open: (p) => (opened.push(p), base.open(p)) };
    const cache = new Map();
    for (const p of ['/usr/sbin/sshd', '/usr/sbin/other']) {
      const g = buildLoadGraph(base, p, { root: r });
      if (!g.ok) throw new Error(g.message);
      expect(checkContent(fs, g.graph, g.images, cache)).toHaveLength(1);
    }
    expect(opened).toEqual(['/lib/x86_64-linux-gnu/liblzma.so.5']);
  });

  it('SARIF: the rule in the driver, the byte offset as the region, valid against the schema', async () => {
    const r = root(lzma('liblzma.so.5.4.1'));
    const sarif = JSON.parse((await runCli(['check', '--format', 'sarif', '--root', r, '/usr/sbin/sshd'])).stdout);
    const res = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'LG107');
    const at = readFileSync(join(r, 'lib/x86_64-linux-gnu/liblzma.so.5.4.1')).indexOf(BAD_CODE) + 100;
    expect(res.locations[0].physicalLocation.region).toEqual({ byteOffset: at, byteLength: SIG.length });
    expect(sarif.runs[0].tool.driver.rules.find((x: { id: string }) => x.id === 'LG107').help.text).toMatch(/openwall\.com\/lists\/oss-security\/2024\/03\/29\/4/);
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../data/sarif-schema-2.1.0.json'), 'utf8'));
    const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown[] | null } };
    const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  it('the tree marks the object, why says it, JSON carries it', async () => {
    const r = root(lzma('liblzma.so.5.4.1'));
    const tree = (await runCli(['--root', r, '/usr/sbin/sshd'])).stdout;
    expect(tree).toMatch(/liblzma\.so\.5 \[.*\].*known-bad:CVE-2024-3094/);
    expect(tree).toContain('known-bad code: liblzma.so.5 (/lib/x86_64-linux-gnu/liblzma.so.5.4.1) contains the CVE-2024-3094 backdoor code');
    expect(tree.match(/known-bad:/g)).toHaveLength(1);
    const why = await runCli(['why', '--root', r, '/usr/sbin/sshd', 'liblzma.so.5']);
    expect(why.stdout).toContain('known-bad code: liblzma.so.5 (/lib/x86_64-linux-gnu/liblzma.so.5.4.1) contains the CVE-2024-3094 backdoor code');
    const whyJson = JSON.parse((await runCli(['why', '--format', 'json', '--root', r, '/usr/sbin/sshd', 'liblzma.so.5'])).stdout);
    expect(whyJson.indicators[0].matches[0].kind).toBe('signature');
    expect(JSON.parse((await runCli(['--format', 'json', '--root', r, '/usr/sbin/sshd'])).stdout).indicators).toHaveLength(1);
    // Nothing to mark in a clean root.
    expect((await runCli(['--root', root(lzma('liblzma.so.5.4.1', CLEAN_CODE)), '/usr/sbin/sshd'])).stdout).not.toMatch(/known-bad/);
  });

  it('diff reports an object that gained or lost an indicator match', async () => {
    const clean = root(lzma('liblzma.so.5.4.1', CLEAN_CODE)), bad = root(lzma('liblzma.so.5.4.1'));
    const d = async (a: string, b: string) => JSON.parse((await runCli(['diff', '--format', 'json', '--root-a', a, '--root-b', b, '/usr/sbin/sshd'])).stdout) as DiffResult;
    const gained = await d(clean, bad);
    expect(gained.items.map((i) => [i.kind, i.subject, i.message])).toEqual([['indicator-added', 'liblzma.so.5', 'liblzma.so.5 now contains CVE-2024-3094 known-bad code']]);
    const lost = await d(bad, clean);
    expect(lost.items.map((i) => [i.kind, i.message])).toEqual([['indicator-removed', 'liblzma.so.5 no longer contains CVE-2024-3094 known-bad code']]);
    expect((await d(bad, bad)).same).toBe(true);
  });
});

describe('digests name the build', () => {
  const ind: Indicator = { ...INDICATORS[0]!, builds: [{ build: 'Example 1.0-1 amd64', sha256: 'ab'.repeat(32), buildId: 'cd'.repeat(20), sources: [] }] };
  const facts = (over: Partial<ContentFacts>): ContentFacts => ({ path: '/x', machine: C.EM_X86_64, sha256: 'ef'.repeat(32), buildId: null, segments: 1, bytes: 10, found: [], ...over });
  it('a SHA-256 or build-id match names the exact build; a different digest does not match', () => {
    expect(matchFacts(ind, 1, facts({ sha256: 'ab'.repeat(32) })).matches).toEqual([{ kind: 'sha256', build: 'Example 1.0-1 amd64', value: 'ab'.repeat(32), sources: [] }]);
    expect(matchFacts(ind, 1, facts({ buildId: 'cd'.repeat(20) })).matches).toEqual([{ kind: 'build-id', build: 'Example 1.0-1 amd64', value: 'cd'.repeat(20), sources: [] }]);
    expect(matchFacts(ind, 1, facts({})).matches).toEqual([]);
  });
  it('counts the signatures published for the object\'s machine', () => {
    expect(matchFacts(INDICATORS[0]!, 1, facts({})).signatures).toBe(1);
    expect(matchFacts(INDICATORS[0]!, 1, facts({ machine: C.EM_AARCH64 })).signatures).toBe(0);
  });
  it('LG107 says which build a digest match is', async () => {
    const { runChecks, PRESETS } = await import('../../src/analyses/check.js');
    const r = root(lzma('liblzma.so.5.4.1'));
    const g = buildLoadGraph(confinedFs(r), '/usr/sbin/sshd', { root: r });
    if (!g.ok) throw new Error(g.message);
    const indicators = checkContent(confinedFs(r), g.graph, g.images).map((x: ReturnType<typeof checkContent>[number]) => ({ ...x, matches: [...x.matches, { kind: 'sha256' as const, build: 'Example 1.0-1 amd64', value: x.sha256!, sources: [] }] }));
    const f = runChecks({ ...g.graph, indicators }, new Map(), null, PRESETS.default).find((x) => x.rule === 'LG107');
    expect(f?.message).toMatch(/; it is byte for byte the known malicious build Example 1\.0-1 amd64 \(CVE-2024-3094; SHA-256 [0-9a-f]{64}\)$/);
  });
});

describe('a real Debian root (liblzma 5.4.1)', () => {
  beforeEach((ctx) => requires(ctx, setupProvides('the Debian amd64 sysroot', hasSysroot('amd64'))));
  let checked: ReturnType<typeof check> | undefined;
  const sshd = () => (checked ??= check('--root', sysroot('amd64'), '/usr/sbin/sshd'));
  const lzmaCheck = async () => (await sshd()).doc.programs[0].objects.find((o: { name: string }) => o.name === 'liblzma.so.5').indicators;
  it('sshd: liblzma read and verified clean, nothing reported', async () => {
    expect(only((await sshd()).findings, ['LG105', 'LG107'])).toEqual([]);
    const indicators = await lzmaCheck();
    expect(indicators).toHaveLength(1);
    expect(indicators[0]).toMatchObject({ indicator: 'CVE-2024-3094', signatures: 1, matches: [] });
  });
  it('liblzma\'s executable bytes, digest and build-id are what readelf and sha256sum see', async (ctx) => {
    requires(ctx, READELF);
    const x = (await lzmaCheck())[0];
    const file = join(sysroot('amd64'), x.path);
    const loads = (await execa('readelf', ['-lW', file], { env: { LC_ALL: 'C' } })).stdout.split('\n').filter((l) => /^\s+LOAD\s/.test(l) && /\sR?W?E\s+0x/.test(l));
    expect(x.segments).toBe(loads.length);
    expect(x.bytes).toBe(loads.reduce((n, l) => n + Number(l.trim().split(/\s+/)[4]), 0));
    expect(x.buildId).toBe((await readelf(file)).buildId);
    expect(x.sha256).toBe((await execa('sha256sum', [file])).stdout.split(' ')[0]);
  });
});
