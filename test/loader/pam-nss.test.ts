// PAM stacks and nsswitch.conf read as libpam and glibc read them: the modules each would dlopen().
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNsswitch, BUILTIN_NSS_SINCE_2_34 } from '../../src/loader/nss.js';
import { pamModuleDirOf, readPamStack } from '../../src/loader/pam.js';
import { bytesSource } from '../../src/elf/source.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import { sysroot } from '../support/corpus.js';
import { requires, sysrootOf } from '../support/prereq.js';
import { memoryFs } from '../support/memory-fs.js';

const enc = (s: string) => new TextEncoder().encode(s);
const fsOf = (files: Record<string, string>) => memoryFs(new Map(Object.entries(files).map(([k, v]) => [k, enc(v)])));
const DIR = '/lib/x86_64-linux-gnu/security/';

describe('readPamStack', () => {
  const files = {
    '/etc/pam.d/sshd': [
      '#%PAM-1.0',
      '@include common-auth',
      'account    required     pam_nologin.so',
      'session [success=ok ignore=ignore module_unknown=ignore default=bad]  pam_selinux.so close',
      'session    include      common-session   # only its session lines',
      '-session   optional     pam_gone.so',
      'password   substack     common-password',
      'auth \\',
      '   optional /opt/pam/pam_abs.so arg',
    ].join('\n'),
    '/etc/pam.d/common-auth': 'auth required pam_unix.so nullok\n',
    '/etc/pam.d/common-session': 'session optional pam_systemd.so\naccount required pam_not_taken.so\n',
    '/usr/lib/pam.d/common-password': 'password required pam_unix.so obscure\n',
    '/etc/pam.d/other': 'auth required pam_deny.so\n',
  };

  it('follows @include, include (by type), substack, -module and continuation lines; then other', () => {
    const warnings: string[] = [];
    const stack = readPamStack(fsOf(files), 'sshd', DIR, warnings);
    expect(warnings).toEqual([]);
    expect(stack.serviceFile).toBe('/etc/pam.d/sshd');
    expect(stack.modules.map((m) => [m.stack, m.type, m.module, m.path, m.silent])).toEqual([
      ['sshd', 'auth', 'pam_unix.so', `${DIR}pam_unix.so`, false],
      ['sshd', 'account', 'pam_nologin.so', `${DIR}pam_nologin.so`, false],
      ['sshd', 'session', 'pam_selinux.so', `${DIR}pam_selinux.so`, false],
      ['sshd', 'session', 'pam_systemd.so', `${DIR}pam_systemd.so`, false],
      ['sshd', 'session', 'pam_gone.so', `${DIR}pam_gone.so`, true],
      ['sshd', 'password', 'pam_unix.so', `${DIR}pam_unix.so`, false],
      ['sshd', 'auth', '/opt/pam/pam_abs.so', '/opt/pam/pam_abs.so', false],
      ['other', 'auth', 'pam_deny.so', `${DIR}pam_deny.so`, false],
    ]);
    expect(stack.modules[2]!.control).toBe('[success=ok ignore=ignore module_unknown=ignore default=bad]');
    expect(stack.modules[3]!.via).toEqual(['/etc/pam.d/sshd:5', '/etc/pam.d/common-session:1']);
    expect(stack.modules[6]!.via).toEqual(['/etc/pam.d/sshd:8']);
  });

  it('falls back to other when the service has no file', () => {
    const stack = readPamStack(fsOf(files), 'nosuch', DIR, []);
    expect(stack.serviceFile).toBeUndefined();
    expect(stack.modules.map((m) => m.module)).toEqual(['pam_deny.so']);
  });

  it('reports a missing include, an include cycle and bad lines, and keeps the rest', () => {
    const warnings: string[] = [];
    const stack = readPamStack(fsOf({
      '/etc/pam.d/svc': '@include missing\nauth include loop\nbogus required pam_x.so\nsession required\nauth required pam_ok.so\n',
      '/etc/pam.d/loop': 'auth include loop\n',
    }), 'svc', DIR, warnings);
    expect(stack.modules.map((m) => m.module)).toEqual(['pam_ok.so']);
    expect(warnings).toEqual([
      expect.stringMatching(/svc:1: included file "missing" not found/),
      expect.stringMatching(/loop:1: includes nested deeper than 16/),
      expect.stringMatching(/svc:3: unknown module type "bogus"/),
      expect.stringMatching(/svc:4: no module named/),
      expect.stringMatching(/no \/etc\/pam.d\/other/),
    ]);
  });

  it('ends on files that include each other several times (libpam would read 3^16 files): a bounded read, with a warning', () => {
    const warnings: string[] = [];
    let reads = 0;
    const fs = fsOf({
      '/etc/pam.d/svc': 'auth include svc\nauth include svc\nauth include svc\nauth required pam_ok.so\n',
      '/etc/pam.d/other': 'auth required pam_deny.so\n',
    });
    const stack = readPamStack({ ...fs, readFile: (p, max) => (reads++, fs.readFile(p, max)) }, 'svc', DIR, warnings);
    expect(reads).toBeLessThan(1_100);
    expect(new Set(stack.modules.map((m) => m.module))).toEqual(new Set(['pam_ok.so', 'pam_deny.so']));
    // The other stack has its own budget, and each warning is given once.
    expect(stack.modules.at(-1)!.stack).toBe('other');
    expect(warnings).toEqual([
      'PAM: /etc/pam.d/svc:1: includes nested deeper than 16 (a cycle?); libpam stops here',
      'PAM: /etc/pam.d/svc:2: includes nested deeper than 16 (a cycle?); libpam stops here',
      'PAM: /etc/pam.d/svc:3: includes nested deeper than 16 (a cycle?); libpam stops here',
      'PAM: svc: more than 1000 files included (files that include each other; libpam would not finish reading them); the rest not read',
    ]);
  });

  it('reads /etc/pam.conf, with its service field, when there is no pam.d directory', () => {
    const stack = readPamStack(fsOf({ '/etc/pam.conf': 'sshd auth required pam_a.so\nlogin auth required pam_b.so\nSSHD session optional pam_c.so\n' }), 'sshd', DIR, []);
    expect(stack.modules.map((m) => m.module)).toEqual(['pam_a.so', 'pam_c.so']);
  });

  it('reads Debian 12 sshd stack, with the common-* files pam-auth-update writes at install time', (ctx) => {
    requires(ctx, sysrootOf('amd64'));
    const warnings: string[] = [];
    const stack = readPamStack(confinedFs(sysroot('amd64')), 'sshd', DIR, warnings);
    expect(stack.serviceFile).toBe('/etc/pam.d/sshd');
    expect(new Set(stack.modules.map((m) => m.module))).toEqual(new Set(['pam_nologin.so', 'pam_selinux.so', 'pam_loginuid.so',
      'pam_keyinit.so', 'pam_motd.so', 'pam_mail.so', 'pam_limits.so', 'pam_env.so', 'pam_unix.so', 'pam_deny.so', 'pam_permit.so', 'pam_systemd.so']));
    expect(warnings).toEqual([]);
    expect(stack.modules.find((m) => m.module === 'pam_systemd.so')!.via).toEqual(['/etc/pam.d/sshd:28', '/etc/pam.d/common-session:24']);
  });

  // scripts/pam-auth-update.mjs (run by the fetch script) against the files Debian 12's pam-auth-update
  // writes on a fresh install with libpam-runtime and libpam-systemd: their module lines, byte for byte.
  it('the fetched sysroot has the common-* files a Debian 12 install has', (ctx) => {
    requires(ctx, sysrootOf('amd64'));
    const lines = (type: string) => readFileSync(join(sysroot('amd64'), 'etc/pam.d', `common-${type}`), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines('auth')).toEqual(['auth\t[success=1 default=ignore]\tpam_unix.so nullok', 'auth\trequisite\t\t\tpam_deny.so', 'auth\trequired\t\t\tpam_permit.so']);
    expect(lines('account')).toEqual(['account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so ', 'account\trequisite\t\t\tpam_deny.so', 'account\trequired\t\t\tpam_permit.so']);
    expect(lines('password')).toEqual(['password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt', 'password\trequisite\t\t\tpam_deny.so', 'password\trequired\t\t\tpam_permit.so']);
    const session = ['session\t[default=1]\t\t\tpam_permit.so', 'session\trequisite\t\t\tpam_deny.so', 'session\trequired\t\t\tpam_permit.so', 'session\trequired\tpam_unix.so '];
    expect(lines('session')).toEqual([...session, 'session\toptional\tpam_systemd.so ']);
    expect(lines('session-noninteractive')).toEqual(session);
  });
});

