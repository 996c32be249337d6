// `loadgraph check [FILE|DIR]...`: hardening checklists over each program and everything it loads.
import { parseArgs } from 'node:util';
import { type CheckedProgram, type Finding, type Policy, PRESETS, type Severity, atLeast, checkDocument, policyFrom } from '../analyses/check.js';
import { groupFindings } from '../analyses/check-root.js';
import { checkWith, runOverRoot } from '../pipeline.js';
import { renderCheckTable, renderRootCheck, renderSarif } from '../report/check.js';
import { progressFor } from './progress.js';
import { LOADER_OPTIONS, analyseOptionsFrom } from './options.js';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from './io.js';
import { VERSION } from './version.js';
import { styleFor } from './style.js';

export const checkHelp = `usage: loadgraph check [options] FILE|DIR...
       loadgraph check --root DIR [options]      a whole root, each object's findings once

Applies a hardening checklist to each program and to every object it loads (docs/rules.md): RELRO,
BIND_NOW, PIE, NX stack, W^X, stack protector, FORTIFY, CET/BTI, TEXTREL, RPATH/RUNPATH entries, $ORIGIN
in set-user-ID programs; closure size, load-time code, costly and unused edges, preload and audit
libraries, known-bad library versions, deny lists. A directory means every ELF program in it.
  --policy FILE        JSON policy (docs/rules.md): rules, thresholds, allow/deny lists, waivers
  --preset NAME        default or strict (a policy file may name its own)
  --baseline FILE      a previous 'check --format json' output: report only new findings
  --fail-on LEVEL      error (default), warning or note
  --format FMT         table (default), json or sarif (SARIF 2.1.0); with --root and no FILE: table or json
  --root DIR           with no FILE: every program of the root (docs/scale.md), each object checked once and
                       its findings reported once with the programs that load it; per-program rules per program
  --quiet              no progress on stderr (whole-root runs show it when stderr is a terminal)
Exit status: 1 when a finding at or above --fail-on remains, 0 otherwise, 2 on errors.
`;

export async function checkCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...LOADER_OPTIONS, format: { type: 'string', short: 'f', default: 'table' }, policy: { type: 'string' }, preset: { type: 'string' },
      baseline: { type: 'string' }, 'fail-on': { type: 'string', default: 'error' }, quiet: { type: 'boolean', short: 'q' },
    },
  });
  if (values.help) {
    io.stdout.write(checkHelp);
    return EXIT_OK;
  }
  if (!['table', 'json', 'sarif'].includes(values.format!)) throw new UsageError(`unknown format '${values.format}' (table, json, sarif)`);
  if (!['error', 'warning', 'note'].includes(values['fail-on']!)) throw new UsageError('--fail-on takes error, warning or note');
  const wholeRoot = positionals.length === 0 && values.root !== undefined;
  if (positionals.length === 0 && !wholeRoot) throw new UsageError('check needs FILE or DIR (or --root DIR)');
  if (wholeRoot && values.format === 'sarif') throw new UsageError('check --root: table or json (SARIF per program: name the programs)');
  let policy: Policy = PRESETS[(values.preset as Policy['preset']) ?? 'default'] ?? (() => { throw new UsageError(`unknown preset '${values.preset}' (default, strict)`); })();
  if (values.policy) {
    try {
      policy = policyFrom(readJson(values.policy, io, values.preset ? { preset: values.preset } : {}));
    } catch (e) {
      throw e instanceof UsageError ? e : new UsageError(`${values.policy}: ${(e as Error).message}`);
    }
  }
  const baseline = values.baseline ? baselineFindings(readJson(values.baseline, io, {})) : null;
  const programs: CheckedProgram[] = [];
  let status = EXIT_OK;
  if (wholeRoot) {
    const run = runOverRoot(io, analyseOptionsFrom(values), []);
    if (run.unusable) {
      io.stderr.write(`loadgraph: ${run.unusable}\n`);
      return EXIT_USAGE;
    }
    for (const d of run.diagnostics) io.stderr.write(`loadgraph: ${d}\n`);
    const progress = progressFor(io, values.quiet === true);
    for (const [i, path] of run.programs.entries()) {
      progress.step(i + 1, run.programs.length, path);
      const r = await run.check(path, policy, baseline);
      if (r.ok) programs.push(r.program);
      else io.stderr.write(`loadgraph: ${r.message}\n`);
    }
    progress.done();
    const doc = groupFindings(policy, programs);
    io.stdout.write(values.format === 'json' ? JSON.stringify(doc, null, 2) + '\n' : renderRootCheck(doc, styleFor(io, values)));
    return programs.some((p) => p.findings.some((f) => atLeast(f.severity, values['fail-on'] as Severity))) ? EXIT_FINDINGS : EXIT_OK;
  }
  for (const r of await checkWith(io, positionals, analyseOptionsFrom(values), policy, baseline)) {
    if (r.ok) programs.push(r.program);
    else {
      io.stderr.write(`loadgraph: ${r.message}\n`);
      status = EXIT_USAGE;
    }
  }
  const failing = programs.some((p) => p.findings.some((f) => atLeast(f.severity, values['fail-on'] as Severity)));
  if (values.format === 'sarif') io.stdout.write(renderSarif(programs, VERSION));
  else if (values.format === 'json') io.stdout.write(JSON.stringify(checkDocument(policy, programs), null, 2) + '\n');
  else for (const [i, p] of programs.entries()) io.stdout.write((i ? '\n' : '') + renderCheckTable(p, styleFor(io, values)));
  return status !== EXIT_OK ? status : failing ? EXIT_FINDINGS : EXIT_OK;
}

function readJson(path: string, io: CliIo, extra: Record<string, unknown>): unknown {
  let text: string;
  try {
    text = io.withFile(path, (src) => new TextDecoder().decode(src.read(0, Math.min(src.size, 64 << 20))));
  } catch (e) {
    throw new UsageError(`${path}: ${(e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...extra, ...v } : v;
  } catch {
    throw new UsageError(`${path}: not valid JSON`);
  }
}

function baselineFindings(json: unknown): Map<string, Finding[]> {
  const programs = (json as { programs?: Array<{ program: string; findings: Finding[] }> })?.programs;
  if (!Array.isArray(programs)) throw new UsageError('the baseline is not a check --format json output');
  return new Map(programs.map((p) => [p.program, p.findings]));
}
