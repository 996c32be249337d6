// The root's dpkg database answers which package version owns a file (known-bad releases by version): read
// once per run, however many programs of a whole-root check ask about the same library.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confinedFs } from '../../src/host/confined-fs.js';
import type { FileSystem } from '../../src/loader/fs.js';
import { type DpkgCache, dpkgVersions } from '../../src/loader/hardening-facts.js';

function dpkgRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'loadgraph-dpkg-'));
  mkdirSync(join(root, 'var/lib/dpkg/info'), { recursive: true });
  writeFileSync(join(root, 'var/lib/dpkg/status'), [
    'Package: liblzma5\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.4.1-0.2\n',
    'Package: libzstd1\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.5.4+dfsg2-5\n',
  ].join('\n'));
  writeFileSync(join(root, 'var/lib/dpkg/info/liblzma5:amd64.list'), '/.\n/usr/lib/x86_64-linux-gnu/liblzma.so.5\n/usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1\n');
  writeFileSync(join(root, 'var/lib/dpkg/info/libzstd1:amd64.list'), '/.\n/usr/lib/x86_64-linux-gnu/libzstd.so.1.5.4\n');
  writeFileSync(join(root, 'var/lib/dpkg/info/xz-utils.list'), '/.\n/usr/lib/x86_64-linux-gnu/liblzma.so.9.9.9\n'); // not a lib* list: never read
  return root;
}

describe('dpkg versions', () => {
  it("gives each file's package version, reading the database once per run", () => {
    const fs = confinedFs(dpkgRoot());
    const read: string[] = [];
    const counting: FileSystem = { ...fs, readFile: (p, max) => (read.push(p), fs.readFile(p, max)), readdir: (p) => (read.push(p), fs.readdir(p)) };
    const cache: DpkgCache = { found: new Map() };
    expect(dpkgVersions(counting, ['liblzma.so.5.4.1', 'liblzma.so.9.9.9'], cache)).toEqual(new Map([['liblzma.so.5.4.1', '5.4.1-0.2']]));
    expect(read.length).toBe(4); // status, the directory, the two lib* lists
    // Every later program asking about the same files: nothing read again.
    expect(dpkgVersions(counting, ['liblzma.so.5.4.1'], cache)).toEqual(new Map([['liblzma.so.5.4.1', '5.4.1-0.2']]));
    expect(dpkgVersions(counting, ['liblzma.so.9.9.9'], cache)).toEqual(new Map());
    expect(read.length).toBe(4);
    // A file not asked about before: the lists again, not the status file.
    expect(dpkgVersions(counting, ['libzstd.so.1.5.4'], cache)).toEqual(new Map([['libzstd.so.1.5.4', '1.5.4+dfsg2-5']]));
    expect(read.slice(4)).toEqual(['/var/lib/dpkg/info/liblzma5:amd64.list', '/var/lib/dpkg/info/libzstd1:amd64.list']);
  });

  it('a root without a dpkg database: no versions', () => {
    const root = mkdtempSync(join(tmpdir(), 'loadgraph-dpkg-'));
    expect(dpkgVersions(confinedFs(root), ['liblzma.so.5.4.1'])).toEqual(new Map());
  });
});
