// What a command may touch: its streams, the environment, and the host file reader. Tests pass fakes.
import type { ByteSource } from '../elf/source.js';
import type { CpuFacts } from '../loader/capabilities.js';
import type { FileSystem } from '../loader/fs.js';
import type { AnswerCache } from '../host/answer-store.js';

export interface Writable {
  /** Text, or bytes already encoded as UTF-8 (a kept answer replayed). */
  write(data: string | Uint8Array): unknown;
}

export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (colour by default). */
  readonly isTTY: boolean;
  /** Whether stderr is a terminal (progress of whole-root runs). */
  readonly stderrIsTTY?: boolean;
  /** Where progress goes (default stderr): never part of an answer the cache keeps. */
  readonly progress?: Writable;
  /** Opens a file for positional reads and always closes it; throws HostFileError. */
  readonly withFile: <T>(path: string, use: (src: ByteSource) => T) => T;
  /** The loader's file system, confined to `root`. */
  readonly graphFs: (root: string) => FileSystem;
  readonly cwd: string;
  /** This machine's CPU (what its loaders search follows from it, inside '/'); null when unknown. */
  readonly hostCpu: () => CpuFacts | null;
  /** Where whole-root answers are kept between runs (cli/answers.ts); absent or null: nothing is kept. */
  readonly answers?: AnswerCache | null;
}

/** Exit codes: 0 fine, 1 the policy failed or something is missing, 2 bad usage or unreadable input. */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

/** A whole-root run's warnings, each once with how many programs it concerns ('' or a root's name before each). */
export function writeRunWarnings(io: CliIo, warnings: ReadonlyArray<{ message: string; programs: number }>, label = ''): void {
  for (const w of warnings) io.stderr.write(`loadgraph: ${label}warning: ${w.message} (${w.programs} program${w.programs === 1 ? '' : 's'})\n`);
}
