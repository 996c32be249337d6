// `loadgraph render SAVED.json`: a saved `loadgraph FILE --format json` result drawn again, without
// reading anything else: the same tree, DOT or JSON the live run prints.
import { parseArgs } from 'node:util';
import type { AnalysisResult } from '../analyses/result.js';
import { GRAPH_SCHEMA } from '../graph/model.js';
import { missingAtStart } from '../graph/traverse.js';
import { exactJson } from '../elf/kit.js';
import { type GraphFormat, renderGraphAs } from '../report/graph-formats.js';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, UsageError } from './io.js';
import { styleFor } from './style.js';

export const renderHelp = `usage: loadgraph render [options] SAVED.json

Draws a saved 'loadgraph FILE --format json' result again, reading nothing but that file: the tree (as
'loadgraph FILE' prints it), DOT or the JSON itself.
  --format FMT          tree (default), dot, html, markdown or json
  --highlight LIB       with --format dot: the path to LIB in red
  --all                 expand repeated subtrees
  --color, --no-color   colours (default: when stdout is a terminal and NO_COLOR is unset)
Exit status: as 'loadgraph FILE': 1 when the saved program cannot start or misses a library, 2 on errors.
`;

export function renderCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' }, format: { type: 'string', short: 'f', default: 'tree' }, highlight: { type: 'string' }, all: { type: 'boolean', short: 'a' },
      color: { type: 'boolean' }, 'no-color': { type: 'boolean' },
    },
  });
  if (values.help) {
    io.stdout.write(renderHelp);
    return EXIT_OK;
  }
  const format = values.format;
  if (!['tree', 'dot', 'json', 'html', 'markdown'].includes(format!)) throw new UsageError(`unknown format '${format}' (tree, dot, html, markdown, json)`);
  if (values.highlight !== undefined && format !== 'dot') throw new UsageError('--highlight goes with --format dot');
  if (positionals.length !== 1) throw new UsageError('render takes one SAVED.json');
  const file = positionals[0]!;
  let text: string;
  try {
    text = io.withFile(file, (src) => new TextDecoder().decode(src.read(0, Math.min(src.size, 256 << 20))));
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message}`);
  }
  let g: AnalysisResult;
  try {
    g = JSON.parse(text) as AnalysisResult;
  } catch {
    throw new UsageError(`${file}: not valid JSON`);
  }
  if (g?.schema !== GRAPH_SCHEMA) throw new UsageError(`${file}: not a saved 'loadgraph FILE --format json' result (schema ${String(g?.schema)})`);
  if (format === 'json') io.stdout.write(JSON.stringify(g, exactJson, 2) + '\n');
  else io.stdout.write(renderGraphAs(format as GraphFormat, g, { style: styleFor(io, values), all: values.all === true, ...(values.highlight !== undefined ? { highlight: values.highlight } : {}) }));
  return g.fatal || missingAtStart(g).length ? EXIT_FINDINGS : EXIT_OK;
}
