// `loadgraph inspect FILE...`: one object's own facts, no dependency resolution.
import { parseArgs } from 'node:util';
import { describeObject, type FactsResult } from '../elf/facts.js';
import { HostFileError } from '../host/file-source.js';
import { errnoText } from '../loader/fs.js';
import { factsJson, renderFacts, renderFactsError } from '../report/inspect.js';
import { type CliIo, EXIT_OK, EXIT_USAGE, UsageError } from './io.js';
import { styleFor } from './style.js';
import { exactJson } from '../elf/kit.js';

export const inspectHelp = `usage: loadgraph inspect [--root DIR] [--format human|json] [--color|--no-color] FILE...

Prints each ELF object's own loader-relevant facts (no dependency resolution).
  --root DIR      FILE is a path inside DIR, every link resolved inside it (like a chroot)
  --format json   one JSON object per file (NDJSON for several files)
Exit status: 0 when every file was read, 2 when a file is missing or not a readable ELF object.
`;

export function inspectCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string', short: 'f', default: 'human' },
      root: { type: 'string' },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(inspectHelp);
    return EXIT_OK;
  }
  if (values.format !== 'human' && values.format !== 'json') throw new UsageError(`unknown format '${values.format}' (human, json)`);
  if (positionals.length === 0) throw new UsageError('inspect needs at least one FILE');
  const style = styleFor(io, values);
  let status = EXIT_OK;
  positionals.forEach((path, i) => {
    const result = values.root !== undefined ? readFactsIn(values.root, path, io) : readFacts(path, io);
    if (!result.ok) status = EXIT_USAGE;
    if (values.format === 'json') {
      io.stdout.write(JSON.stringify(factsJson(result), exactJson) + '\n');
      if (!result.ok) io.stderr.write(renderFactsError(result));
    } else if (result.ok) {
      io.stdout.write((i > 0 ? '\n' : '') + renderFacts(result.facts, style));
    } else {
      io.stderr.write(renderFactsError(result));
    }
  });
  return status;
}

/** FILE inside a root: opened through the confined file system, so no link leads out of it. */
function readFactsIn(root: string, path: string, io: CliIo): FactsResult {
  const inRoot = path.startsWith('/') ? path : `/${path}`;
  const f = io.graphFs(root).open(inRoot);
  if (!f.ok) return { ok: false, path, error: { code: 'ELF_UNREADABLE', message: `${path} in ${root}: ${f.special ? `a ${f.special}, not opened` : errnoText[f.errno]}`, offset: 0, structure: 'file' } };
  try {
    return describeObject(f.value, path);
  } finally {
    f.value.close();
  }
}

function readFacts(path: string, io: CliIo): FactsResult {
  try {
    return io.withFile(path, (src) => describeObject(src, path));
  } catch (e) {
    if (!(e instanceof HostFileError)) throw e;
    return { ok: false, path, error: { code: 'ELF_UNREADABLE', message: e.message, offset: 0, structure: 'file' } };
  }
}
