// The options of why, diff and check, each with its effect, on a small built root: the expected answers
// follow from the files the test writes (two paths to one library, a changed need, a known program).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { buildElf } from '../support/elf-writer.js';
import { runCli } from '../support/cli.js';

const T = 'lib/x86_64-linux-gnu';
// Every object has a non-executable PT_GNU_STACK, so that check's only error-level rule these files could break holds.
const stack = [{ type: C.PT_GNU_STACK, flags: C.PF_R | C.PF_W }];
function root(files: Record<string, Parameters<typeof buildElf>[0]>) {
  const r = mkdtempSync(join(tmpdir(), 'loadgraph-cmd-'));
  const put = (p: string, b: Uint8Array) => { mkdirSync(join(r, p, '..'), { recursive: true }); writeFileSync(join(r, p), b); };
  for (const p of [`${T}/ld-linux-x86-64.so.2`, 'lib64/ld-linux-x86-64.so.2']) put(p, buildElf({ soname: 'ld-linux-x86-64.so.2', extraSegments: stack }));
  put(`${T}/libc.so.6`, buildElf({ soname: 'libc.so.6', needed: ['ld-linux-x86-64.so.2'], extraSegments: stack }));
  for (const [p, spec] of Object.entries(files)) put(p, buildElf(spec));
  return r;
}
const prog = (needed: string[]) => ({ type: C.ET_EXEC, interp: '/lib64/ld-linux-x86-64.so.2', needed, extraSegments: stack });
const lib = (soname: string, needed: string[] = []) => ({ soname, needed: [...needed, 'libc.so.6'], extraSegments: stack });
// p → liba → libz, p → libb → libz: two paths to libz.
const twoPaths = () => root({ 'usr/bin/p': prog(['liba.so.1', 'libb.so.1']), [`${T}/liba.so.1`]: lib('liba.so.1', ['libz.so.1']), [`${T}/libb.so.1`]: lib('libb.so.1', ['libz.so.1']), [`${T}/libz.so.1`]: lib('libz.so.1') });
const tmp = () => mkdtempSync(join(tmpdir(), 'loadgraph-cmd-out-'));

describe('loadgraph why', () => {
  it('lists every path, and --limit N keeps the first N with the rest counted', async () => {
    const r = twoPaths();
    const all = JSON.parse((await runCli(['why', '--root', r, '--format', 'json', '/usr/bin/p', 'libz.so.1'])).stdout);
    expect(all.paths).toHaveLength(2);
    expect(all.more).toBe(0);
    const one = JSON.parse((await runCli(['why', '--root', r, '--format', 'json', '--limit', '1', '/usr/bin/p', 'libz.so.1'])).stdout);
    expect(one.paths).toEqual(all.paths.slice(0, 1));
    expect(one.more).toBe(1);
    const text = await runCli(['why', '--root', r, '--limit', '1', '/usr/bin/p', 'libz.so.1']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/p → liba\.so\.1 → libz\.so\.1/);
    expect(text.stdout).not.toMatch(/p → libb\.so\.1 → libz\.so\.1\n/);
  });

  it('rejects a bad --limit, a bad format and a wrong number of arguments with exit 2', async () => {
    const r = twoPaths();
    for (const bad of [['--limit', '0'], ['--limit', 'x'], ['--format', 'xml'], []]) {
      const x = await runCli(['why', '--root', r, ...bad, '/usr/bin/p', ...(bad.length ? ['libz.so.1'] : [])]);
      expect(x.code, bad.join(' ')).toBe(2);
      expect(x.stderr).toMatch(/^loadgraph: .+\n$/);
    }
    expect(await runCli(['why', '--root', r, '/usr/bin/nope', 'libz.so.1'])).toMatchObject({ code: 2, stderr: 'loadgraph: /usr/bin/nope: no such file or directory\n' });
  });
});

