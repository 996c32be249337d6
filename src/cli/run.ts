// The CLI entry as a function: run(argv, io) → exit code. No process.exit anywhere else.
import { type CliIo, EXIT_OK, EXIT_USAGE, UsageError } from './io.js';
import { graphCommand, graphHelp } from './graph.js';
import { inspectCommand, inspectHelp } from './inspect.js';

export const VERSION = '0.1.0';

const help = `loadgraph ${VERSION} — what gets loaded, and what runs, when an ELF program starts (never executes it)

usage:
  loadgraph [--root DIR] [--format tree|json|ldd] FILE...   the load graph, as glibc's ld.so resolves it
  loadgraph inspect [--format human|json] FILE...           one object's own loader facts

Run 'loadgraph COMMAND --help' for a command's options.
`;

const commands: Record<string, { run: (args: string[], io: CliIo) => number; help: string }> = {
  inspect: { run: inspectCommand, help: inspectHelp },
  graph: { run: graphCommand, help: graphHelp },
};

export function run(argv: string[], io: CliIo): number {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(help);
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '--version' || first === '-V') {
    io.stdout.write(`loadgraph ${VERSION}\n`);
    return EXIT_OK;
  }
  const command = commands[first];
  try {
    // Anything that is not a command name is the default command's first argument.
    return command ? command.run(rest, io) : graphCommand(argv, io);
  } catch (e) {
    if (e instanceof UsageError || isParseArgsError(e)) {
      io.stderr.write(`loadgraph: ${(e as Error).message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}

function isParseArgsError(e: unknown): boolean {
  return e instanceof TypeError && typeof (e as { code?: unknown }).code === 'string' && String((e as unknown as { code: string }).code).startsWith('ERR_PARSE_ARGS');
}
