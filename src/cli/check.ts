// `loadgraph check [FILE|DIR]...`: hardening checklists over each program and everything it loads.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { type CheckedProgram, type Finding, type Policy, PRESETS, type Severity, atLeast, checkDocument, policyFrom } from '../analyses/check.js';
import { knownBadObjects } from '../analyses/known-bad.js';
import { groupFindings } from '../analyses/check-root.js';
import { checkWith, runOverRoot, warningTally } from '../pipeline.js';
import { renderCheckHtml, renderCheckTable, renderKnownBadSummary, renderRootCheck, renderRootSarif, renderSarif } from '../report/check.js';
import { progressFor } from './progress.js';
import { LOADER_OPTIONS, analyseOptionsFrom, kindIn } from './options.js';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, writeRunWarnings } from './io.js';
import { VERSION } from './version.js';
import { styleFor } from './style.js';
import { exactJson } from '../elf/kit.js';

export const checkHelp = `usage: loadgraph check [options] FILE|DIR...
       loadgraph check --root DIR [options]      a whole root, each object's findings once

Applies a hardening checklist to each program and to every object it loads (docs/rules.md): RELRO,
BIND_NOW, PIE, NX stack, W^X, stack protector, FORTIFY, CET/BTI, TEXTREL, RPATH/RUNPATH entries, $ORIGIN
in set-user-ID programs; closure size, load-time code, costly and unused edges, preload and audit
libraries, known-bad code by content (LG107: published backdoor signatures and malicious builds, an error
whatever the file is called) and known-bad releases by name (LG105), deny lists. A directory means every
program under it (ELF files with PT_INTERP); each file is read and checked once per run, and a last
paragraph says which programs load an object with known-bad code.
  --policy FILE        JSON policy (docs/rules.md): rules, thresholds, allow/deny lists, waivers
  --preset NAME        default or strict (a policy file may name its own)
  --baseline FILE      a previous 'check --format json' output: report only new findings
  --fail-on LEVEL      error (default), warning or note
  --format FMT         table (default), json, sarif (SARIF 2.1.0) or html (sortable tables)
  --root DIR           resolve inside DIR; with no FILE: every program of the root (docs/scale.md)
A whole root, or a DIR: each object is checked once and each finding reported once with the programs it
concerns (SARIF: one result each, the programs as related locations); closure rules are still per program.
  --quiet              no progress on stderr (whole-root runs show it when stderr is a terminal)
  --no-cache           analyse afresh: do not replay or keep the answer (docs/cache.md)
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
  if (!['table', 'json', 'sarif', 'html'].includes(values.format!)) throw new UsageError(`unknown format '${values.format}' (table, json, sarif, html)`);
  if (!['error', 'warning', 'note'].includes(values['fail-on']!)) throw new UsageError('--fail-on takes error, warning or note');
  if (positionals.length === 0 && values.root === undefined) throw new UsageError('check needs FILE or DIR (or --root DIR)');
  const grouped = positionals.length === 0 || positionals.some((p) => kindIn(io, values.root, p) === 'dir');
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
  if (grouped) {
    const run = runOverRoot(io, analyseOptionsFrom(values), positionals);
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
    writeRunWarnings(io, run.warnings());
    const knownBad = knownBadObjects(programs.map((p) => ({ program: p.program, indicators: p.objects.flatMap((o) => o.indicators ?? []) })));
    const doc = groupFindings(policy, programs, knownBad);
    if (values.format === 'sarif') io.stdout.write(renderRootSarif(doc, VERSION, resolve(io.cwd, values.root ?? '/')));
    else if (values.format === 'html') io.stdout.write(renderCheckHtml(`check of ${positionals.join(' ') || values.root}`, doc, programs));
    else if (values.format === 'json') io.stdout.write(JSON.stringify(doc, exactJson, 2) + '\n');
    else io.stdout.write(renderRootCheck(doc, styleFor(io, values)) + (knownBad.length ? '\n' + renderKnownBadSummary(knownBad, styleFor(io, values)) : ''));
    return programs.some((p) => p.findings.some((f) => atLeast(f.severity, values['fail-on'] as Severity))) ? EXIT_FINDINGS : EXIT_OK;
  }
  const warned = warningTally();
  for (const r of await checkWith(io, positionals, analyseOptionsFrom(values), policy, baseline)) {
    if (r.ok) {
      programs.push(r.program);
      warned.add(r.warnings);
    } else {
      io.stderr.write(`loadgraph: ${r.message}\n`);
      status = EXIT_USAGE;
    }
  }
  writeRunWarnings(io, warned.list());
  const failing = programs.some((p) => p.findings.some((f) => atLeast(f.severity, values['fail-on'] as Severity)));
  const knownBad = knownBadObjects(programs.map((p) => ({ program: p.program, indicators: p.objects.flatMap((o) => o.indicators ?? []) })));
  if (values.format === 'sarif') io.stdout.write(renderSarif(programs, VERSION));
  else if (values.format === 'json') io.stdout.write(JSON.stringify(checkDocument(policy, programs, knownBad), exactJson, 2) + '\n');
  else {
    // Several programs read like a directory: each finding once, with the programs it concerns (JSON and
    // SARIF keep every program's own list, for automation).
    const grouped = programs.length > 1 ? groupFindings(policy, programs, knownBad) : null;
    if (values.format === 'html') io.stdout.write(renderCheckHtml(`check of ${positionals.join(' ')}`, grouped, programs));
    else if (grouped) io.stdout.write(renderRootCheck(grouped, styleFor(io, values)));
    else for (const p of programs) io.stdout.write(renderCheckTable(p, styleFor(io, values)));
    if (values.format !== 'html' && knownBad.length) io.stdout.write('\n' + renderKnownBadSummary(knownBad, styleFor(io, values)));
  }
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
