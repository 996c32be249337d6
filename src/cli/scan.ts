// `loadgraph scan [--root DIR] [PATH...]`: every program's closure in one process, objects parsed once.
import { parseArgs } from 'node:util';
import { type ProgramRecord, type Shard, errorRecord, programRecord, reduceScan } from '../analyses/scan.js';
import { type RootRun, runOverRoot } from '../pipeline.js';
import { renderScanHtml, renderScanTable } from '../report/scan.js';
import { LOADER_OPTIONS, analyseOptionsFrom } from './options.js';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, writeRunWarnings } from './io.js';
import { progressFor } from './progress.js';
import { styleFor } from './style.js';

export const scanHelp = `usage: loadgraph scan [options] [PATH...]

Every program's closure, exactly as 'loadgraph FILE' resolves it, in one process: each object is read,
parsed and analysed once per run and shared by every program that loads it. The programs are the ELF
files with PT_INTERP under the root's /usr, /bin, /sbin, /lib* and /opt; PATHs (inside the root) narrow it.
  --root DIR            the system to scan, like a chroot (default /)
  --format FMT          table (default: per library, per program, a summary), json (one document,
                        objects once; schema loadgraph.scan/1) or ndjson (one self-contained record per
                        program, loadgraph.scan-program/1, streamed) or html (the tables, sortable)
  --no-code             the load graphs only, no load-time code analysis: faster
  --shard I/N           only programs I, I+N, I+2N… of the sorted list (0 ≤ I < N); see docs/scale.md
  --quiet               no progress on stderr (shown only when stderr is a terminal)
  --no-cache            analyse afresh: do not replay or keep the answer (docs/cache.md)
  and the loader options of 'loadgraph --help' (--library-path, --preload, --hwcaps, ...)
Bad entries in the root (unreadable, loops, special files, truncated or corrupt ELF) are one line each on
stderr and the scan goes on. Exit status: 0 every program would start with everything found, 1 some
would not or miss a library, 2 usage error, an unusable root or a PATH that is not there.
`;

export async function scanCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...LOADER_OPTIONS, format: { type: 'string', short: 'f', default: 'table' }, 'no-code': { type: 'boolean' }, shard: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    },
  });
  if (values.help) {
    io.stdout.write(scanHelp);
    return EXIT_OK;
  }
  const format = values.format;
  if (format !== 'table' && format !== 'json' && format !== 'ndjson' && format !== 'html') throw new UsageError(`unknown format '${format}' (table, json, ndjson, html)`);
  let shard: Shard | null = null;
  if (values.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(values.shard);
    if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new UsageError(`--shard takes I/N with 0 ≤ I < N, not '${values.shard}'`);
    shard = { index: Number(m[1]), count: Number(m[2]) };
  }
  // The closures at start: run-time loads (dlopen notes, PAM, NSS) are 'loadgraph FILE's to show.
  const run = runOverRoot(io, { ...analyseOptionsFrom(values), suggest: false, runtime: false }, positionals, shard);
  if (run.unusable) {
    io.stderr.write(`loadgraph: ${run.unusable}\n`);
    return EXIT_USAGE;
  }
  for (const d of run.diagnostics) io.stderr.write(`loadgraph: ${d}\n`);
  const programs = run.programs;
  const records: ProgramRecord[] = [];
  let status = EXIT_OK;
  // NDJSON streams: nothing per program is kept; records go out in blocks of about 64 KiB (one write each).
  let pending = '';
  for await (const rec of scanRecords(io, run, programs, values.quiet === true)) {
    if (rec.status !== 'ok' || rec.missing.length > 0) status = EXIT_FINDINGS;
    if (format !== 'ndjson') records.push(rec);
    else if ((pending += JSON.stringify(rec) + '\n').length >= 1 << 16) {
      io.stdout.write(pending);
      pending = '';
    }
  }
  if (pending) io.stdout.write(pending);
  writeRunWarnings(io, run.warnings());
  if (format !== 'ndjson') {
    const doc = reduceScan(values.root ?? '/', records, run.diagnostics);
    io.stdout.write(format === 'json' ? JSON.stringify(doc) + '\n' : format === 'html' ? renderScanHtml(doc) : renderScanTable(doc, styleFor(io, values)));
  }
  return status;
}

/** Each program's scan record, in order, with progress on a terminal (`label` goes before each path). */
export async function* scanRecords(io: CliIo, run: RootRun, programs: readonly string[], quiet: boolean, label = ''): AsyncGenerator<ProgramRecord> {
  const progress = progressFor(io, quiet);
  for (const [i, path] of programs.entries()) {
    progress.step(i + 1, programs.length, `${label}${path}`);
    const r = await run.analyse(path, 'tree');
    yield r.ok ? programRecord(path, r.graph) : errorRecord(path, r.message);
  }
  progress.done();
}
