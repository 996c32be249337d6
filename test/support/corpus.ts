// Real ELF files for differential tests: this machine's system directories and the Debian sysroots
// fetched by scripts/fetch-sysroots.sh (scripts/test-setup.sh runs it).
import { execaSync } from 'execa';
import { closeSync, existsSync, lstatSync, openSync, readFileSync, readSync, readdirSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const ARCHES = ['amd64', 'i386', 'arm64', 'armhf', 's390x', 'ppc64el', 'mips64el'] as const;
export type Arch = (typeof ARCHES)[number];

export const corpusDir = process.env.LOADGRAPH_CORPUS ?? join(homedir(), '.cache', 'loadgraph-corpus');
/** A sysroot: bookworm's by architecture, or another release's as RELEASE-ARCH (scripts/fetch-sysroots.sh --release). */
export type Sysroot = Arch | 'trixie-amd64';
export const sysroot = (name: Sysroot) => join(corpusDir, name, 'root');
export const hasSysroot = (name: Sysroot) => existsSync(join(corpusDir, name, '.done'));

/**
 * A copy of a sysroot at `dest` to change: hard links where the corpus is on the same file system (a file
 * is then patched only after ownCopy), else a full copy. Returns `dest`.
 */
export function copySysroot(root: string, dest: string): string {
  if (execaSync('cp', ['-al', `${root}/.`, dest], { reject: false }).exitCode !== 0) {
    rmSync(dest, { recursive: true, force: true });
    execaSync('cp', ['-a', `${root}/.`, dest]);
  }
  return dest;
}

/** The file at `path` (its real path) made a file of its own, no longer a hard link shared with the corpus; the real path. */
export function ownCopy(path: string): string {
  const file = realpathSync(path);
  const bytes = readFileSync(file);
  unlinkSync(file);
  writeFileSync(file, bytes);
  return file;
}

export function isElf(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b.readUInt32BE(0) === 0x7f454c46;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Regular ELF files below `dir` (symbolic links are not followed), in a stable order. */
export function elfFilesUnder(dir: string, recursive = true): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory() && recursive) visit(p);
      else if (st.isFile() && st.size >= 4 && isElf(p)) out.push(p);
    }
  };
  visit(dir);
  return out;
}

/** Runs `f` over `items` with at most `width` promises in flight. */
export async function pool<T, R>(items: readonly T[], width: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  }));
  return out;
}
