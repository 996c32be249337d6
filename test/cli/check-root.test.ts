// `check --root DIR`: a whole root with each finding once and the programs it concerns, checked against
// per-program `check --root DIR PROGRAM --format json` runs: every finding of every sampled program is in
// exactly one group that names the program, and every group naming a sampled program is one of its findings.
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RootCheckDocument } from '../../src/analyses/check-root.js';
import { type Finding, RULES } from '../../src/analyses/check.js';
import { runCli } from '../support/cli.js';
import { sysroot } from '../support/corpus.js';
import { requires, sysrootOf } from '../support/prereq.js';

const key = (f: Finding) => `${f.rule} ${f.subject} ${f.message}`;

describe('check --root on the Debian amd64 sysroot', () => {
  const root = sysroot('amd64');
  it('groups per-program findings by object, each once, with the programs that load it', async (ctx) => {
    requires(ctx, sysrootOf('amd64'));
    const r = await runCli(['check', '--root', root, '--format', 'json']);
    const doc = JSON.parse(r.stdout) as RootCheckDocument;
    expect(doc.schema).toBe('loadgraph.check-root/1');
    expect(doc.checked).toBeGreaterThan(100);
    const groups = [...doc.objects, ...doc.closure];
    // Each object finding once: no two object groups share rule, file and message.
    const objectKeys = doc.objects.map((f) => `${f.rule} ${f.path ?? f.subject} ${f.message}`);
    expect(new Set(objectKeys).size).toBe(objectKeys.length);
    const sample = ['/usr/sbin/sshd', '/bin/ls', '/bin/systemctl', '/usr/bin/ssh', '/bin/cat'];
    let compared = 0;
    for (const program of sample) {
      const one = await runCli(['check', '--root', root, '--format', 'json', program]);
      const findings = (JSON.parse(one.stdout) as { programs: Array<{ findings: Finding[] }> }).programs[0]?.findings;
      if (!findings) continue;
      compared++;
      const theirs = findings.map(key).sort();
      const ours = groups.filter((g) => g.programs.includes(program)).map(key).sort();
      expect({ program, findings: ours }).toEqual({ program, findings: theirs });
    }
    expect(compared).toBeGreaterThan(2);
    // The point: far fewer lines than one per program per finding.
    const perProgram = groups.reduce((n, g) => n + g.programs.length, 0);
    expect(groups.length * 5).toBeLessThan(perProgram);
    const text = await runCli(['check', '--root', root]);
    expect(text.stdout.split('\n').length).toBeLessThan(groups.length + 10);
    // Every finding is in it, each object's under one line (programs alike in their own files as one entry).
    for (const f of doc.objects) expect(text.stdout).toContain(`${f.severity} ${f.rule} `);
    // An entry of alike libraries says a finding without the detail that differs between them (LG007's functions).
    const alike = new Map(RULES.map((r) => [r.id, r.alike]));
    for (const f of groups) expect(text.stdout.includes(f.message) || text.stdout.includes(`${f.rule} ${alike.get(f.rule)}\n`)).toBe(true);
    const lg007 = doc.objects.filter((f) => f.rule === 'LG007');
    expect(new Set(lg007.map((f) => f.message)).size).toBeGreaterThan(text.stdout.split('\n').filter((l) => l.includes(' LG007 ')).length);
    expect(text.stdout).toMatch(/^\d+ libraries alike — [^\n]*\n(?: {2}[^\n]*\n)* {2}note LG007 not fortified: imports functions that have a _chk variant, but no _chk variant\n/m);
    expect(text.code).toBe(r.code);
    // SARIF the same way: one result per group, located at the object, the programs as related locations.
    const sarif = JSON.parse((await runCli(['check', '--root', root, '--format', 'sarif'])).stdout) as {
      runs: Array<{ originalUriBaseIds: Record<string, { uri: string }>; results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } } }>; relatedLocations: unknown[]; partialFingerprints: Record<string, string> }> }>;
    };
    const results = sarif.runs[0]!.results;
    expect(results).toHaveLength(groups.length);
    expect(new Set(results.map((x) => x.partialFingerprints.loadgraphFinding)).size).toBe(results.length);
    expect(results.map((x) => x.relatedLocations.length)).toEqual(groups.map((g) => g.programs.length));
    // Paths inside the root, relative to ROOT, which names the root checked.
    expect(results[0]!.locations[0]!.physicalLocation.artifactLocation).toEqual({ uri: (groups[0]!.path ?? groups[0]!.programs[0]!).replace(/^\/+/, ''), uriBaseId: 'ROOT' });
    expect(sarif.runs[0]!.originalUriBaseIds.ROOT!.uri).toBe(`${pathToFileURL(root).href}/`);
  }, 600_000);

  it('check DIR groups the same way, over the programs under DIR; one FILE keeps its table', async (ctx) => {
    requires(ctx, sysrootOf('amd64'));
    const dir = JSON.parse((await runCli(['check', '--root', root, '--format', 'json', '/usr/sbin'])).stdout) as RootCheckDocument;
    expect(dir.schema).toBe('loadgraph.check-root/1');
    const programs = new Set([...dir.objects, ...dir.closure].flatMap((g) => g.programs));
    expect([...programs].every((p) => p.startsWith('/usr/sbin/'))).toBe(true);
    expect(programs.has('/usr/sbin/sshd')).toBe(true);
    const one = await runCli(['check', '--root', root, '/usr/sbin/sshd']);
    expect(one.stdout).toMatch(/^\/usr\/sbin\/sshd/m);
    expect(one.stdout).not.toContain('each object once');
    // Several FILEs read like a directory; their JSON keeps each program's own list.
    const two = await runCli(['check', '--root', root, '/usr/sbin/sshd', '/usr/bin/ssh']);
    expect(two.stdout).toMatch(/^2 programs checked; \d+ findings on \d+ objects, each object once:$/m);
    // Libraries with the very same findings are one entry, each named with how many programs load it.
    expect(two.stdout).toMatch(/^8 libraries alike — libc\.so\.6 \(2\), [^\n]*, libnsl\.so\.2 \(1\); loaded by 2 programs in all \(ssh, sshd\)\n {2}warning LG001 RELRO is partial\n {2}note LG002 [^\n]*\n {2}note LG008 [^\n]*\n(?! )/m);
    for (const [, n, list, more] of two.stdout.matchAll(/^(\d+) libraries alike — ([^;]*?)(?:, … (\d+) more)?;/gm)) {
      expect(list!.split(', ').length + Number(more ?? 0)).toBe(Number(n));
    }
    expect(JSON.parse((await runCli(['check', '--root', root, '--format', 'json', '/usr/sbin/sshd', '/usr/bin/ssh'])).stdout).programs).toHaveLength(2);
    // libc.so.6 runs as a program too (it has a PT_INTERP): its own findings say so, and count the others apart.
    const withLibc = await runCli(['check', '--root', root, '/usr/sbin/sshd', '/lib/x86_64-linux-gnu/libc.so.6']);
    // Each object once: one line for who loads it, its findings under it.
    expect(withLibc.stdout).toContain('libc.so.6 (/lib/x86_64-linux-gnu/libc.so.6) — the program itself, and loaded by 1 program (sshd)\n  warning LG001 RELRO is partial\n');
    expect(withLibc.stdout).toContain('ld-linux-x86-64.so.2 (/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2) — loaded by 2 programs (libc.so.6, sshd)\n  warning LG001 RELRO is partial\n');
  }, 600_000);
});
