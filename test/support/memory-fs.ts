// An in-memory FileSystem for loader tests: paths → bytes, no symbolic links.
import type { FileSystem, FsResult, OpenFile } from '../../src/loader/fs.js';
import { bytesSource } from '../../src/elf/source.js';

/** Bytes and read calls a memoryFs has served: work a test can bound where a clock would flake. */
export interface ReadMeter { bytes: number; calls: number }

export function memoryFs(files: ReadonlyMap<string, Uint8Array>, meter: ReadMeter = { bytes: 0, calls: 0 }): FileSystem {
  const dirs = new Set<string>(['/']);
  for (const p of files.keys()) for (let d = p.slice(0, p.lastIndexOf('/')); d; d = d.slice(0, d.lastIndexOf('/'))) dirs.add(d);
  const ids = new Map([...files.keys()].map((p, i) => [p, `mem:${i}`]));
  const norm = (p: string) => p.replace(/\/+/g, '/').replace(/\/$/, '') || '/';
  const stat = (path: string): FsResult<import('../../src/loader/fs.js').FileInfo> => {
    const p = norm(path);
    const f = files.get(p);
    if (f) return { ok: true, value: { kind: 'file', id: ids.get(p)!, size: f.length, mode: 0o644 } };
    if (dirs.has(p)) return { ok: true, value: { kind: 'dir', id: `dir:${p}`, size: 0, mode: 0o755 } };
    return { ok: false, errno: 'ENOENT' };
  };
  return {
    stat,
    open(path): FsResult<OpenFile> {
      const p = norm(path);
      const f = files.get(p);
      if (!f) return { ok: false, errno: dirs.has(p) ? 'EISDIR' : 'ENOENT' };
      const src = bytesSource(f);
      const read = (o: number, l: number) => { const b = src.read(o, l); meter.calls++; meter.bytes += b.length; return b; };
      return { ok: true, value: { size: src.size, read, info: { kind: 'file', id: ids.get(p)!, size: f.length, mode: 0o644 }, close() {} } };
    },
    readFile(path, max) {
      const f = files.get(norm(path));
      if (!f) return { ok: false, errno: 'ENOENT' };
      meter.calls++;
      meter.bytes += Math.min(f.length, max);
      return { ok: true, value: f.subarray(0, max) };
    },
    readdir(path) {
      const p = norm(path);
      if (!dirs.has(p)) return { ok: false, errno: 'ENOENT' };
      const prefix = p === '/' ? '/' : `${p}/`;
      const names = new Set([...files.keys(), ...dirs].filter((x) => x.startsWith(prefix) && x !== p).map((x) => x.slice(prefix.length).split('/')[0]!));
      return { ok: true, value: [...names].map((name) => ({ name, kind: dirs.has(prefix + name) ? 'dir' as const : 'file' as const })) };
    },
    realpath(path) {
      const s = stat(path);
      return s.ok ? { ok: true, value: norm(path) } : s;
    },
  };
}
