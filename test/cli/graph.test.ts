import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildElf } from '../support/elf-writer.js';
import { runCli } from '../support/cli.js';

/** A tiny sysroot: prog → libfoo.so.1 (RUNPATH) → libc.so.6, and a need nobody provides. */
function sysroot(opts: { missing?: boolean; script?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'loadgraph-cli-root-'));
  for (const d of ['lib/x86_64-linux-gnu', 'lib64', 'usr/bin', 'opt/foo', 'etc']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'lib/x86_64-linux-gnu/libc.so.6'), buildElf({ soname: 'libc.so.6', needed: ['ld-linux-x86-64.so.2'] }));
  writeFileSync(join(root, 'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'), buildElf({ soname: 'ld-linux-x86-64.so.2' }));
  symlinkSync('/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', join(root, 'lib64/ld-linux-x86-64.so.2'));
  writeFileSync(join(root, 'opt/foo/libfoo.so.1'), buildElf({ soname: 'libfoo.so.1', needed: ['libc.so.6', ...(opts.missing ? ['libgone.so.3'] : [])] }));
  if (opts.script) writeFileSync(join(root, 'lib/x86_64-linux-gnu/libfoo.so.1'), '/* GNU ld script */ GROUP ( /opt/foo/libfoo.so.1 ) /* longer than an ELF header */\n');
  writeFileSync(join(root, 'usr/bin/prog'), buildElf({ type: 2, interp: '/lib64/ld-linux-x86-64.so.2', needed: ['libfoo.so.1', 'libc.so.6'], runpath: opts.script ? '/lib/x86_64-linux-gnu:/opt/foo' : '/opt/foo' }));
  return root;
}

describe('loadgraph FILE (the load graph)', () => {
  it('prints a tree with the reason on every edge and a summary, exit 0', async () => {
    const root = sysroot();
    const r = await runCli(['--root', root, '/usr/bin/prog']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('/usr/bin/prog\n');
    expect(r.stdout).toMatch(/├── libfoo\.so\.1 \[runpath\] \/opt\/foo\/libfoo\.so\.1/);
    expect(r.stdout).toMatch(/libc\.so\.6 \[system dir\] \/lib\/x86_64-linux-gnu\/libc\.so\.6/);
    expect(r.stdout).toMatch(/ld-linux-x86-64\.so\.2 \[already loaded\]/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('4 objects, depth 2, 0 missing');
  });

  it('names a missing library, every place tried, and exits 1', async () => {
    const root = sysroot({ missing: true });
    const r = await runCli(['--root', root, '/usr/bin/prog']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/libgone\.so\.3 not found/);
    expect(r.stdout).toMatch(/tried \/lib\/x86_64-linux-gnu\/libgone\.so\.3 \(system-dir: no such file\)/);
    expect(r.stdout).toMatch(/1 missing/);
    const ldd = await runCli(['--root', root, '--format', 'ldd', '/usr/bin/prog']);
    expect(ldd.stdout).toBe('\tlinux-vdso.so.1\n\tlibfoo.so.1 => /opt/foo/libfoo.so.1\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6\n\t/lib64/ld-linux-x86-64.so.2\n\tlibgone.so.3 => not found\n');
  });

  it('reports what ld.so treats as fatal (a linker script first in the search order) and exits 1', async () => {
    const root = sysroot({ script: true });
    const r = await runCli(['--root', root, '/usr/bin/prog']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/fatal: \/lib\/x86_64-linux-gnu\/libfoo\.so\.1: invalid ELF header/);
    const ldd = await runCli(['--root', root, '-f', 'ldd', '/usr/bin/prog']);
    expect(ldd.stdout).toBe('/usr/bin/prog: error while loading shared libraries: /lib/x86_64-linux-gnu/libfoo.so.1: invalid ELF header\n');
  });

  it('writes the whole graph as JSON', async () => {
    const root = sysroot();
    const r = await runCli(['--root', root, '--format', 'json', '/usr/bin/prog']);
    const g = JSON.parse(r.stdout);
    expect(g.schema).toBe('loadgraph.graph/1');
    expect(g.env).toMatchObject({ root, arch: 'amd64', interp: '/lib64/ld-linux-x86-64.so.2', hwcaps: [], cache: { kind: 'ld.so.conf', dirs: [] } });
    expect(g.objects.map((o: { kind: string }) => o.kind)).toEqual(['program', 'vdso', 'library', 'library', 'interp']);
    const foo = g.objects.find((o: { name: string }) => o.name === 'libfoo.so.1');
    expect(foo).toMatchObject({ path: '/opt/foo/libfoo.so.1', realPath: '/opt/foo/libfoo.so.1', soname: 'libfoo.so.1', class: 64, machine: 62 });
    expect(g.edges[0]).toMatchObject({ from: 0, to: foo.id, kind: 'needed', name: 'libfoo.so.1', reason: { kind: 'runpath', owner: 0 } });
    expect(g.edges[0].trace.at(-1)).toEqual({ path: '/opt/foo/libfoo.so.1', source: 'runpath', owner: 0, outcome: 'accepted' });
  });

  it('rejects bad usage and unreadable programs with one line and exit 2', async () => {
    const root = sysroot();
    expect(await runCli(['--root', root, '--format', 'xml', '/usr/bin/prog'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown format/) });
    expect(await runCli(['--root', root, '/usr/bin/nope'])).toMatchObject({ code: 2, stderr: 'loadgraph: /usr/bin/nope: no such file or directory\n' });
    writeFileSync(join(root, 'usr/bin/text'), 'hello, world: not an ELF file at all\n');
    expect(await runCli(['--root', root, '/usr/bin/text'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^loadgraph: \/usr\/bin\/text: not an ELF file.*\n$/) });
    expect((await runCli(['graph', '--help'])).stdout).toMatch(/--root DIR/);
  });

  it('expands repeated subtrees with --all', async () => {
    const root = sysroot();
    const folded = (await runCli(['--root', root, '/usr/bin/prog'])).stdout;
    const all = (await runCli(['--root', root, '--all', '/usr/bin/prog'])).stdout;
    expect(all.split('\n').filter((l) => l.includes('ld-linux-x86-64.so.2')).length).toBeGreaterThan(folded.split('\n').filter((l) => l.includes('ld-linux-x86-64.so.2')).length);
  });
});