describe('loadgraph diff', () => {
  const pair = () => root({ 'usr/bin/a': prog(['liba.so.1']), 'usr/bin/b': prog(['liba.so.1', 'libz.so.1']), [`${T}/liba.so.1`]: lib('liba.so.1'), [`${T}/libz.so.1`]: lib('libz.so.1') });

  it('human output: a headline with the count, objects grouped by the edge that brings them, --verbose every difference with its evidence; exit 1, or 0 and "no differences"', async () => {
    const r = pair();
    const x = await runCli(['diff', '--root', r, '/usr/bin/a', '/usr/bin/b']);
    expect(x.code).toBe(1);
    const json = JSON.parse((await runCli(['diff', '--root', r, '--format', 'json', '/usr/bin/a', '/usr/bin/b'])).stdout);
    expect(json.items.length).toBeGreaterThan(0);
    expect(x.stdout.split('\n')[0]).toBe(`/usr/bin/a → /usr/bin/b: ${json.items.length} difference${json.items.length === 1 ? '' : 's'}`);
    expect(x.stdout).toMatch(/^\+ now loads libz\.so\.1$/m);
    const verbose = await runCli(['diff', '--verbose', '--root', r, '/usr/bin/a', '/usr/bin/b']);
    for (const i of json.items) {
      expect(verbose.stdout).toContain(i.message);
      for (const e of i.evidence) expect(verbose.stdout).toContain(`    ${e}`);
    }
    expect(await runCli(['diff', '--root', r, '/usr/bin/a', '/usr/bin/a'])).toMatchObject({ code: 0, stdout: 'no differences\n' });
  });

  it('rejects a saved result that is not JSON or not a loadgraph result, and a lone --root-a', async () => {
    const r = pair();
    const d = tmp();
    writeFileSync(join(d, 'bad.json'), '{ not json');
    writeFileSync(join(d, 'other.json'), JSON.stringify({ schema: 'something/1' }));
    expect(await runCli(['diff', join(d, 'bad.json'), join(d, 'bad.json')])).toMatchObject({ code: 2, stderr: `loadgraph: ${join(d, 'bad.json')}: not valid JSON\n` });
    expect(await runCli(['diff', join(d, 'other.json'), join(d, 'other.json')])).toMatchObject({ code: 2, stderr: `loadgraph: ${join(d, 'other.json')}: not a loadgraph result (schema something/1)\n` });
    expect(await runCli(['diff', '--root-a', r, '/usr/bin/a'])).toMatchObject({ code: 2, stderr: 'loadgraph: --root-a and --root-b go together\n' });
    expect((await runCli(['diff', '/usr/bin/a'])).code).toBe(2);
    expect((await runCli(['diff', '--format', 'xml', 'x', 'y'])).code).toBe(2);
    expect((await runCli(['diff', '--root', r, '/usr/bin/a', '/usr/bin/nope'])).code).toBe(2);
  });

  it('--root-a and --root-b compare the same FILE in two roots', async () => {
    const [ra, rb] = [root({ 'usr/bin/p': prog(['liba.so.1']), [`${T}/liba.so.1`]: lib('liba.so.1') }), root({ 'usr/bin/p': prog(['liba.so.1']), [`${T}/liba.so.1`]: lib('liba.so.1', ['libz.so.1']), [`${T}/libz.so.1`]: lib('libz.so.1') })];
    const j = JSON.parse((await runCli(['diff', '--format', 'json', '--root-a', ra, '--root-b', rb, '/usr/bin/p'])).stdout);
    expect(j.items.find((i: { kind: string }) => i.kind === 'object-entered')?.subject).toBe('libz.so.1');
  });
});

