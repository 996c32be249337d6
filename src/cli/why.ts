// `loadgraph why FILE LIB`: every path from FILE to LIB, with what each edge is used for and costs.
import { parseArgs } from 'node:util';
import { findObject, runtimeWhy, why, whyDocument } from '../analyses/why.js';
import { renderHtml } from '../report/html.js';
import { renderRuntimeWhy, renderWhy } from '../report/why.js';
import { analyseWith } from '../pipeline.js';
import { LOADER_OPTIONS, analyseOptionsFrom } from './options.js';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from './io.js';
import { styleFor } from './style.js';
import { exactJson } from '../elf/kit.js';

export const whyHelp = `usage: loadgraph why [--root DIR] [--format text|json|html] [--limit N] FILE LIB

Every path from FILE to LIB (named by SONAME, file name or path), each hop with how ld.so resolved it and
the symbols it is used for ("2 of 610 functions"), what removing the first hop would take out of the
closure, and the replacement suggestions that apply. Takes the loader options of 'loadgraph --help'.
When LIB is not loaded at start but a run-time load reaches it (a .note.dlopen entry, a PAM module, an NSS
service), the path is shown and labelled as such.
Exit status: 0 LIB is loaded (at start or at run time), 1 it is not or FILE cannot start (loader error,
missing symbol version, no usable PT_INTERP), 2 usage or unreadable input.
`;

export async function whyCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...LOADER_OPTIONS, format: { type: 'string', short: 'f', default: 'text' }, limit: { type: 'string', default: '20' } },
  });
  if (values.help) {
    io.stdout.write(whyHelp);
    return EXIT_OK;
  }
  if (values.format !== 'text' && values.format !== 'json' && values.format !== 'html') throw new UsageError(`unknown format '${values.format}' (text, json, html)`);
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit takes a whole number from 1');
  if (positionals.length !== 2) throw new UsageError('why takes FILE and LIB');
  const [file, lib] = positionals as [string, string];
  const r = await analyseWith(io, file, analyseOptionsFrom(values), 'full');
  if (!r.ok) {
    io.stderr.write(`loadgraph: ${r.message}\n`);
    return EXIT_USAGE;
  }
  const g = r.graph;
  const a = r.attribution ?? { edges: [], indirect: [] };
  // A program that cannot start loads nothing; the paths up to the failure are still shown.
  const target = findObject(g, lib);
  // The graph page with LIB selected: its why-path drawn, the panel saying why, what each edge is used for.
  if (values.format === 'html') {
    const found = target ?? runtimeWhy(g, lib)?.target ?? null;
    io.stdout.write(renderHtml(g, found ? { select: found.id } : {}));
    return found ? (g.fatal ? EXIT_FINDINGS : EXIT_OK) : EXIT_FINDINGS;
  }
  if (g.fatal && values.format !== 'json') io.stdout.write(`fatal: ${g.fatal.message}\n${file} cannot start.\n`);
  // What could not be read, or where loading stops, goes with every answer (a truncated program is not "clean").
  const problems = { fatal: g.fatal, warnings: g.warnings };
  if (values.format === 'text') for (const line of [...(g.fatal ? [`fatal: ${g.fatal.message}`] : []), ...g.warnings.map((w) => `warning: ${w}`)]) io.stderr.write(`${line}\n`);
  if (!target) {
    const later = runtimeWhy(g, lib);
    if (later) {
      if (values.format === 'json') io.stdout.write(JSON.stringify({ ...whyDocument(file, lib, g, a, null), atStart: false, runtime: later, ...problems }, exactJson, 2) + '\n');
      else io.stdout.write(renderRuntimeWhy(g, later, styleFor(io, values)));
      return EXIT_OK;
    }
    if (values.format === 'json') io.stdout.write(JSON.stringify({ ...whyDocument(file, lib, g, a, null), ...problems }, exactJson) + '\n');
    else io.stdout.write(`${file} does not load ${lib}${g.runtime ? ', at start or at run time' : ''}${g.fatal ? ' (loading stops first: see the fatal error)' : ''}\n`);
    return EXIT_FINDINGS;
  }
  const w = why(g, a, target.id, limit);
  if (values.format === 'json') io.stdout.write(JSON.stringify({ ...whyDocument(file, lib, g, a, w), ...problems }, exactJson, 2) + '\n');
  else io.stdout.write(renderWhy(g, w, styleFor(io, values), a.indirect));
  return g.fatal ? EXIT_FINDINGS : EXIT_OK;
}
