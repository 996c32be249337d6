// docs/suggestions.md, generated from the rule table (npm run docs); a test keeps the two in step.
import { INDICATORS, type Source } from '../analyses/indicators.js';
import type { SuggestionRule } from '../analyses/suggestions.js';

export function renderSuggestionRules(rules: readonly SuggestionRule[]): string {
  const lines = [
    '# Replacement suggestions',
    '',
    'Generated from `src/analyses/suggestions.ts` by `npm run docs`; do not edit by hand.',
    '',
    'A rule applies to an edge into one of its providers when every symbol the edge is used for is in the',
    "rule's set (or, for rules without a set, whenever the edge exists). The suggestion is printed under the",
    'tree and in `loadgraph why`, with what removing the edge would take out of the closure; `--no-suggest`',
    'hides them. The symbols come from the binding engine (`docs/load-time-code.md`), not from names.',
    '',
  ];
  for (const r of rules) {
    lines.push(`## ${r.id}: ${r.title}`, '');
    lines.push(`- **Provider:** ${r.providers.map((p) => `\`${p}\``).join(', ')}`);
    lines.push(`- **Applies when the edge uses only:** ${r.onlySymbols ? r.onlySymbols.map((s) => `\`${s}\``).join(', ') : 'anything'}`);
    lines.push(`- **Advice:** ${r.advice}`);
    lines.push(`- **Source:** ${r.source}`, '');
  }
  return lines.join('\n');
}

/** docs/rules.md from the check rule table and the presets. */
export function renderCheckRules(rules: readonly import('../analyses/check.js').Rule[], presets: Readonly<Record<string, import('../analyses/check.js').Policy>>): string {
  const lines = [
    '# Check rules',
    '',
    'Generated from `src/analyses/check.ts` by `npm run docs`; do not edit by hand. SARIF output lists the same',
    'rules in `tool.driver.rules`.',
    '',
    '| id | rule | default severity | what it means | reference |',
    '|---|---|---|---|---|',
    ...rules.map((r) => `| ${r.id} | ${r.title} | ${r.severity} | ${r.help.replace(/\|/g, '\\|')} | ${r.reference.replace(/\|/g, '\\|')} |`),
    '',
    '## Policy file (`--policy FILE`, JSON)',
    '',
    '```json',
    JSON.stringify({ preset: 'default', rules: { LG002: 'warning', LG008: 'off' }, maxObjects: 100, allowLoadTimeCode: ['libfoo.so.1'], costlyEdge: { maxSymbols: 3, minObjects: 3 },
      deny: [{ program: 'sshd', library: 'liblzma.so.5' }], waivers: [{ rule: 'LG103', object: 'sshd → libm.so.6', reason: 'upstream bug 123' }],
      knownBad: [{ library: 'libfoo.so.1', versions: ['1.2.3'], id: 'CVE-0000-0000' }] }, null, 2),
    '```',
    '',
    'Keys not given come from the preset; `allowLoadTimeCode` and `knownBad` add to the preset\'s lists. Unknown keys and rule ids are errors.',
    '',
    '## Output',
    '',
    '- `--format table` (default): a table per program with a ✓/✗ column per per-object check, then the findings.',
    '- `--format json`: `{schema: "loadgraph.check/1", policy, programs: [{program, objects: [{id, name, type, relro, bindNow, nxStack, wxSegments, textrel, canary, fortified, fortifiable, cfi, rpath, runpath, pathDirs, setuid, version, indicators}], findings: [{rule, severity, subject, path, message, evidence, region?}]}], knownBadCode: [{path, indicator, matches, programs}]}`; the same document is a `--baseline`.',
    '- `--format sarif`: SARIF 2.1.0, one result per finding, `tool.driver.rules` from the table above (validated against the OASIS schema in the tests); a matched byte signature is the result\'s `region` (`byteOffset`, `byteLength` in the object\'s file).',
    '',
    '## Presets',
    '',
    ...Object.entries(presets).map(([name, p]) => `- **${name}**: closure budget ${p.maxObjects} objects; costly edge: ≤ ${p.costlyEdge.maxSymbols} symbols bringing ≥ ${p.costlyEdge.minObjects} objects; severities changed: ${Object.entries(p.rules).map(([id, s]) => `${id} ${s}`).join(', ') || 'none'}; load-time code allowed in ${p.allowLoadTimeCode.join(', ')}; known bad: ${p.knownBad.map((b) => `${b.library} ${b.versions.join('/')} (${b.id})`).join(', ')}.`),
    '',
    ...renderIndicators(),
  ];
  return lines.join('\n');
}

const cite = (s: Source) => `[${s.what.replace(/\|/g, '\\|')}](${s.url}), ${s.date}`;

/** The known-bad indicators (LG107), generated from src/analyses/indicators.ts. */
function renderIndicators(): string[] {
  const lines = [
    '## Indicators',
    '',
    'Generated from `src/analyses/indicators.ts`. LG107 checks only the objects an indicator concerns (by SONAME, a name',
    'they were requested by, or file-name prefix), each file once per run: the file bytes of every executable `PT_LOAD`',
    'segment are searched for each signature of the object\'s machine, one segment at a time (bytes split across two',
    'segments, or in a non-executable one, do not match), and the SHA-256 of the whole file and its GNU build-id are',
    'compared with the known builds. A match is an error whatever the file is called; a release known bad by name whose',
    'code does not match stays LG105, a warning. `check --format json` has every check under each object',
    '(`indicators`) and `knownBadCode` for the run; SARIF gives a signature match\'s byte offset as the region; the tree',
    'marks the object `known-bad:ID`; `why` and `diff` report it.',
    '',
  ];
  for (const i of INDICATORS) {
    lines.push(`### ${i.id}: ${i.title}`, '', `Concerns: SONAME ${i.concerns.sonames.map((s) => `\`${s}\``).join(', ')}, files named \`${i.concerns.filePrefix}*\`.`, '');
    lines.push('| kind | value | names | sources |', '|---|---|---|---|');
    for (const s of i.signatures) lines.push(`| byte signature (${s.arch}, executable PT_LOAD) | \`${s.hex}\` | ${s.name} | ${s.sources.map(cite).join('; ')} |`);
    for (const b of i.builds) {
      if (b.sha256) lines.push(`| SHA-256 | \`${b.sha256}\` | ${b.build} | ${b.sources.map(cite).join('; ')} |`);
      if (b.buildId) lines.push(`| GNU build-id | \`${b.buildId}\` | ${b.build} | ${b.sources.map(cite).join('; ')} |`);
    }
    lines.push('', `Advisories: ${i.advisories.map(cite).join('; ')}.`, '');
    if (i.gaps) lines.push(`Not listed: ${i.gaps}`, '');
  }
  return lines;
}