describe('readNsswitch', () => {
  it('lists each non-built-in service once with its databases, skipping action blocks', () => {
    const warnings: string[] = [];
    const s = readNsswitch(fsOf({ '/etc/nsswitch.conf': [
      'passwd:   files systemd',
      'group:    files [SUCCESS=merge] systemd',
      'hosts:    files mdns4_minimal [NOTFOUND=return] dns',
      'services: db files   # comment',
      'netgroup: nis',
      'nonsense: ldap',
      'broken line',
    ].join('\n') }), BUILTIN_NSS_SINCE_2_34, warnings);
    expect(s).toEqual([
      { service: 'systemd', soname: 'libnss_systemd.so.2', databases: ['passwd', 'group'], via: ['/etc/nsswitch.conf:1', '/etc/nsswitch.conf:2'] },
      { service: 'mdns4_minimal', soname: 'libnss_mdns4_minimal.so.2', databases: ['hosts'], via: ['/etc/nsswitch.conf:3'] },
      { service: 'db', soname: 'libnss_db.so.2', databases: ['services'], via: ['/etc/nsswitch.conf:4'] },
      { service: 'nis', soname: 'libnss_nis.so.2', databases: ['netgroup'], via: ['/etc/nsswitch.conf:5'] },
    ]);
    expect(warnings).toEqual([expect.stringMatching(/nsswitch.conf:7: no "database:" prefix/)]);
  });

  it('treats files and dns as separate modules before glibc 2.34, and a missing file as the defaults', () => {
    expect(readNsswitch(fsOf({ '/etc/nsswitch.conf': 'hosts: files dns\n' }), [], []).map((s) => s.soname)).toEqual(['libnss_files.so.2', 'libnss_dns.so.2']);
    expect(readNsswitch(fsOf({}), BUILTIN_NSS_SINCE_2_34, [])).toEqual([]);
  });
});

describe('pamModuleDirOf', () => {
  it('finds the one absolute "…/security/" string and nothing inside other strings', () => {
    const lib = enc('\0\x7fELF junk\0/lib/security\0x/lib/not/security/\0/usr/lib/pam.d/%s\0/lib/aarch64-linux-gnu/security/\0tail');
    expect(pamModuleDirOf(bytesSource(lib))).toBe('/lib/aarch64-linux-gnu/security/');
    expect(pamModuleDirOf(bytesSource(enc('no such string')))).toBeUndefined();
  });

  it("reads Debian's securedir from the sysroot's libpam.so.0", (ctx) => {
    requires(ctx, sysrootOf('amd64'));
    const f = confinedFs(sysroot('amd64')).open('/lib/x86_64-linux-gnu/libpam.so.0');
    if (!f.ok) throw new Error(f.errno);
    expect(pamModuleDirOf(f.value)).toBe('/lib/x86_64-linux-gnu/security/');
  });
});
