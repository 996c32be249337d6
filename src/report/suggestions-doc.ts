// docs/suggestions.md, generated from the rule table (npm run docs); a test keeps the two in step.
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
