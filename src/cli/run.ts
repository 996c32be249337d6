// The CLI entry as a function: run(argv, io) → exit code. No process.exit anywhere else.
import { ANSWERED, answered, withoutNoCache } from './answers.js';
import { type CliIo, EXIT_OK, EXIT_USAGE, UsageError, type Writable } from './io.js';
import { terminalSafe } from './terminal-safe.js';
import { VERSION } from './version.js';

const help = `loadgraph ${VERSION} — what gets loaded, and what runs, when an ELF program starts (never executes it)

usage:
  loadgraph [--root DIR] [--format tree|json|ldd] FILE...   the load graph, as glibc's ld.so resolves it
  loadgraph why [--root DIR] [--format text|json] FILE LIB  every path to LIB and what each edge is used for
  loadgraph diff [--format human|json|markdown] A B         what changed between two builds, roots or saved results
  loadgraph check [--policy FILE] [--format table|json|sarif] FILE|DIR...  hardening over the whole closure
  loadgraph inspect [--format human|json] FILE...           one object's own loader facts
  loadgraph scan [--root DIR] [--no-code] [--format table|json|ndjson] [--shard I/N] [PATH...]
                                                            every program's closure and load-time code, in one pass
  loadgraph rdeps [--root DIR] [--format text|json] [--runtime] LIB [PATH...]  every program that loads LIB, and through what
  loadgraph render [--format tree|dot|json] SAVED.json      a saved --format json result drawn again

Run 'loadgraph COMMAND --help' for a command's options.
`;

type Command = (args: string[], io: CliIo) => number | Promise<number>;
// Loaded on demand: start-up time is part of every run (docs/performance.md).
const commands: Record<string, () => Promise<Command>> = {
  inspect: async () => (await import('./inspect.js')).inspectCommand,
  graph: async () => (await import('./graph.js')).graphCommand,
  why: async () => (await import('./why.js')).whyCommand,
  diff: async () => (await import('./diff.js')).diffCommand,
  check: async () => (await import('./check.js')).checkCommand,
  scan: async () => (await import('./scan.js')).scanCommand,
  rdeps: async () => (await import('./rdeps.js')).rdepsCommand,
  render: async () => (await import('./render.js')).renderCommand,
};

/** Text written is made terminal-safe (terminal-safe.ts); bytes (a kept answer, written safe) go as they are. */
const safe = (w: Writable): Writable => ({ write: (data) => w.write(typeof data === 'string' ? terminalSafe(data) : data) });

/** Each write to stderr is one message: a newline inside it came from a name, and is shown as \n. */
const oneLine = (w: Writable): Writable => ({ write: (data) => w.write(typeof data === 'string' ? data.replace(/\n(?!$)/g, '\\n') : data) });

/** The progress line rewrites itself with its own escapes (progress.ts makes its text safe). */
const safeIo = (raw: CliIo): CliIo => ({ ...raw, stdout: safe(raw.stdout), stderr: oneLine(safe(raw.stderr)), progress: raw.progress ?? raw.stderr });

export async function run(argv: string[], raw: CliIo): Promise<number> {
  const io = safeIo(raw);
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(help);
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '--version' || first === '-V') {
    io.stdout.write(`loadgraph ${VERSION}\n`);
    return EXIT_OK;
  }
  const named = Object.hasOwn(commands, first);
  // Anything that is not a command name is the default command's first argument.
  const command = await commands[named ? first : 'graph']!();
  try {
    if (!ANSWERED.has(first)) return await command(named ? rest : argv, io);
    const { args, noCache } = withoutNoCache(rest);
    // What is kept is what was written: made safe before the answer store records it.
    return await answered(first, args, noCache ? { ...raw, answers: null } : raw, (a, recorded) => command(a, safeIo(recorded)));
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`loadgraph: ${e.message}\n`);
      return EXIT_USAGE;
    }
    const parse = parseArgsMessage(e, named ? `loadgraph ${first}` : 'loadgraph');
    if (parse !== null) {
      io.stderr.write(`${parse}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}

/** node:util parseArgs' errors in our words: the command, the option, and where the options are listed. */
function parseArgsMessage(e: unknown, command: string): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (!(e instanceof TypeError) || typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return null;
  const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? '';
  const option = /--[\w-]+/.exec(quoted)?.[0] ?? /-\w/.exec(quoted)?.[0] ?? quoted;
  const help = `(${command} --help lists its options)`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `${command}: unknown option ${option} ${help}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return /does not take an argument/.test(e.message) ? `${command}: ${option} takes no value ${help}` : `${command}: ${option} needs a value ${help}`;
  }
  return `${command}: ${e.message} ${help}`;
}
