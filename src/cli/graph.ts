// `loadgraph [options] FILE...`: the load graph as glibc's ld.so would build it.
import { parseArgs } from 'node:util';
import type { AnalysisResult } from '../analyses/result.js';
import { missingAtStart } from '../graph/traverse.js';
import { analyseWith } from '../pipeline.js';
import { LOADER_OPTIONS, analyseOptionsFrom } from './options.js';
import { lddRefuses, renderLdd } from '../report/ldd.js';
import { type GraphFormat, renderGraphAs } from '../report/graph-formats.js';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from './io.js';
import { styleFor } from './style.js';
import { exactJson } from '../elf/kit.js';

export const graphHelp = `usage: loadgraph [options] FILE...

Resolves FILE's whole dependency closure as its own glibc ld.so would, without running anything.
  --root DIR            resolve inside DIR like a chroot (its ld.so.cache, ld.so.conf, ld.so.preload)
  --format FMT          tree (default), json (the whole graph; docs/graph-schema.md), ldd (ldd's lines),
                        dot (Graphviz: start-up edges solid, run-time edges dashed, load-time code filled),
                        html (one self-contained page: the graph laid out, click an object for why it is
                        loaded, what it is used for, its load-time code and hardening; search by name),
                        markdown (a table per object and what may load at run time, for a report)
  --highlight LIB       with --format dot: the path to LIB in red
  --all                 expand repeated subtrees
  --library-path LIST   as LD_LIBRARY_PATH
  --preload LIST        as LD_PRELOAD
  --no-preload-file     ignore the root's /etc/ld.so.preload
  --hwcaps LIST         active glibc-hwcaps subdirectories, e.g. x86-64-v3,x86-64-v2, or 'none';
                        on x86-64 also the ISA levels the CPU has, for objects that need one
                        (default: what this CPU offers the program's own loader for /, e.g. none
                        and i686/sse2/tls for an i386 program; none inside --root)
  --platform NAME       value of $PLATFORM;   --lib DIR   value of $LIB
  --secure | --no-secure  force secure (AT_SECURE) mode on or off (default: set-user/group-ID bits)
  --bind-now            take every PLT slot as bound at load time, as LD_BIND_NOW does
                        (default: each object's DF_BIND_NOW / DF_1_NOW)
  --no-code             skip the load-time code analysis (constructors, IFUNC resolvers): faster
  --no-suggest          no replacement suggestions (docs/suggestions.md)
  --no-runtime          leave out what the process may load after start-up: .note.dlopen entries,
                        PAM modules (libpam in the closure) and NSS services (/etc/nsswitch.conf)
  --pam-service NAME    the PAM service to read (default: FILE's base name, then 'other')
  --color | --no-color
A FILE without '/' is taken as ./FILE, as ldd does (so its $ORIGIN keeps the './').
Exit status: 0 everything resolves, 1 something is missing or the program cannot start (a fatal loader
error, a missing symbol version, no usable PT_INTERP; with --format ldd also a static program, as ldd),
2 usage or unreadable input.
`;

export async function graphCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...LOADER_OPTIONS,
      format: { type: 'string', short: 'f', default: 'tree' },
      all: { type: 'boolean', short: 'a' },
      'no-code': { type: 'boolean' },
      'no-suggest': { type: 'boolean' },
      highlight: { type: 'string' },
    },
  });
  if (values.help) {
    io.stdout.write(graphHelp);
    return EXIT_OK;
  }
  const format = values.format;
  if (!['tree', 'json', 'ldd', 'dot', 'html', 'markdown'].includes(format!)) throw new UsageError(`unknown format '${format}' (tree, json, ldd, dot, html, markdown)`);
  if (values.highlight !== undefined && format !== 'dot') throw new UsageError('--highlight goes with --format dot');
  if (positionals.length === 0) throw new UsageError('no FILE given');
  const options = analyseOptionsFrom(values);
  const style = styleFor(io, values);
  let status = EXIT_OK;
  const graphs: AnalysisResult[] = [];
  const depth = format === 'ldd' ? 'graph' : format === 'json' || format === 'html' || format === 'markdown' ? 'full' : 'tree';
  for (const [i, file] of positionals.entries()) {
    const r = await analyseWith(io, file, options, depth);
    if (!r.ok) {
      io.stderr.write(`loadgraph: ${r.message}\n`);
      status = EXIT_USAGE;
      continue;
    }
    const g = r.graph;
    if (g.fatal || missingAtStart(g).length) status = Math.max(status, EXIT_FINDINGS);
    if (format === 'json') graphs.push(g);
    else if (format === 'ldd') {
      if (positionals.length > 1) io.stdout.write(`${file}:\n`);
      io.stdout.write(renderLdd(g));
      for (const w of g.warnings) io.stderr.write(`loadgraph: warning: ${w}\n`);
      if (g.fatal?.stage === 'abort') io.stderr.write(`loadgraph: ${g.fatal.message}\n`);
      // ldd's own exit status: 1 when no loader runs the file (a static program, or none of its class).
      if (lddRefuses(g)) {
        io.stderr.write('\tnot a dynamic executable\n');
        if (g.fatal) io.stderr.write(`loadgraph: ${g.fatal.message}\n`);
        status = Math.max(status, EXIT_FINDINGS);
      }
    } else {
      const drawn = renderGraphAs(format as GraphFormat, g, { style, all: values.all === true, ...(values.highlight !== undefined ? { highlight: values.highlight } : {}) });
      io.stdout.write((format === 'tree' && i > 0 ? '\n' : '') + drawn);
    }
  }
  if (format === 'json') io.stdout.write(JSON.stringify(positionals.length === 1 ? graphs[0] ?? null : graphs, exactJson, 2) + '\n');
  return status;
}
