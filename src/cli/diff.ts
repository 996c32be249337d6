// `loadgraph diff A B`: what changed in what gets loaded and what runs. Each side is an ELF file, the same
// file in two roots (--root-a/--root-b), or a saved `loadgraph FILE --format json` result.
import { parseArgs } from 'node:util';
import { diffResults } from '../analyses/diff.js';
import type { AnalysisResult } from '../analyses/result.js';
import { renderDiff, renderDiffHtml, renderDiffMarkdown } from '../report/diff.js';
import { diffRoots } from '../analyses/root-diff.js';
import type { ProgramRecord } from '../analyses/scan.js';
import { renderRootDiff, renderRootDiffHtml, renderRootDiffMarkdown } from '../report/root-diff.js';
import { analyseWith, runOverRoot } from '../pipeline.js';
import { scanRecords } from './scan.js';
import { LOADER_OPTIONS, analyseOptionsFrom, kindIn } from './options.js';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, writeRunWarnings } from './io.js';
import { styleFor } from './style.js';
import { exactJson } from '../elf/kit.js';

export const diffHelp = `usage: loadgraph diff [options] A B
       loadgraph diff --root-a DIR --root-b DIR [options] FILE
       loadgraph diff --root-a DIR --root-b DIR [options] [PATH...]    two builds of a whole system

Compares two load graphs: objects that entered or left the closure (with the path that brings each in),
edges added, removed or changed, constructors and IFUNC resolvers, what each edge is used for, hardening
(RELRO, BIND_NOW, TEXTREL, stack, RPATH/RUNPATH) and .note.dlopen. A and B are ELF files or saved
'loadgraph FILE --format json' results. Paths that differ only by root or multiarch triplet are matched.
  --format human|json|markdown|html    html: one program's two graphs drawn as one (added, removed, changed marked)
  --verbose            human output: every difference with its evidence (default: grouped, symbol changes counted)
  --quiet              no progress on stderr (whole-root diffs show it when stderr is a terminal)
  --no-cache           analyse afresh: do not replay or keep the answer (docs/cache.md)
With two roots and no FILE (or directories, or several paths, which narrow it): every program of both
roots, matched across merged /usr and multiarch paths — programs added, removed, moved and split; what left and
entered each closure, grouped by cause with its reach ("libsystemd.so.0 no longer needs liblzma.so.5 → 3
programs no longer load liblzma.so.5"); libraries whose load-time code or hardening changed, with how
many programs load them. JSON: loadgraph.rootdiff/1 (docs/scale.md).
Exit status: 0 no differences, 1 differences or a side that cannot start (fatal loader error, missing
symbol version, no usable PT_INTERP), 2 usage or unreadable input (like diff(1)).
`;

export async function diffCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...LOADER_OPTIONS, format: { type: 'string', short: 'f', default: 'human' }, 'root-a': { type: 'string' }, 'root-b': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' }, verbose: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) {
    io.stdout.write(diffHelp);
    return EXIT_OK;
  }
  if (!['human', 'json', 'markdown', 'html'].includes(values.format!)) throw new UsageError(`unknown format '${values.format}' (human, json, markdown, html)`);
  const twoRoots = values['root-a'] !== undefined || values['root-b'] !== undefined;
  if (twoRoots && (values['root-a'] === undefined || values['root-b'] === undefined)) throw new UsageError('--root-a and --root-b go together');
  if (twoRoots && !isOneFile(io, values['root-a']!, values['root-b']!, positionals)) return diffRootsCommand(io, values, positionals);
  if (!twoRoots && positionals.length !== 2) throw new UsageError('diff takes A and B');
  const sides = twoRoots
    ? [{ file: positionals[0]!, root: values['root-a']! }, { file: positionals[0]!, root: values['root-b']! }]
    : positionals.map((file) => ({ file, root: values.root }));
  const graphs: AnalysisResult[] = [];
  for (const s of sides) {
    const g = await load(s.file, s.root, values, io);
    if (typeof g === 'string') {
      io.stderr.write(`loadgraph: ${g}\n`);
      return EXIT_USAGE;
    }
    graphs.push(g);
  }
  const d = diffResults(graphs[0]!, graphs[1]!);
  // Either side may be unreadable in part or fail to load: say so, never a silent comparison.
  const [wa, wb] = graphs.map((g) => [...(g.fatal ? [`fatal: ${g.fatal.message}`] : []), ...g.warnings]) as [string[], string[]];
  if (values.format !== 'json') for (const [side, ws] of [['A', wa], ['B', wb]] as const) for (const w of ws) io.stderr.write(`loadgraph: ${side}: ${w}\n`);
  if (values.format === 'json') io.stdout.write(JSON.stringify({ ...d, warnings: { a: wa, b: wb } }, exactJson, 2) + '\n');
  else if (values.format === 'markdown') io.stdout.write(renderDiffMarkdown(d));
  else if (values.format === 'html') io.stdout.write(renderDiffHtml(d));
  else io.stdout.write(renderDiff(d, styleFor(io, values), values.verbose === true));
  return d.same && !d.cannotStart.a && !d.cannotStart.b ? EXIT_OK : EXIT_FINDINGS;
}

