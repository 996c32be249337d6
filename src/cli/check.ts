// `loadgraph check [FILE|DIR]...`: hardening checklists over each program and everything it loads.
import { parseArgs } from 'node:util';
import { type Finding, type Policy, PRESETS, type Severity, atLeast, newSince, policyFrom, runChecks } from '../analyses/check.js';
import { dpkgVersions, readHardening } from '../loader/hardening-facts.js';
import type { FileSystem } from '../loader/fs.js';
import { type CheckedProgram, renderCheckTable, renderSarif } from '../report/check.js';
import { analyse } from './analyse.js';
import { LOADER_OPTIONS, loaderOptionsFrom } from './options.js';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from './io.js';
import { VERSION } from './version.js';
import { styleFor } from './style.js';

export const checkHelp = `usage: loadgraph check [options] FILE|DIR...

Applies a hardening checklist to each program and to every object it loads (docs/rules.md): RELRO,
BIND_NOW, PIE, NX stack, W^X, stack protector, FORTIFY, CET/BTI, TEXTREL, RPATH/RUNPATH entries, $ORIGIN
in set-user-ID programs; closure size, load-time code, costly and unused edges, preload and audit
libraries, known-bad library versions, deny lists. A directory means every ELF program in it.
  --policy FILE        JSON policy (docs/rules.md): rules, thresholds, allow/deny lists, waivers
  --preset NAME        default or strict (a policy file may name its own)
  --baseline FILE      a previous 'check --format json' output: report only new findings
  --fail-on LEVEL      error (default), warning or note
  --format FMT         table (default), json or sarif (SARIF 2.1.0)
Exit status: 1 when a finding at or above --fail-on remains, 0 otherwise, 2 on errors.
`;

export async function checkCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...LOADER_OPTIONS, format: { type: 'string', short: 'f', default: 'table' }, policy: { type: 'string' }, preset: { type: 'string' },
      baseline: { type: 'string' }, 'fail-on': { type: 'string', default: 'error' },
    },
  });
  if (values.help) {
    io.stdout.write(checkHelp);
    return EXIT_OK;
  }
  if (!['table', 'json', 'sarif'].includes(values.format!)) throw new UsageError(`unknown format '${values.format}' (table, json, sarif)`);
  if (!['error', 'warning', 'note'].includes(values['fail-on']!)) throw new UsageError('--fail-on takes error, warning or note');
  if (positionals.length === 0) throw new UsageError('check needs FILE or DIR');
  let policy: Policy = PRESETS[(values.preset as Policy['preset']) ?? 'default'] ?? (() => { throw new UsageError(`unknown preset '${values.preset}' (default, strict)`); })();
  if (values.policy) {
    try {
      policy = policyFrom(readJson(values.policy, io, values.preset ? { preset: values.preset } : {}));
    } catch (e) {
      throw e instanceof UsageError ? e : new UsageError(`${values.policy}: ${(e as Error).message}`);
    }
  }
  const baseline = values.baseline ? baselineFindings(readJson(values.baseline, io, {})) : null;
  const options = loaderOptionsFrom(values, io);
  const fs = io.graphFs(options.root ?? '/');
  const programs: CheckedProgram[] = [];
  let status = EXIT_OK;
  for (const file of expand(positionals, fs, options.cwd ?? '/')) {
    const r = await analyse(fs, file, options, 'full', { bindNow: values['bind-now'] === true, suggest: false });
    if (!r.ok) {
      io.stderr.write(`loadgraph: ${r.message}\n`);
      status = EXIT_USAGE;
      continue;
    }
    const g = r.graph;
    const dpkg = dpkgVersions(fs, g.objects.filter((o) => o.kind === 'library' && policy.knownBad.some((b) => b.library === o.soname)).map((o) => o.realPath?.slice(o.realPath.lastIndexOf('/') + 1) ?? ''));
    const h = readHardening(fs, g, r.images, dpkg);
    let findings = runChecks(g, h, r.attribution ?? null, policy);
    if (baseline) findings = newSince(findings, baseline.get(file) ?? []);
    const name = (id: number) => (id === 0 ? file.slice(file.lastIndexOf('/') + 1) : g.objects.find((o) => o.id === id)?.soname ?? g.objects.find((o) => o.id === id)?.name ?? '?');
    programs.push({ program: file, objects: [...h.values()].map((o) => ({ ...o, name: name(o.id) })), findings });
  }
  const failing = programs.some((p) => p.findings.some((f) => atLeast(f.severity, values['fail-on'] as Severity)));
  if (values.format === 'sarif') io.stdout.write(renderSarif(programs, VERSION));
  else if (values.format === 'json') io.stdout.write(JSON.stringify({ schema: 'loadgraph.check/1', policy, programs }, null, 2) + '\n');
  else for (const [i, p] of programs.entries()) io.stdout.write((i ? '\n' : '') + renderCheckTable(p, styleFor(io, values)));
  return status !== EXIT_OK ? status : failing ? EXIT_FINDINGS : EXIT_OK;
}

/** Directories become the ELF programs (files with PT_INTERP, or executable ET_DYN/ET_EXEC) directly inside them. */
function expand(args: readonly string[], fs: FileSystem, cwd: string): string[] {
  const out: string[] = [];
  for (const a of args) {
    const st = fs.stat(a.startsWith('/') ? a : `${cwd.replace(/\/+$/, '')}/${a}`);
    if (st.ok && st.value.kind === 'dir') {
      const dir = a.startsWith('/') ? a : `${cwd.replace(/\/+$/, '')}/${a}`;
      const names = fs.readdir(dir);
      if (!names.ok) continue;
      for (const n of names.value.sort()) {
        const p = `${dir.replace(/\/+$/, '')}/${n}`;
        const f = fs.stat(p);
        if (!f.ok || f.value.kind !== 'file' || (f.value.mode & 0o111) === 0) continue;
        const o = fs.open(p);
        if (!o.ok) continue;
        const magic = o.value.read(0, 4);
        o.value.close();
        if (magic[0] === 0x7f && magic[1] === 0x45 && magic[2] === 0x4c && magic[3] === 0x46) out.push(p);
      }
    } else out.push(a);
  }
  return out;
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
