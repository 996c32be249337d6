// loadgraph check: every per-object rule on a fixture that passes and one that fails it, the graph rules,
// policies (deny list with the why-path as evidence, waivers, presets), baselines, and SARIF that validates
// against the official SARIF 2.1.0 schema.
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execaSync } from 'execa';
import AjvModule from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { sysroot } from '../support/corpus.js';
import { runCli } from '../support/cli.js';
import { exe, fixtureDir, lib, rpath, runpath } from '../support/fixtures.js';
import { objdumpClassifies } from '../support/objdump.js';
import { FIXTURES, OBJDUMP, SAMPLES, X86_64, requires, sysrootOf } from '../support/prereq.js';

interface Finding { rule: string; severity: string; subject: string; path: string | null; message: string; evidence: string[] }
const check = async (...args: string[]) => {
  const r = await runCli(['check', '--format', 'json', ...args]);
  expect(r.stderr).toBe('');
  return { code: r.code, findings: (JSON.parse(r.stdout).programs as Array<{ findings: Finding[] }>).flatMap((p) => p.findings) };
};
const rulesOn = (fs: Finding[], subject: string) => fs.filter((f) => f.subject === subject).map((f) => f.rule);

describe('check rules on fixtures: one that passes, one that fails', () => {
  const hardened = ['-fPIE', '-pie', '-fstack-protector-strong', '-O2', '-D_FORTIFY_SOURCE=2', '-Wl,-z,relro,-z,now', '-Wl,-z,noexecstack', '-fcf-protection'];
  const cases: Array<[string, string, string[], string[]]> = [
    ['LG001', 'RELRO', ['-Wl,-z,norelro'], []],
    ['LG002', 'BIND_NOW', ['-Wl,-z,lazy'], []],
    ['LG003', 'PIE', ['-no-pie', '-fno-PIE'], []],
    ['LG004', 'non-executable stack', ['-Wl,-z,execstack'], []],
    ['LG006', 'stack protector', ['-fno-stack-protector'], []],
    ['LG008', 'control-flow protection', ['-fcf-protection=none'], ['-Wl,-z,ibt,-z,shstk']],
    ['LG010', 'DT_RPATH', rpath('/usr/lib'), runpath('/usr/lib')],
    ['LG011', 'search path entries', runpath('relative/dir'), runpath('/usr/lib')],
    ['LG011', 'search path entries (empty)', runpath(':/usr/lib'), runpath('/usr/lib')],
    ['LG011', 'search path entries (missing)', runpath('/nonexistent/loadgraph'), runpath('/usr/lib')],
    ['LG011', 'search path entries (world-writable)', runpath('/tmp'), runpath('/usr/lib')],
  ];
  const SRC = '#include <string.h>\n#include <stdio.h>\nint main(int c, char **v) { char b[16]; strcpy(b, v[0]); printf("%s\\n", b); return c; }\n';
  for (const [rule, title, bad, good] of cases) {
    it(`${rule} ${title}`, async (ctx) => {
      // -fcf-protection and -z ibt,shstk are x86 options.
      requires(ctx, FIXTURES, ...(rule === 'LG008' ? [X86_64] : []));
      const d = fixtureDir();
      writeFileSync(`${d}/m.c`, SRC);
      execaSync('cc', ['-o', `${d}/bad`, `${d}/m.c`, ...hardened, ...bad]);
      execaSync('cc', ['-o', `${d}/good`, `${d}/m.c`, ...hardened, ...good]);
      expect(rulesOn((await check('--preset', 'strict', `${d}/bad`)).findings, 'bad')).toContain(rule);
      expect(rulesOn((await check('--preset', 'strict', `${d}/good`)).findings, 'good')).not.toContain(rule);
    });
  }

  it('LG006 counts a definition of __stack_chk_fail too: the libc that provides it calls its own', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'libguard.so', { source: 'void __stack_chk_fail(void) { for (;;); }\n', args: ['-fno-stack-protector'] });
    lib(d, 'libplain.so', { source: 'int f(void) { return 1; }\n', args: ['-fno-stack-protector'] });
    const main = exe(d, 'main', [`-L${d}`, '-l:libguard.so', '-l:libplain.so', ...rpath(d)]);
    const f = (await check('--preset', 'strict', main)).findings;
    expect([rulesOn(f, 'libguard.so'), rulesOn(f, 'libplain.so')].map((r) => r.includes('LG006'))).toEqual([false, true]);
  });

  it('LG005 W^X segments', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    writeFileSync(`${d}/m.c`, SRC);
    // A section both writable and executable gets a PT_LOAD of its own with RWX.
    writeFileSync(`${d}/wx.s`, '.section .wxcode,"awx",@progbits\n.globl wx\nwx: ret\n');
    execaSync('cc', ['-o', `${d}/bad`, `${d}/m.c`, `${d}/wx.s`]);
    execaSync('cc', ['-o', `${d}/good`, `${d}/m.c`]);
    expect(rulesOn((await check(`${d}/bad`)).findings, 'bad')).toContain('LG005');
    expect(rulesOn((await check(`${d}/good`)).findings, 'good')).not.toContain('LG005');
  });

  it('LG009 TEXTREL', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    writeFileSync(`${d}/t.s`, '.globl foo\n.data\nfoo: .quad 1\n.text\n.globl get\nget: .quad foo\n');
    execaSync('cc', ['-shared', '-o', `${d}/libtext.so`, `${d}/t.s`, '-Wl,-z,notext']);
    lib(d, 'libclean.so');
    const main = exe(d, 'main', [`-L${d}`, '-l:libtext.so', '-l:libclean.so', ...rpath(d)]);
    const f = (await check(main)).findings;
    expect(rulesOn(f, 'libtext.so')).toContain('LG009');
    expect(rulesOn(f, 'libclean.so')).not.toContain('LG009');
  });

  it('LG100 closure size, LG102 costly edge, LG104 preload and audit libraries', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    for (const n of ['x1', 'x2', 'x3']) lib(d, `lib${n}.so`);
    lib(d, 'libbig.so', { source: 'int tiny(void) { return 1; }\n', args: [`-L${d}`, '-l:libx1.so', '-l:libx2.so', '-l:libx3.so', ...rpath(d)] });
    lib(d, 'libaud.so');
    writeFileSync(`${d}/m.c`, 'int tiny(void);\nint main(void) { return tiny() - 1; }\n');
    execaSync('cc', ['-o', `${d}/main`, `${d}/m.c`, '-Wl,--no-as-needed', `-L${d}`, '-l:libbig.so', ...rpath(d), `-Wl,--audit=${d}/libaud.so`]);
    writeFileSync(`${d}/policy.json`, JSON.stringify({ maxObjects: 3 }));
    const f = (await check('--policy', `${d}/policy.json`, '--preload', `${d}/libx1.so`, `${d}/main`)).findings;
    expect(f.find((x) => x.rule === 'LG100')?.message).toMatch(/objects in the closure, over the budget of 3/);
    // libx1 is also preloaded, so only libbig, libx2 and libx3 depend on the edge alone.
    // Located at the program, whose DT_NEEDED would change (SARIF's location).
    expect(f.find((x) => x.rule === 'LG102')).toMatchObject({ subject: 'main → libbig.so', path: `${d}/main`, message: 'main → libbig.so is used for tiny and alone brings in 3 objects' });
    expect(f.filter((x) => x.rule === 'LG104').map((x) => x.message).sort()).toEqual([`names audit libraries: ${d}/libaud.so`, `preloaded: ${d}/libx1.so`]);
    const fine = (await check(exe(d, 'plain'))).findings;
    expect(fine.filter((x) => ['LG100', 'LG102', 'LG104'].includes(x.rule))).toEqual([]);
  });

  it('LG007 FORTIFY_SOURCE', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    writeFileSync(`${d}/m.c`, SRC);
    execaSync('cc', ['-o', `${d}/bad`, `${d}/m.c`, '-O2', '-U_FORTIFY_SOURCE', '-D_FORTIFY_SOURCE=0']);
    execaSync('cc', ['-o', `${d}/good`, `${d}/m.c`, '-O2', '-D_FORTIFY_SOURCE=2']);
    expect(rulesOn((await check(`${d}/bad`)).findings, 'bad')).toContain('LG007');
    expect(rulesOn((await check(`${d}/good`)).findings, 'good')).not.toContain('LG007');
  });

  it('LG012 $ORIGIN in a set-user-ID program', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'lib/liba.so.1');
    const main = exe(d, 'main', [`-L${d}/lib`, '-l:liba.so.1', ...runpath('$ORIGIN/lib')]);
    expect(rulesOn((await check(main)).findings, 'main')).not.toContain('LG012');
    chmodSync(main, 0o4755);
    expect(rulesOn((await check(main)).findings, 'main')).toContain('LG012');
  });

  it('LG103 unused direct dependency, and LG101 load-time code beyond the allow-list', async (ctx) => {
    requires(ctx, FIXTURES, OBJDUMP);
    const d = fixtureDir();
    lib(d, 'libctor.so', { source: '__attribute__((constructor)) static void c(void) {}\nint f(void) { return 1; }\n' });
    const main = exe(d, 'main', [`-L${d}`, '-l:libctor.so', '-lm', ...rpath(d)]);
    const { findings } = await check(main);
    expect(findings.filter((f) => f.rule === 'LG103').map((f) => [f.subject, f.path]).sort()).toEqual([['main → libctor.so', main], ['main → libm.so.6', main]]);
    expect(findings.find((f) => f.rule === 'LG101' && f.subject === 'libctor.so')?.message).toMatch(/1 real constructor/);
    // objdump agrees: of libctor's constructor slots, exactly one points at code of the library's own.
    const g = JSON.parse((await runCli(['--format', 'json', main])).stdout);
    const o = g.objects.find((x: { soname: string | null }) => x.soname === 'libctor.so');
    const ctors = g.loadTime.objects.find((x: { id: number }) => x.id === o.id).constructors as Array<{ address: number }>;
    expect((await Promise.all(ctors.map((c) => objdumpClassifies(o.realPath, c.address)))).filter((k) => k === 'real')).toHaveLength(1);
    // allow-listed by a policy, and waived
    writeFileSync(`${d}/policy.json`, JSON.stringify({ allowLoadTimeCode: ['libctor.so'], waivers: [{ rule: 'LG103', object: 'main → libm.so.6', reason: 'test' }] }));
    const allowed = (await check('--policy', `${d}/policy.json`, main)).findings;
    expect(allowed.some((f) => f.rule === 'LG101' && f.subject === 'libctor.so')).toBe(false);
    expect(allowed.filter((f) => f.rule === 'LG103').map((f) => f.subject)).toEqual(['main → libctor.so']);
    // A directory's check says an unused need found in several programs once, by library, with the programs.
    const bin = `${d}/bin`;
    for (const p of ['one', 'two']) exe(bin, p, [`-L${d}`, '-l:libctor.so', '-lm', ...rpath(d)]);
    exe(bin, 'three', ['-lm']);
    const text = (await runCli(['check', '--no-cache', bin])).stdout;
    expect(text).toMatch(/^note LG103 libm\.so\.6: needed, but nothing from it is used — by 3 programs \(one, three, two\)$/m);
    expect(text).toMatch(/^note LG103 libctor\.so: needed, but nothing from it is used — by 2 programs \(one, two\)$/m);
    expect(text).not.toContain('needs lib');
    const grouped = JSON.parse((await runCli(['check', '--no-cache', '--format', 'json', bin])).stdout) as { closure: Array<{ rule: string; subject: string; programs: string[] }> };
    expect(grouped.closure.filter((f) => f.rule === 'LG103').map((f) => [f.subject, f.programs]).sort()).toEqual([
      ['one → libctor.so', [`${bin}/one`]], ['one → libm.so.6', [`${bin}/one`]], ['three → libm.so.6', [`${bin}/three`]], ['two → libctor.so', [`${bin}/two`]], ['two → libm.so.6', [`${bin}/two`]],
    ]);
  });

  it('LG105 a known-bad liblzma version, by its real file name', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'lib/liblzma.so.5.6.1', { soname: 'liblzma.so.5' });
    symlinkSync('liblzma.so.5.6.1', `${d}/lib/liblzma.so.5`);
    const main = exe(d, 'main', [`-L${d}/lib`, '-l:liblzma.so.5', ...rpath(`${d}/lib`)]);
    const f = (await check(main)).findings.find((x) => x.rule === 'LG105');
    // Built here from clean sources: the name says 5.6.1, the code lacks the backdoor (test/analyses/indicators.test.ts has the rest).
    expect(f).toMatchObject({ severity: 'warning', subject: 'liblzma.so.5', message: 'named as liblzma.so.5 5.6.1, a known-bad release (CVE-2024-3094), but the backdoor code is absent (built from clean sources?)' });
  });

  it('baselines keep only new findings, and --fail-on decides the exit status', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    writeFileSync(`${d}/m.c`, SRC);
    execaSync('cc', ['-o', `${d}/prog`, `${d}/m.c`, '-Wl,-z,lazy']);
    const first = await runCli(['check', '--format', 'json', `${d}/prog`]);
    writeFileSync(`${d}/base.json`, first.stdout);
    expect((await check('--baseline', `${d}/base.json`, `${d}/prog`)).findings).toEqual([]);
    expect((await runCli(['check', `${d}/prog`])).code).toBe(0);
    expect((await runCli(['check', '--fail-on', 'note', `${d}/prog`])).code).toBe(1);
  });

  it('checks every ELF program in a directory', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    mkdirSync(`${d}/bin`);
    writeFileSync(`${d}/m.c`, SRC);
    execaSync('cc', ['-o', `${d}/bin/one`, `${d}/m.c`]);
    execaSync('cc', ['-o', `${d}/bin/two`, `${d}/m.c`]);
    writeFileSync(`${d}/bin/script`, '#!/bin/sh\n');
    chmodSync(`${d}/bin/script`, 0o755);
    // A directory is checked as a whole: each finding once, with the programs it concerns.
    const r = await runCli(['check', '--format', 'json', `${d}/bin`]);
    const doc = JSON.parse(r.stdout) as { schema: string; programs: string[]; objects: Array<{ rule: string; programs: string[] }> };
    expect(doc.schema).toBe('loadgraph.check-root/1');
    expect(doc.programs).toEqual([`${d}/bin/one`, `${d}/bin/two`]);
    // Both programs share libc: its findings are listed once, naming both.
    const libc = doc.objects.filter((f) => f.programs.length === 2);
    expect(libc.length).toBeGreaterThan(0);
  });
});

