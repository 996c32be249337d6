// Writes the docs generated from data tables (npm run docs runs the build first).
import { writeFileSync } from 'node:fs';
import { PRESETS, RULES } from '../dist/analyses/check.js';
import { SUGGESTION_RULES } from '../dist/analyses/suggestions.js';
import { renderCheckRules, renderSuggestionRules } from '../dist/report/suggestions-doc.js';

writeFileSync(new URL('../docs/suggestions.md', import.meta.url), renderSuggestionRules(SUGGESTION_RULES));
writeFileSync(new URL('../docs/rules.md', import.meta.url), renderCheckRules(RULES, PRESETS));
console.log('docs/suggestions.md and docs/rules.md written');