describe('loadgraph check', () => {
  // A program without RELRO, BIND_NOW or PIE: warnings and notes, no error.
  const r = () => root({ 'usr/bin/p': prog(['liba.so.1']), [`${T}/liba.so.1`]: lib('liba.so.1') });

  it('table output: one row per object with a column per property, then the findings', async () => {
    const x = await runCli(['check', '--root', r(), '/usr/bin/p']);
    const lines = x.stdout.split('\n');
    expect(lines.find((l) => /object/.test(l))).toMatch(/object\s*│\s*RELRO\s*│\s*NOW\s*│\s*PIE\s*│\s*NX\s*│\s*W\^X\s*│\s*canary/);
    for (const name of ['p', 'liba.so.1', 'libc.so.6']) expect(lines.some((l) => new RegExp(`│ ${name.replace(/\./g, '\\.')}\\s+│`).test(l)), name).toBe(true);
    const f = JSON.parse((await runCli(['check', '--root', r(), '--format', 'json', '/usr/bin/p'])).stdout).programs[0].findings;
    expect(f.length).toBeGreaterThan(0);
    for (const finding of f) expect(x.stdout).toContain(finding.message);
  });

  it('--fail-on sets the lowest severity that fails: the exit status follows the findings', async () => {
    const root1 = r();
    const f = JSON.parse((await runCli(['check', '--root', root1, '--format', 'json', '/usr/bin/p'])).stdout).programs[0].findings as Array<{ severity: string }>;
    const has = (s: string[]) => f.some((x) => s.includes(x.severity));
    for (const [level, s] of [['error', ['error']], ['warning', ['error', 'warning']], ['note', ['error', 'warning', 'note']]] as const) {
      expect((await runCli(['check', '--root', root1, '--fail-on', level, '/usr/bin/p'])).code, level).toBe(has([...s]) ? 1 : 0);
    }
    // The levels really differ on this program: no error, some warnings.
    expect(f.filter((x) => x.severity === 'error')).toEqual([]);
    expect(has(['warning'])).toBe(true);
    expect(await runCli(['check', '--root', root1, '--fail-on', 'fatal', '/usr/bin/p'])).toMatchObject({ code: 2, stderr: 'loadgraph: --fail-on takes error, warning or note\n' });
  });

  it('an unknown --preset, a --baseline that is not check output or not JSON, and a bad format are usage errors', async () => {
    const d = tmp();
    writeFileSync(join(d, 'notjson'), 'nope');
    writeFileSync(join(d, 'graph.json'), JSON.stringify({ schema: 'loadgraph.graph/1' }));
    expect(await runCli(['check', '--preset', 'lenient', '/bin/true'])).toMatchObject({ code: 2, stderr: "loadgraph: unknown preset 'lenient' (default, strict)\n" });
    expect(await runCli(['check', '--baseline', join(d, 'notjson'), '/bin/true'])).toMatchObject({ code: 2, stderr: `loadgraph: ${join(d, 'notjson')}: not valid JSON\n` });
    expect(await runCli(['check', '--baseline', join(d, 'graph.json'), '/bin/true'])).toMatchObject({ code: 2, stderr: 'loadgraph: the baseline is not a check --format json output\n' });
    expect(await runCli(['check', '--baseline', join(d, 'missing.json'), '/bin/true'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/missing\.json: no such file/) });
    expect((await runCli(['check', '--format', 'xml', '/bin/true'])).code).toBe(2);
    expect((await runCli(['check'])).code).toBe(2);
    expect((await runCli(['check', '/nonexistent/x'])).code).toBe(2);
  });

  it('--preset strict raises notes (BIND_NOW among them) to warnings', async () => {
    const root1 = r();
    const sev = async (...a: string[]) => Object.fromEntries((JSON.parse((await runCli(['check', '--root', root1, '--format', 'json', ...a, '/usr/bin/p'])).stdout).programs[0].findings as Array<{ rule: string; subject: string; severity: string }>).map((f) => [`${f.rule} ${f.subject}`, f.severity]));
    const [plain, strict] = [await sev(), await sev('--preset', 'strict')];
    expect(plain['LG002 p']).toBe('note');
    expect(strict['LG002 p']).toBe('warning');
    expect((await runCli(['check', '--root', root1, '--preset', 'strict', '--fail-on', 'warning', '/usr/bin/p'])).code).toBe(1);
  });
});

describe('our own messages for bad options', () => {
  it('every command: an unknown option, a missing value, a value given to a flag — one line naming the command and the option, exit 2', async () => {
    for (const cmd of ['inspect', 'why', 'diff', 'check', 'scan', 'rdeps']) {
      const unknown = await runCli([cmd, '--no-such-option', 'x']);
      expect(unknown).toEqual({ code: 2, stdout: '', stderr: `loadgraph ${cmd}: unknown option --no-such-option (loadgraph ${cmd} --help lists its options)\n` });
      const missing = await runCli([cmd, '--format']);
      expect(missing).toEqual({ code: 2, stdout: '', stderr: `loadgraph ${cmd}: --format needs a value (loadgraph ${cmd} --help lists its options)\n` });
    }
    expect(await runCli(['--no-such-option', '/bin/ls'])).toEqual({ code: 2, stdout: '', stderr: 'loadgraph: unknown option --no-such-option (loadgraph --help lists its options)\n' });
    expect((await runCli(['scan', '--quiet=yes'])).stderr).toBe('loadgraph scan: --quiet takes no value (loadgraph scan --help lists its options)\n');
  });
});