describe('check policies on sshd', () => {
  const deny = () => {
    const d = fixtureDir();
    writeFileSync(join(d, 'deny.json'), JSON.stringify({ deny: [{ program: 'sshd', library: 'liblzma.so.5' }] }));
    return join(d, 'deny.json');
  };
  it('"sshd must not load liblzma.so.5" fails, with the why-path as evidence', async (ctx) => {
    requires(ctx, sysrootOf('amd64'));
    const r = await check('--root', sysroot('amd64'), '--policy', deny(), '/usr/sbin/sshd');
    expect(r.code).toBe(1);
    const f = r.findings.find((x) => x.rule === 'LG106')!;
    expect(f).toMatchObject({ severity: 'error', subject: 'liblzma.so.5' });
    expect(f.evidence[0]).toBe('path: sshd → libsystemd.so.0 → liblzma.so.5; sshd → libsystemd.so.0 used for sd_listen_fds, sd_notify; libsystemd.so.0 → liblzma.so.5 used for lzma_code, lzma_end, lzma_stream_decoder');
  });
  it('and passes on the native-sd_notify sample daemon', async (ctx) => {
    requires(ctx, SAMPLES);
    const d = fixtureDir();
    execaSync('bash', [join(import.meta.dirname, '../../samples/build.sh'), d]);
    writeFileSync(join(d, 'deny.json'), JSON.stringify({ deny: [{ library: 'liblzma.so.5' }] }));
    const native = await check('--policy', join(d, 'deny.json'), `${d}/demo-native`);
    expect(native.findings.filter((f) => f.rule === 'LG106')).toEqual([]);
    const before = await check('--policy', join(d, 'deny.json'), `${d}/demo-libsystemd`);
    expect(before.findings.filter((f) => f.rule === 'LG106')).toHaveLength(1);
  });
  it('rejects an unknown policy key or rule', async () => {
    const d = fixtureDir();
    writeFileSync(join(d, 'p.json'), JSON.stringify({ rulez: {} }));
    expect(await runCli(['check', '--policy', join(d, 'p.json'), '/bin/true'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown policy key "rulez"/) });
  });
});

