// The CLI's I/O on this process: real streams, environment and file access (main.ts, replay-main.ts).
import { fstatSync, readFileSync, statSync, writeSync } from 'node:fs';
import { decodeUtf8 } from '../elf/utf8.js';
import { answerStore } from '../host/answer-store.js';
import { confinedFs, currentDir } from '../host/confined-fs.js';
import { detectHostCpu } from '../host/cpu.js';
import { withFileSource } from '../host/file-source.js';
import type { CliIo, Writable } from './io.js';

/** This process's I/O; answers are kept only for a named build (the launcher names it: bin/loadgraph.js). */
export function processIo(build: string | null): CliIo {
  const out = direct(1), err = direct(2);
  return {
    stdout: out ?? stream(process.stdout),
    stderr: err ?? process.stderr,
    env: process.env,
    isTTY: out === null && process.stdout.isTTY === true,
    stderrIsTTY: err === null && process.stderr.isTTY === true,
    withFile: withFileSource,
    graphFs: confinedFs,
    cwd: currentDir(),
    hostCpu: detectHostCpu,
    answers: build === null ? null : answerStore(process.env, build),
  };
}

/**
 * Output to a regular file or /dev/null, written straight to the descriptor, as Node's own stream does
 * for a file, but without making that stream; null for anything else (a pipe or a terminal may be slow
 * to read, which Node's stream waits for).
 */
function direct(fd: 1 | 2): Writable | null {
  try {
    const st = fstatSync(fd);
    if (!st.isFile() && !(st.isCharacterDevice() && st.rdev === statSync('/dev/null').rdev)) return null;
  } catch {
    return null;
  }
  return {
    write(data: string | Uint8Array) {
      const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      try {
        for (let at = 0; at < b.length;) at += writeSync(fd, b, at);
      } catch (e) {
        if (fd === 1) cannotWrite(e as Error);
      }
    },
  };
}

/**
 * Node's stdout stream; a reader that stops early (`loadgraph scan | head`) closes the pipe: stop
 * quietly, as a program killed by SIGPIPE would (Node ignores that signal, so a write fails with EPIPE).
 */
function stream(out: NodeJS.WriteStream): Writable {
  if (out.listenerCount('error') === 0) out.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(process.exitCode ?? 0) : cannotWrite(e)));
  return out;
}

function cannotWrite(e: Error): never {
  process.stderr.write(`loadgraph: cannot write the output: ${e.message}\n`);
  process.exit(2);
}

/**
 * The command's arguments as the kernel passed them. Node decodes argv as UTF-8 and puts U+FFFD for bytes
 * that are not; a path so named would name no file. /proc/self/cmdline has the bytes: each such argument
 * is taken from there (decodeUtf8 keeps them), when its lossy decoding is what Node gave.
 */
export function commandArgs(): string[] {
  const args = process.argv.slice(2);
  if (!args.some((a) => a.includes('\ufffd'))) return args;
  try {
    const raw = readFileSync('/proc/self/cmdline');
    const parts: Buffer[] = [];
    for (let at = 0; at < raw.length;) {
      const end = raw.indexOf(0, at);
      parts.push(raw.subarray(at, end < 0 ? raw.length : end));
      at = end < 0 ? raw.length : end + 1;
    }
    const tail = parts.slice(-args.length);
    if (tail.length === args.length && tail.every((b, i) => b.toString('utf8') === args[i])) return tail.map((b) => decodeUtf8(b));
  } catch {
    // No /proc: Node's decoding stands.
  }
  return args;
}
