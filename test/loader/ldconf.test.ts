// ld.so.conf as ldconfig reads it: comments, include globs in C-collation order, relative includes,
// `hwcap` lines ignored, missing directories dropped, include cycles bounded.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confinedFs } from '../../src/host/confined-fs.js';
import { readLdSoConf } from '../../src/loader/ldconf.js';

describe('readLdSoConf', () => {
  it('follows include globs in order and keeps existing directories once', () => {
    const root = mkdtempSync(join(tmpdir(), 'loadgraph-conf-'));
    for (const d of ['etc/ld.so.conf.d', 'opt/a', 'opt/b', 'opt/B', 'usr/local/lib']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'etc/ld.so.conf'), '# system\ninclude /etc/ld.so.conf.d/*.conf\n/usr/local/lib/   # trailing slash\nhwcap 1 nosegneg\n/does/not/exist\n');
    writeFileSync(join(root, 'etc/ld.so.conf.d/20-b.conf'), '/opt/b\n/opt/a\n');
    writeFileSync(join(root, 'etc/ld.so.conf.d/10-a.conf'), '  /opt/a=libc6\ninclude sub.inc\n');
    writeFileSync(join(root, 'etc/ld.so.conf.d/Z.conf'), '/opt/B\n');
    writeFileSync(join(root, 'etc/ld.so.conf.d/sub.inc'), '/usr/local/lib\n');
    writeFileSync(join(root, 'etc/ld.so.conf.d/.hidden.conf'), '/opt/hidden\n');
    const warnings: string[] = [];
    // C collation: "10-a" < "20-b" < "Z" (uppercase after digits); relative includes are relative to the including file.
    expect(readLdSoConf(confinedFs(root), warnings)).toEqual(['/opt/a', '/usr/local/lib', '/opt/b', '/opt/B']);
    expect(warnings).toEqual([]);
  });

  it('stops an include cycle with a warning', () => {
    const root = mkdtempSync(join(tmpdir(), 'loadgraph-conf-'));
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/ld.so.conf'), 'include /etc/ld.so.conf\n');
    const warnings: string[] = [];
    expect(readLdSoConf(confinedFs(root), warnings)).toEqual([]);
    expect(warnings[0]).toMatch(/include nesting deeper than/);
  });
});