describe('SARIF', () => {
  it('validates against the official SARIF 2.1.0 schema', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    const main = exe(d, 'main', ['-Wl,-z,lazy', '-lm']);
    const r = await runCli(['check', '--format', 'sarif', '--preset', 'strict', main]);
    const sarif = JSON.parse(r.stdout);
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../data/sarif-schema-2.1.0.json'), 'utf8'));
    // ajv-draft-04 is CommonJS: its class is the default export's default.
    const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown[] | null } };
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema);
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(sarif.runs[0].results.length).toBeGreaterThan(0);
    expect(sarif.runs[0].tool.driver.rules.map((x: { id: string }) => x.id)).toContain('LG106');
  });
});

describe('LG105 known-bad versions from every kind of evidence', () => {
  it('recognises liblzma 5.6.0/5.6.1 by file name, package note or dpkg version, and not 5.4.1', async () => {
    const { runChecks, PRESETS } = await import('../../src/analyses/check.js');
    const { GRAPH_SCHEMA } = await import('../../src/graph/model.js');
    const obj = (id: number, kind: 'program' | 'library', soname: string | null) => ({ id, kind, name: soname ?? 'prog', names: soname ? [soname] : [], path: `/x/${id}`, realPath: `/x/${id}`, soname, class: 64 as const, machine: 62, loader: null, needed: [], rpath: null, runpath: null, nodeflib: false, size: 1, summary: null });
    const g = { schema: GRAPH_SCHEMA as typeof GRAPH_SCHEMA, program: '/usr/sbin/prog', linkage: 'dynamic' as const, env: {} as never, objects: [obj(0, 'program', null), obj(1, 'library', 'liblzma.so.5')], edges: [], searchList: [0, 1], fatal: null, warnings: [] };
    const h = (version: { file: string | null; package: string | null; dpkg: string | null }) => new Map([[1, {
      id: 1, type: 'library' as const, relro: 'full' as const, bindNow: true, nxStack: true, wxSegments: 0, textrel: false, canary: true, fortified: [], fortifiable: [],
      cfi: null, rpath: null, runpath: null, pathDirs: [], setuid: false, version,
    }]]);
    const bad = (v: Parameters<typeof h>[0]) => runChecks(g, h(v), null, PRESETS.default).filter((f) => f.rule === 'LG105').map((f) => f.message);
    const unchecked = '; its code was not checked (no indicator, or no content check in this run)';
    expect(bad({ file: 'liblzma.so.5.6.1', package: null, dpkg: null })).toEqual([`named as liblzma.so.5 5.6.1, a known-bad release (CVE-2024-3094)${unchecked}`]);
    expect(bad({ file: 'liblzma.so.5', package: 'xz-utils 5.6.0', dpkg: null })).toEqual([`packaged as liblzma.so.5 5.6.0, a known-bad release (CVE-2024-3094)${unchecked}`]);
    expect(bad({ file: 'liblzma.so.5', package: null, dpkg: '5.6.1-0.1' })).toEqual([`packaged as liblzma.so.5 5.6.1, a known-bad release (CVE-2024-3094)${unchecked}`]);
    // Debian's revert, 5.6.1+really5.4.5, ships 5.4.5.
    expect(bad({ file: 'liblzma.so.5', package: null, dpkg: '5.6.1+really5.4.5-1' })).toEqual([]);
    expect(bad({ file: 'liblzma.so.5.4.1', package: 'xz-utils 5.4.1', dpkg: '5.4.1-0.2' })).toEqual([]);
  });
});
