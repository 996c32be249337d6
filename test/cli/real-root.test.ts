// A real root against its own loader: a copy of this machine's /usr made of hard links (no bytes copied),
// merged-/usr links, this machine's /etc/ld.so.conf and an ld.so.cache written into it by ldconfig -r —
// what a container image or a mounted system looks like — with one cache entry whose file is gone since.
// For every x86-64 program in it, the closure `scan --root` reports equals what the root's own ld.so (a
// hard link of this machine's) lists in trace mode when chroot'ed into it (as ldd: nothing is run);
// `rdeps --root` of a few libraries equals the programs whose listing names them. The Debian sysroots,
// unpacked without ldconfig, cannot serve.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { eachInShell } from '../support/fixtures.js';
import { LDCONFIG_ROOT, LDD, ROOT_CHROOT, condition, haveAll, requires } from '../support/prereq.js';

/** chroot, and ldconfig -r with this machine's ld.so.conf to write the root's cache. */
const CHROOT_LDCONFIG = [ROOT_CHROOT, LDCONFIG_ROOT, condition('/etc/ld.so.conf', existsSync('/etc/ld.so.conf'), 'apt-get install libc-bin')];
const LIBS = ['liblzma.so.5', 'libz.so.1', 'libselinux.so.1', 'libcrypto.so.3', 'libsystemd.so.0'];
const STALE = '/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0';

/** The root of hard links, or why there is none (/tmp on another file system than /usr). */
function makeRoot(): { root: string } | { why: string } {
  const root = mkdtempSync(join(tmpdir(), 'loadgraph-real-root-'));
  try {
    execFileSync('mkdir', ['-p', `${root}/usr`, `${root}/etc`]);
    const dirs = ['lib', 'lib32', 'lib64', 'libx32', 'bin', 'sbin', 'libexec'].filter((d) => existsSync(`/usr/${d}`));
    execFileSync('cp', ['-al', ...dirs.map((d) => `/usr/${d}`), `${root}/usr/`], { stdio: 'pipe' });
    for (const d of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) if (dirs.includes(d)) execFileSync('ln', ['-s', `usr/${d}`, `${root}/${d}`]);
    execFileSync('cp', ['-a', '/etc/ld.so.conf', ...(existsSync('/etc/ld.so.conf.d') ? ['/etc/ld.so.conf.d'] : []), `${root}/etc/`]);
    execFileSync('ldconfig', ['-r', root]);
    // A cache entry whose file is gone since (libpcre2-8, which libselinux needs): ld.so goes on to the
    // system directories, and libselinux's users list it as not found.
    rmSync(`${root}${STALE}`, { force: true });
    return { root };
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    return { why: `cannot hard-link /usr into ${tmpdir()} (${(e as Error).message.split('\n')[0]})` };
  }
}

/** A path inside `root` with every link resolved inside it. */
function inRoot(root: string, path: string): string {
  const todo = path.split('/').filter(Boolean).reverse();
  let done: string[] = [];
  for (let links = 0; todo.length > 0;) {
    const c = todo.pop()!;
    if (c === '.') continue;
    if (c === '..') {
      done.pop();
      continue;
    }
    const here = `/${[...done, c].join('/')}`;
    if (!existsSync(root + here) && !isLink(root + here)) return `missing ${path}`;
    if (isLink(root + here)) {
      if (++links > 40) return `loop ${path}`;
      const target = readlinkSync(root + here);
      if (target.startsWith('/')) done = [];
      todo.push(...target.split('/').filter(Boolean).reverse());
      continue;
    }
    done.push(c);
  }
  return `/${done.join('/')}`;
}
const isLink = (p: string) => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};

describe('a real root (this machine\'s /usr as hard links, its ld.so.cache by ldconfig -r) against its own loader', () => {
  const made = haveAll(CHROOT_LDCONFIG, LDD) ? makeRoot() : null;
  if (made && 'why' in made) console.log(`real-root differential: SKIPPED — ${made.why}`);
  const root = made && 'root' in made ? made.root : null;
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('scan --root: every x86-64 program\'s closure is what the root\'s ld.so lists in a chroot; rdeps --root agrees', async (ctx) => {
    requires(ctx, LDD, CHROOT_LDCONFIG, condition('a root of hard links (/tmp on the file system of /usr)', root !== null, 'set TMPDIR to a directory on the file system that holds /usr'));
    const scan = await runCli(['scan', '--root', root!, '--no-cache', '--no-code', '--quiet', '--format', 'ndjson']);
    const records = scan.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { path: string; status: string; closure: Array<{ path: string }>; missing: string[] });
    expect(records.length).toBeGreaterThan(100);
    // As ldd runs it (`ld.so --list` gives up at a missing library), in shells inside the root (so that
    // neither chroot nor the shell is traced).
    const listings = await eachInShell(records.map((r) => r.path), 'LD_TRACE_LOADED_OBJECTS=1 /lib64/ld-linux-x86-64.so.2 "$f"', '/', ['chroot', root!, '/bin/sh']);
    const listed = new Map<string, Set<string>>();
    let other = 0;
    for (const r of records) {
      const out = listings.get(r.path)!;
      if (/wrong ELF class/.test(out.stderr)) {
        other++;
        continue;
      }
      const theirs = new Set<string>();
      for (const line of out.stdout.split('\n')) {
        const m = /^\t(\S+) => (?:(\S+) \(0x|not found)/.exec(line) ?? /^\t(\/\S+)() \(0x/.exec(line);
        if (m) theirs.add(m[2] === undefined ? `not found ${m[1]}` : inRoot(root!, m[2] || m[1]!));
      }
      const ours = new Set([...r.closure.map((o) => inRoot(root!, o.path)), ...r.missing.map((name) => `not found ${name}`)]);
      expect({ program: r.path, closure: [...ours].sort() }).toEqual({ program: r.path, closure: [...theirs].sort() });
      listed.set(r.path, theirs);
    }
    const stale = [...listed.values()].filter((s) => s.has('not found libpcre2-8.so.0')).length;
    console.log(`real-root differential: ${listed.size} programs compared with the root's ld.so (${stale} miss ${STALE}, removed after ldconfig), ${other} of other classes left out`);
    if (existsSync(STALE)) expect(stale).toBeGreaterThan(0);
    const rdeps = await Promise.all(LIBS.map((lib) => runCli(['rdeps', '--root', root!, '--no-cache', '--quiet', '--format', 'json', lib])));
    let loaded = 0;
    LIBS.forEach((lib, k) => {
      const real = [...listed.values()].flatMap((s) => [...s]).find((p) => p.endsWith(`/${lib}`) || p.includes(`/${lib}.`));
      const expected = [...listed].filter(([, s]) => real !== undefined && s.has(real)).map(([p]) => p).sort();
      const got = (JSON.parse(rdeps[k]!.stdout) as { programs: Array<{ path: string }> }).programs.map((p) => p.path).sort();
      expect({ lib, programs: got }).toEqual({ lib, programs: expected });
      if (expected.length > 0) loaded++;
    });
    expect(loaded).toBeGreaterThan(1);
  }, 600_000);
});
