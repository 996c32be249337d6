// A root's programs: ELF files with PT_INTERP under the program directories, each directory once by its
// real path, nothing outside the root, and one diagnostic per bad entry while the walk goes on.
import { execaSync } from 'execa';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confinedFs } from '../../src/host/confined-fs.js';
import { discoverPrograms } from '../../src/loader/programs.js';
import { buildElf } from '../support/elf-writer.js';

const INTERP = '/lib64/ld-linux-x86-64.so.2';

function makeRoot() {
  const outside = mkdtempSync(join(tmpdir(), 'loadgraph-outside-'));
  writeFileSync(join(outside, 'prog'), buildElf({ interp: INTERP }), { mode: 0o755 });
  const root = mkdtempSync(join(tmpdir(), 'loadgraph-scanroot-'));
  const file = (p: string, bytes: Uint8Array | string, mode = 0o755) => {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), bytes, { mode });
  };
  file('usr/bin/prog', buildElf({ interp: INTERP }));
  file('usr/sbin/daemon', buildElf({ interp: INTERP }));
  file('usr/lib/x86_64-linux-gnu/libc.so.6', buildElf({ soname: 'libc.so.6' })); // no PT_INTERP: not a program
  file('usr/libexec/helper', buildElf({ interp: INTERP }));
  file('opt/tool/bin/tool', buildElf({ interp: INTERP }));
  file('usr/share/doc/readme', 'text', 0o644);
  file('usr/bin/script', '#!/bin/sh\necho hi\n'); // executable, not ELF: not a program, no diagnostic
  file('usr/bin/truncated', buildElf({ interp: INTERP }).subarray(0, 40)); // ELF magic, cut inside the header
  const corrupt = buildElf({ interp: INTERP });
  corrupt[54] = 0x00; corrupt[55] = 0x01; // e_phentsize 256
  file('usr/bin/corrupt', corrupt);
  file('etc/not-scanned', buildElf({ interp: INTERP }));
  // Merged /usr: /bin and /sbin are links into /usr; walked once.
  symlinkSync('usr/bin', join(root, 'bin'));
  symlinkSync('usr/sbin', join(root, 'sbin'));
  symlinkSync('usr/lib', join(root, 'lib'));
  // A second name for a program, a link up the tree (a directory loop), a link loop, a link leaving the root.
  symlinkSync('prog', join(root, 'usr/bin/prog-alias'));
  symlinkSync('../..', join(root, 'usr/lib/up'));
  symlinkSync('loop-b', join(root, 'usr/bin/loop-a'));
  symlinkSync('loop-a', join(root, 'usr/bin/loop-b'));
  symlinkSync(join(outside, 'prog'), join(root, 'usr/bin/escape'));
  symlinkSync('/../../../..' + outside, join(root, 'usr/lib/escape-dir'));
  symlinkSync('/etc', join(root, 'opt/etc-link')); // into the root, outside the program directories: not followed
  symlinkSync('/', join(root, 'usr/bin/root-link')); // the whole root again: not followed
  execaSync('mkfifo', [join(root, 'usr/bin/fifo')]);
  chmodSync(join(root, 'usr/bin/fifo'), 0o755);
  return root;
}

describe('discoverPrograms', () => {
  const root = makeRoot();
  const opened: string[] = [];
  const real = confinedFs(root);
  const d = discoverPrograms({ ...real, open: (p) => (opened.push(p), real.open(p)) });

  it('finds every program once by its real path, through merged-/usr links, and nothing else', () => {
    expect(d.programs).toEqual(['/usr/bin/prog', '/usr/libexec/helper', '/opt/tool/bin/tool', '/usr/sbin/daemon'].sort());
  });

  it('gives one diagnostic per bad entry — loop, FIFO, truncated, corrupt — and never opens the FIFO', () => {
    expect(d.diagnostics.sort()).toEqual([
      '/usr/bin/corrupt: e_phentsize is 256, an Elf64_Phdr has 56 bytes (Elf64_Ehdr.e_phentsize at offset 0x36)',
      '/usr/bin/fifo: a FIFO, not opened',
      '/usr/bin/loop-a: too many levels of symbolic links',
      '/usr/bin/loop-b: too many levels of symbolic links',
      '/usr/bin/truncated: Elf64_Ehdr runs past the end of the file (Elf64_Ehdr at offset 0x0)',
    ]);
    expect(opened.filter((p) => p.includes('fifo'))).toEqual([]);
    // Files without an execute bit are never opened in a walk (execve() could not run them).
    expect(opened).not.toContain('/usr/share/doc/readme');
    expect(opened).toContain('/usr/bin/script');
  });

  it('narrows to the paths given, and says what each named non-program is', () => {
    const n = discoverPrograms(confinedFs(root), ['/bin', '/usr/bin/script', '/usr/lib/x86_64-linux-gnu/libc.so.6']);
    // /usr/bin/root-link leads out of /bin (= /usr/bin): the walk of a PATH stays inside it.
    expect(n.programs).toEqual(['/usr/bin/prog']);
    expect(n.diagnostics.filter((x) => !/loop-|fifo|truncated|corrupt/.test(x)).sort()).toEqual([
      '/usr/bin/script: not an ELF file',
      '/usr/lib/x86_64-linux-gnu/libc.so.6: not a program (no PT_INTERP)',
    ]);
  });

  it('a walk from / passes by the root\'s /proc, /sys, /dev and /run (named, they are walked) and takes the rest', () => {
    const r = mkdtempSync(join(tmpdir(), 'loadgraph-scanroot-'));
    for (const d of ['proc/1', 'sys', 'dev', 'run', 'srv/app', 'usr/bin']) mkdirSync(join(r, d), { recursive: true });
    for (const p of ['proc/1/exe', 'sys/prog', 'dev/prog', 'run/prog', 'srv/app/prog', 'usr/bin/prog']) writeFileSync(join(r, p), buildElf({ interp: INTERP }), { mode: 0o755 });
    execaSync('mkfifo', [join(r, 'run/initctl')]);
    expect(discoverPrograms(confinedFs(r), ['/'])).toEqual({ programs: ['/srv/app/prog', '/usr/bin/prog'], diagnostics: [], unusable: null });
    expect(discoverPrograms(confinedFs(r), ['/proc', '/run']).programs).toEqual(['/proc/1/exe', '/run/prog']);
  });

  it('an unreadable file is one diagnostic (faked: tests run as root, who can read anything)', () => {
    const real = confinedFs(root);
    const n = discoverPrograms({ ...real, open: (p) => (p === '/usr/bin/prog' ? { ok: false, errno: 'EACCES' } : real.open(p)) }, ['/usr/bin/prog', '/usr/sbin']);
    expect(n).toEqual({ programs: ['/usr/sbin/daemon'], diagnostics: ['/usr/bin/prog: permission denied'], unusable: null });
  });

  it('nothing to walk is unusable, not "no programs": a root that cannot be read or has no program directory, a PATH that is not there', () => {
    expect(discoverPrograms(confinedFs(join(root, 'no-such-dir')))).toEqual({ programs: [], diagnostics: [], unusable: 'cannot be used as a root (no such file or directory)' });
    const empty = mkdtempSync(join(tmpdir(), 'loadgraph-empty-'));
    expect(discoverPrograms(confinedFs(empty)).unusable).toBe('cannot be used as a root (none of /usr, /bin, /sbin, /lib*, /opt is a directory)');
    expect(discoverPrograms(confinedFs(root), ['/bin', '/nonexistent'])).toEqual({ programs: [], diagnostics: [], unusable: '/nonexistent: no such file or directory' });
  });
});