/** One positional naming a file (not a directory) in either root: that program's diff, not the roots'. */
function isOneFile(io: CliIo, a: string, b: string, positionals: readonly string[]): boolean {
  if (positionals.length !== 1) return false;
  return [a, b].some((root) => { const k = kindIn(io, root, positionals[0]!); return k !== null && k !== 'dir'; });
}

/** Every program of both roots, scanned in one process each, then compared. */
async function diffRootsCommand(io: CliIo, values: Parameters<typeof analyseOptionsFrom>[0] & { format?: string; quiet?: boolean; 'root-a'?: string; 'root-b'?: string; color?: boolean; 'no-color'?: boolean },
  paths: readonly string[]): Promise<number> {
  const records: ProgramRecord[][] = [];
  for (const root of [values['root-a']!, values['root-b']!]) {
    const run = runOverRoot(io, { ...analyseOptionsFrom({ ...values, root }), suggest: false, runtime: false }, paths);
    if (run.unusable) {
      io.stderr.write(`loadgraph: ${run.unusable}\n`);
      return EXIT_USAGE;
    }
    for (const d of run.diagnostics) io.stderr.write(`loadgraph: ${root}: ${d}\n`);
    const rs: ProgramRecord[] = [];
    for await (const rec of scanRecords(io, run, run.programs, values.quiet === true, `${root} `)) rs.push(rec);
    writeRunWarnings(io, run.warnings(), `${root}: `);
    records.push(rs);
  }
  const d = diffRoots(values['root-a']!, values['root-b']!, records[0]!, records[1]!);
  io.stdout.write(values.format === 'json' ? JSON.stringify(d, null, 2) + '\n' : values.format === 'markdown' ? renderRootDiffMarkdown(d)
    : values.format === 'html' ? renderRootDiffHtml(d) : renderRootDiff(d, styleFor(io, values)));
  return d.same ? EXIT_OK : EXIT_FINDINGS;
}

/** A saved JSON result, or the analysis of an ELF file; a message on failure. */
async function load(file: string, root: string | undefined, values: Parameters<typeof analyseOptionsFrom>[0], io: CliIo): Promise<AnalysisResult | string> {
  const saved = readSaved(file, root === undefined || root === '/', io);
  if (saved !== null) return saved;
  const r = await analyseWith(io, file, { ...analyseOptionsFrom({ ...values, ...(root !== undefined ? { root } : {}) }), suggest: false }, 'full');
  return r.ok ? r.graph : r.message;
}

/** `file` as a saved --format json result, or null when it is not one (an ELF file, say). */
function readSaved(file: string, onHost: boolean, io: CliIo): AnalysisResult | null {
  if (!onHost || !file.endsWith('.json')) return null;
  let text = '';
  try {
    text = io.withFile(file, (src) => new TextDecoder().decode(src.read(0, Math.min(src.size, 256 << 20))));
  } catch {
    return null;
  }
  try {
    const g = JSON.parse(text) as AnalysisResult;
    if (g?.schema !== 'loadgraph.graph/1') throw new UsageError(`${file}: not a loadgraph result (schema ${String(g?.schema)})`);
    return g;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${file}: not valid JSON`);
  }
}
