// `loadgraph rdeps [--root DIR] LIB [PATH...]`: every program that loads LIB at start, and through what.
import { parseArgs } from 'node:util';
import { RDEPS_SCHEMA, type RdepsDocument, type RdepsProgram, pathTo, runtimePathTo } from '../analyses/rdeps.js';
import { missingAtStart } from '../graph/traverse.js';
import { runOverRoot } from '../pipeline.js';
import { renderRdeps } from '../report/rdeps.js';
import { LOADER_OPTIONS, analyseOptionsFrom } from './options.js';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, writeRunWarnings } from './io.js';
import { progressFor } from './progress.js';

export const rdepsHelp = `usage: loadgraph rdeps [options] LIB [PATH...]

Every program that loads LIB when it starts (as its own glibc ld.so resolves each one), with one
shortest path to it and how each hop was resolved. LIB is a SONAME (liblzma.so.5), a file name or a
path. The programs are the ELF files with PT_INTERP under the root's /usr, /bin, /sbin, /lib* and /opt;
PATHs (files or directories, inside the root) narrow that. One process: each object is parsed once.
  --root DIR            the system to scan, like a chroot (default /)
  --format FMT          text (default) or json ({"schema": "loadgraph.rdeps/1", ...})
  --runtime             also the programs that may load LIB after start-up: through a dlopen note, a PAM
                        module of their service, an NSS service (marked "atStart": false, each run-time hop too)
  --quiet               no progress on stderr (shown only when stderr is a terminal)
  --no-cache            analyse afresh: do not replay or keep the answer (docs/cache.md)
  and the loader options of 'loadgraph --help' (--library-path, --preload, --hwcaps, ...)
Exit status: 0 some program loads LIB, 1 none does, 2 usage error, an unusable root or a PATH that is not there.
`;

export async function rdepsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...LOADER_OPTIONS, format: { type: 'string', short: 'f', default: 'text' }, quiet: { type: 'boolean', short: 'q' }, runtime: { type: 'boolean' } },
  });
  if (values.help) {
    io.stdout.write(rdepsHelp);
    return EXIT_OK;
  }
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`unknown format '${values.format}' (text, json)`);
  const [lib, ...paths] = positionals;
  if (lib === undefined || lib === '') throw new UsageError('rdeps needs LIB');
  // Without --runtime, at start only: what the process may load later (dlopen notes, PAM, NSS) is not resolved.
  const withRuntime = values.runtime === true;
  const run = runOverRoot(io, { ...analyseOptionsFrom(values), code: false, runtime: withRuntime }, paths);
  if (run.unusable) {
    io.stderr.write(`loadgraph: ${run.unusable}\n`);
    return EXIT_USAGE;
  }
  for (const d of run.diagnostics) io.stderr.write(`loadgraph: ${d}\n`);
  const libReal = lib.includes('/') ? run.realpath(lib) : null;
  const progress = progressFor(io, values.quiet === true);
  const programs: RdepsProgram[] = [];
  // For a LIB nothing matches: the vDSO it may name, and the loaded names it is the start of (liblzma.so → liblzma.so.5).
  let vdso: string | null = null;
  const longer = new Set<string>();
  for (const [i, path] of run.programs.entries()) {
    progress.step(i + 1, run.programs.length, path);
    const r = await run.analyse(path, 'graph');
    if (!r.ok) {
      io.stderr.write(`loadgraph: ${r.message}\n`);
      continue;
    }
    // Only a LIB no program loads so far needs a hint.
    if (!programs.length) for (const o of r.graph.objects) {
      if (o.kind === 'vdso' && o.names.includes(lib)) vdso = lib;
      else if (o.kind === 'library' && !lib.includes('/')) for (const n of o.names) if (n.startsWith(lib) && n !== lib) longer.add(n);
    }
    const via = pathTo(r.graph, lib, libReal);
    const later = via === null && withRuntime ? runtimePathTo(r.graph, lib) : null;
    // A program whose load fails never starts: it loads nothing, LIB included, however it fails (LIB itself empty, say).
    if (r.graph.fatal) io.stderr.write(`loadgraph: ${path}: would not start (${r.graph.fatal.message}); not counted\n`);
    else if (via !== null || later !== null) programs.push(via ? { path, atStart: true, via } : { path, atStart: false, via: later! });
    else if (missingAtStart(r.graph).some((o) => o.name === lib || o.name.endsWith(`/${lib}`))) io.stderr.write(`loadgraph: ${path}: needs ${lib}, which is not found: it would not start; not counted\n`);
  }
  progress.done();
  writeRunWarnings(io, run.warnings());
  if (!programs.length && vdso) io.stderr.write(`loadgraph: ${vdso} is the kernel's vDSO: the kernel maps it into every process; no program loads it from a file\n`);
  else if (!programs.length && longer.size) io.stderr.write(`loadgraph: no program loads a library named ${lib}; did you mean ${[...longer].sort().slice(0, 8).join(', ')}?\n`);
  const doc: RdepsDocument = { schema: RDEPS_SCHEMA, library: lib, root: values.root ?? '/', programs };
  io.stdout.write(values.format === 'json' ? JSON.stringify(doc, null, 2) + '\n' : renderRdeps(doc, run.programs.length, withRuntime));
  return programs.length > 0 ? EXIT_OK : EXIT_FINDINGS;
}