describe('whole-root commands: nothing to walk is exit 2, one line', () => {
  it('an empty --root, a root without program directories, a PATH that is not there', async () => {
    const empty = tmp();
    const r = twoPaths();
    for (const [args, line] of [
      [['scan', '--root', '', '/usr/bin/p'], 'loadgraph: --root needs a directory (it is empty)'],
      [['check', '--root', empty], `loadgraph: ${empty}: cannot be used as a root (none of /usr, /bin, /sbin, /lib*, /opt is a directory)`],
      [['rdeps', '--root', empty, 'libc.so.6'], `loadgraph: ${empty}: cannot be used as a root (none of /usr, /bin, /sbin, /lib*, /opt is a directory)`],
      [['scan', '--root', r, '/usr/bin/p', '/usr/bin/nonexistent'], 'loadgraph: /usr/bin/nonexistent: no such file or directory'],
      [['diff', '--root-a', r, '--root-b', r, '/usr/sbin/nonexistent'], 'loadgraph: /usr/sbin/nonexistent: no such file or directory'],
    ] as const) {
      const x = await runCli([...args]);
      expect([args.join(' '), x.code, x.stdout, x.stderr]).toEqual([args.join(' '), 2, '', `${line}\n`]);
    }
  });

  it('rdeps names the programs LIB itself keeps from starting (empty, or not found)', async () => {
    const r = twoPaths();
    writeFileSync(join(r, T, 'libz.so.1'), '');
    // (The test's files have no execute bit: the program is named.)
    const empty = await runCli(['rdeps', '--root', r, 'libz.so.1', '/usr/bin/p']);
    expect([empty.code, empty.stderr]).toEqual([1, `loadgraph: /usr/bin/p: would not start (/${T}/libz.so.1: file too short); not counted\n`]);
    const gone = twoPaths();
    rmSync(join(gone, T, 'libz.so.1'));
    const missing = await runCli(['rdeps', '--root', gone, 'libz.so.1', '/usr/bin/p']);
    expect([missing.code, missing.stderr]).toEqual([1, 'loadgraph: /usr/bin/p: needs libz.so.1, which is not found: it would not start; not counted\n']);
  });
});

