// ld.so.conf as ldconfig reads it: comments, include globs in C-collation order, relative includes,
// `hwcap` lines ignored, missing directories dropped, include cycles bounded; and C's rules for what ends
// a line and what is whitespace, against the real ldconfig run on the same root.
import { execaSync } from 'execa';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confinedFs } from '../../src/host/confined-fs.js';
import { readLdSoConf } from '../../src/loader/ldconf.js';
import { LDCONFIG_ROOT, requires } from '../support/prereq.js';

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
    expect(warnings).toEqual(['/etc/ld.so.conf: includes nested deeper than 16 (files that include each other, /etc/ld.so.conf the first); the deeper ones ignored']);
  });

  it('ends on files that include each other, however many: each is read to its end once, with a warning', () => {
    const root = mkdtempSync(join(tmpdir(), 'loadgraph-conf-'));
    mkdirSync(join(root, 'etc/ld.so.conf.d'), { recursive: true });
    mkdirSync(join(root, 'opt/a'), { recursive: true });
    writeFileSync(join(root, 'etc/ld.so.conf'), 'include /etc/ld.so.conf.d/*.conf\n/opt/a\n');
    // Every file includes all of them (ldconfig itself recurses without end here): 3 were enough to hang before.
    for (let i = 0; i < 300; i++) writeFileSync(join(root, `etc/ld.so.conf.d/${i}.conf`), 'include /etc/ld.so.conf.d/*.conf\n/opt/a\n');
    const warnings: string[] = [];
    let opened = 0;
    const fs = confinedFs(root);
    const counting = { ...fs, readFile: (p: string, max: number) => (opened++, fs.readFile(p, max)) };
    expect(readLdSoConf(counting, warnings)).toEqual(['/opt/a']);
    expect(opened).toBeLessThan(400);
    expect(warnings).toEqual([
      '/etc/ld.so.conf: includes nested deeper than 16 (files that include each other, /etc/ld.so.conf.d/0.conf the first); the deeper ones ignored',
      '/etc/ld.so.conf: more than 10000 files included in all; the other includes ignored',
    ]);
  });

  it('reads lines as ldconfig does: NUL and CR bytes, C whitespace, "=TYPE", one directory by two paths', (ctx) => {
    requires(ctx, LDCONFIG_ROOT);
    const root = mkdtempSync(join(tmpdir(), 'loadgraph-conf-'));
    for (const d of ['etc/conf.d', 'opt/a', 'opt/b', 'opt/c', 'opt/d', 'opt/e']) mkdirSync(join(root, d), { recursive: true });
    symlinkSync('/opt/a', join(root, 'opt/alink'));
    writeFileSync(join(root, 'etc/conf.d/1.conf'), '/opt/e\n');
    // The include line ends in "\r" (a CRLF file): the pattern keeps it and matches only the file whose name does.
    writeFileSync(join(root, 'etc/conf.d/2.conf\r'), '/opt/d\r\n');
    writeFileSync(join(root, 'etc/ld.so.conf'), Buffer.from([
      '/opt/b =libc6', // the path ends at '=', then loses its trailing blank
      '=libc6', // an empty path: dropped, not "/"
      '  include\t/etc/conf.d/*.conf\r',
      '/opt/alink/', // the same directory as /opt/a below, listed first
      'HWCAP\tnosegneg',
      '/opt/c\u00a0', // U+00A0 is not C whitespace: no such directory
      '/opt/c\0/opt/e', // a NUL byte ends the line
      '\t /opt/a//  \r',
    ].join('\n') + '\n'));
    const warnings: string[] = [];
    const ours = readLdSoConf(confinedFs(root), warnings);
    const verbose = execaSync('ldconfig', ['-r', root, '-v', '-N', '-X'], { env: { LC_ALL: 'C' }, reject: false, all: true }).all ?? '';
    const theirs = [...verbose.matchAll(/^(\/\S*): \(from (?!<builtin>)/gm)].map((m) => m[1]);
    expect(theirs).toEqual(['/opt/b', '/opt/d', '/opt/alink', '/opt/c']);
    expect(ours).toEqual(theirs);
    expect(warnings).toEqual([]);
  });
});
