// Writes the docs generated from data tables (npm run docs runs the build first).
import { writeFileSync } from 'node:fs';
import { SUGGESTION_RULES } from '../dist/analyses/suggestions.js';
import { renderSuggestionRules } from '../dist/report/suggestions-doc.js';

writeFileSync(new URL('../docs/suggestions.md', import.meta.url), renderSuggestionRules(SUGGESTION_RULES));
console.log('docs/suggestions.md written');