describe('text output is safe for a terminal', () => {
  it("a file name's control characters and bidi overrides are shown escaped, our colours kept; JSON keeps the name exact", async () => {
    const name = 'p\x1b[2J\rfake\u202eexe';
    const r = root({ [`usr/bin/${name}`]: prog(['libc.so.6']) });
    const tree = await runCli(['--root', r, '--color', `/usr/bin/${name}`]);
    expect(tree.stdout).toContain('p\\u001b[2J\\u000dfake\\u202eexe');
    // What is left of ESC is only our own colours.
    expect(tree.stdout.replace(/\x1b\[(1|2|22|31|32|33|36|39)m/g, '')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    expect(tree.stdout).toMatch(/\x1b\[1m/);
    const scan = await runCli(['scan', '--root', r, '--format', 'table', `/usr/bin/${name}`]);
    expect(scan.stdout).toContain('p\\u001b[2J\\u000dfake\\u202eexe');
    expect(scan.stdout).not.toMatch(/[\x1b\r\u202e]/);
    const json = JSON.parse((await runCli(['scan', '--root', r, '--format', 'json', `/usr/bin/${name}`])).stdout);
    expect(JSON.stringify(json)).toContain(JSON.stringify(name).slice(1, -1));
  });

  it('a name with DEL, a C1 control or a soft hyphen: every JSON output still parses and keeps it, text shows each as \\uNNNN', async () => {
    // JSON.stringify leaves these raw; the terminal-safe escape must stay valid JSON (\x7f would not be).
    const odd = 'libd\x7fe\u0085l\u00ad.so.1';
    const r = root({ 'usr/bin/p': prog([odd, 'libc.so.6']), [`${T}/${odd}`]: lib(odd) });
    for (const args of [
      ['--root', r, '--format', 'json', '/usr/bin/p'], ['why', '--root', r, '--format', 'json', '/usr/bin/p', odd],
      ['check', '--root', r, '--format', 'json', '/usr/bin/p'], ['check', '--root', r, '--format', 'sarif', '/usr/bin/p'],
      ['scan', '--root', r, '--format', 'json', '/usr/bin/p'], ['scan', '--root', r, '--format', 'ndjson', '/usr/bin/p'],
      ['rdeps', '--root', r, '--format', 'json', odd, '/usr/bin/p'], ['diff', '--root-a', r, '--root-b', r, '--format', 'json', '/usr/bin/p'],
      ['inspect', '--format', 'json', join(r, T, odd)],
    ]) {
      const out = await runCli(args);
      expect(() => JSON.parse(out.stdout), args.join(' ')).not.toThrow();
      expect(JSON.stringify(JSON.parse(out.stdout)), args.join(' ')).toContain(JSON.stringify(odd).slice(1, -1));
    }
    const tree = await runCli(['--root', r, '/usr/bin/p']);
    expect(tree.stdout).toContain('libd\\u007fe\\u0085l\\u00ad.so.1');
  });
});

describe('a newline or tab in a name cannot forge a line', () => {
  it('every text output shows it as \\n (JSON keeps the name exact), and a message on stderr stays one line', async () => {
    const evil = 'libn.so.1\n\tforged.so [found in ld.so.cache]';
    const r = root({ 'usr/bin/p': prog([evil]), [`${T}/${evil}`]: lib(evil) });
    const shownAs = 'libn.so.1\\n\\tforged.so';
    const forged = /^\s*forged\.so/m;
    const plainRoot = root({ 'usr/bin/p': prog(['libc.so.6']) });
    for (const args of [
      ['--root', r, '/usr/bin/p'], ['--root', r, '--format', 'ldd', '/usr/bin/p'], ['--root', r, '--format', 'markdown', '/usr/bin/p'],
      ['why', '--root', r, '/usr/bin/p', evil], ['rdeps', '--root', r, evil, '/usr/bin/p'], ['scan', '--root', r, '--format', 'table', '/usr/bin/p'],
      ['check', '--root', r, '/usr/bin/p'], ['inspect', join(r, T, evil)], ['diff', '--root-a', r, '--root-b', plainRoot, '/usr/bin/p'],
    ]) {
      const out = await runCli(args);
      expect(out.stdout, args.join(' ')).toContain(shownAs);
      expect(out.stdout, args.join(' ')).not.toMatch(forged);
    }
    const json = JSON.parse((await runCli(['--root', r, '--format', 'json', '/usr/bin/p'])).stdout);
    expect(json.objects.map((o: { name: string }) => o.name)).toContain(evil);
    const missing = await runCli(['--root', r, `/usr/bin/no\nsuch`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('/usr/bin/no\\nsuch');
  });
});

describe('whole-root commands say what loadgraph FILE warns about, once with its reach', () => {
  it('an unusable ld.so.cache and a preload that cannot be opened: one line each, with how many programs', async () => {
    const r = root({ 'usr/bin/p': prog(['libc.so.6']), 'usr/bin/q': prog(['libc.so.6']) });
    mkdirSync(join(r, 'etc'), { recursive: true });
    writeFileSync(join(r, 'etc/ld.so.cache'), 'glibc-ld.so.cache1.1 but cut short');
    writeFileSync(join(r, 'etc/ld.so.preload'), '/nope/libx.so\n');
    const cacheWarning = '/etc/ld.so.cache: not a cache ld.so can use';
    const preloadWarning = "object '/nope/libx.so' cannot be preloaded";
    const one = await runCli(['--root', r, '--no-code', '/usr/bin/p']);
    expect(one.stdout).toContain(`warning: ${cacheWarning}`);
    expect(one.stdout).toContain(`warning: ${preloadWarning}`);
    const programs = ['/usr/bin/p', '/usr/bin/q'];
    for (const [args, label] of [
      [['scan', '--root', r, '--format', 'ndjson', ...programs], ''], [['rdeps', '--root', r, 'libc.so.6', ...programs], ''],
      [['check', '--root', r, ...programs], ''], [['diff', '--root-a', r, '--root-b', r, ...programs], `${r}: `],
    ] as const) {
      const out = await runCli([...args]);
      const lines = out.stderr.split('\n').filter((l) => l.includes('warning:'));
      const each = [
        expect.stringMatching(new RegExp(`^loadgraph: ${label}warning: ${cacheWarning}.* \\(2 programs\\)$`)),
        `loadgraph: ${label}warning: ${preloadWarning} (cannot open shared object file): ignored (2 programs)`,
      ];
      // A root diff scans both roots (here the same one twice).
      expect(lines, args[0]).toEqual(args[0] === 'diff' ? [...each, ...each] : each);
    }
    const records = (await runCli(['scan', '--root', r, '--format', 'ndjson', ...programs])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    for (const rec of records) expect(rec.warnings).toEqual([expect.stringContaining(cacheWarning), expect.stringContaining(preloadWarning)]);
  });
});
