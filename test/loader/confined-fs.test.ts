// --root is a chroot: absolute symlinks, `..` and loops are resolved inside the root, never outside.
import { mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confinedFs } from '../../src/host/confined-fs.js';
import { buildLoadGraph } from '../../src/loader/load.js';
import { buildElf } from '../support/elf-writer.js';

function makeRoot() {
  const outside = mkdtempSync(join(tmpdir(), 'loadgraph-outside-'));
  writeFileSync(join(outside, 'secret.so'), buildElf({ soname: 'secret.so' }));
  const root = mkdtempSync(join(tmpdir(), 'loadgraph-root-'));
  mkdirSync(join(root, 'lib/x86_64-linux-gnu'), { recursive: true });
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  mkdirSync(join(root, 'lib64'), { recursive: true });
  writeFileSync(join(root, 'lib/x86_64-linux-gnu/libc.so.6'), buildElf({ soname: 'libc.so.6' }));
  writeFileSync(join(root, 'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'), buildElf({ soname: 'ld-linux-x86-64.so.2' }));
  // An absolute link, as Debian ships it: it must resolve inside the root.
  symlinkSync('/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', join(root, 'lib64/ld-linux-x86-64.so.2'));
  // Links that try to leave the root.
  symlinkSync('/', join(root, 'lib/x86_64-linux-gnu/toroot'));
  symlinkSync('../../../../../../../..', join(root, 'lib/x86_64-linux-gnu/up'));
  symlinkSync(join(outside, 'secret.so'), join(root, 'lib/x86_64-linux-gnu/libsecret.so.1'));
  symlinkSync('loop2', join(root, 'lib/x86_64-linux-gnu/loop1'));
  symlinkSync('loop1', join(root, 'lib/x86_64-linux-gnu/loop2'));
  return { root, outside };
}

describe('confinedFs', () => {
  it('resolves absolute links, `..` and links to / inside the root', () => {
    const { root, outside } = makeRoot();
    const fs = confinedFs(root);
    expect(fs.realpath('/lib64/ld-linux-x86-64.so.2')).toEqual({ ok: true, value: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' });
    expect(fs.realpath('/lib/x86_64-linux-gnu/toroot/lib64')).toEqual({ ok: true, value: '/lib64' });
    expect(fs.realpath('/lib/x86_64-linux-gnu/up/usr/bin')).toEqual({ ok: true, value: '/usr/bin' });
    expect(fs.realpath('/../../../..' + outside)).toEqual({ ok: false, errno: 'ENOENT' });
    // The link to a file outside names an in-root path that does not exist.
    expect(fs.open('/lib/x86_64-linux-gnu/libsecret.so.1')).toEqual({ ok: false, errno: 'ENOENT' });
    expect(fs.stat('/lib/x86_64-linux-gnu/loop1')).toEqual({ ok: false, errno: 'ELOOP' });
    expect(fs.stat('/lib/x86_64-linux-gnu/libc.so.6/x')).toEqual({ ok: false, errno: 'ENOTDIR' });
  });

  it('a program whose needs point outside the root finds nothing outside', () => {
    const { root, outside } = makeRoot();
    writeFileSync(join(root, 'usr/bin/prog'), buildElf({
      type: 2, interp: '/lib64/ld-linux-x86-64.so.2',
      needed: ['libsecret.so.1', `${outside}/secret.so`, '/lib/x86_64-linux-gnu/up/tmp/secret.so', 'loop1', 'libc.so.6'],
    }));
    const r = buildLoadGraph(confinedFs(root), '/usr/bin/prog', { root });
    if (!r.ok) throw new Error(r.message);
    const g = r.graph;
    const missing = g.objects.filter((o) => o.kind === 'missing').map((o) => o.name);
    expect(missing).toEqual(['libsecret.so.1', `${outside}/secret.so`, '/lib/x86_64-linux-gnu/up/tmp/secret.so', 'loop1']);
    expect(g.objects.filter((o) => o.kind === 'library').map((o) => o.realPath)).toEqual(['/lib/x86_64-linux-gnu/libc.so.6']);
    // ELOOP in a directory abandons that list but the search goes on elsewhere (glibc open_path).
    expect(g.edges.find((e) => e.name === 'loop1')?.trace.some((c) => c.outcome === 'abandons-list')).toBe(true);
  });

  it('answers alike before and after a walk has passed a directory (each entry then costs one lstat)', () => {
    const { root } = makeRoot();
    const dir = '/lib/x86_64-linux-gnu';
    const names = ['libc.so.6', 'toroot', 'up', 'libsecret.so.1', 'loop1', 'nothing', '..', '.', 'libc.so.6/x'];
    const ask = (fs: ReturnType<typeof confinedFs>) => names.map((n) => [fs.realpath(`${dir}/${n}`), fs.stat(`${dir}/${n}`).ok, fs.open(`${dir}/${n}`).ok]);
    const cold = ask(confinedFs(root));
    const walked = confinedFs(root);
    expect(walked.readdir(dir).ok).toBe(true);
    expect(walked.stat(dir).ok).toBe(true);
    // Twice: the second time every answer comes from what the first learnt.
    expect(ask(walked)).toEqual(cold);
    expect(ask(walked)).toEqual(cold);
    expect(cold.map(([r]) => r)).toEqual([
      { ok: true, value: `${dir}/libc.so.6` }, { ok: true, value: '/' }, { ok: true, value: '/' }, { ok: false, errno: 'ENOENT' },
      { ok: false, errno: 'ELOOP' }, { ok: false, errno: 'ENOENT' }, { ok: true, value: '/lib' }, { ok: true, value: dir }, { ok: false, errno: 'ENOTDIR' },
    ]);
  });

  it('counts every link of a path against the kernel\'s 40, also when part of it was resolved before', () => {
    const root = mkdtempSync(join(tmpdir(), 'loadgraph-links-'));
    mkdirSync(join(root, 'd'));
    writeFileSync(join(root, 'd/f'), '');
    symlinkSync('f', join(root, 'd/x'));
    // l1 → l2 → … → l40 → d: 40 links, as many as the kernel follows in one path.
    for (let i = 1; i <= 40; i++) symlinkSync(i === 40 ? 'd' : `l${i + 1}`, join(root, `l${i}`));
    const kernel = (p: string) => { try { statSync(join(root, p)); return 'ok'; } catch (e) { return (e as NodeJS.ErrnoException).code; } };
    expect([kernel('l1'), kernel('l1/f'), kernel('l1/x'), kernel('l2/x')]).toEqual(['ok', 'ok', 'ELOOP', 'ok']);
    const ours = (fs: ReturnType<typeof confinedFs>, p: string) => { const r = fs.stat(`/${p}`); return r.ok ? 'ok' : r.errno; };
    const fs = confinedFs(root);
    // /l1 first (40 links), then paths under it: the 41st link is one too many, as the kernel says.
    expect(['l1', 'l1/f', 'l1/x', 'l2/x'].map((p) => ours(fs, p))).toEqual(['ok', 'ok', 'ELOOP', 'ok']);
    expect(ours(confinedFs(root), 'l1/x')).toBe('ELOOP');
  });
});
