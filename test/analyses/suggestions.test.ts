// Each suggestion rule on a small graph: it applies when the edge uses only the rule's symbols, not when
// the edge uses anything else; what it saves is the edge's cost. docs/suggestions.md matches the table.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Attribution } from '../../src/analyses/attribution.js';
import { SUGGESTION_RULES, suggest } from '../../src/analyses/suggestions.js';
import { GRAPH_SCHEMA, type GraphObject, type LoadGraph } from '../../src/graph/model.js';
import { renderCheckRules, renderSuggestionRules } from '../../src/report/suggestions-doc.js';
import { PRESETS, RULES } from '../../src/analyses/check.js';

function obj(id: number, kind: GraphObject['kind'], soname: string | null, size = 1000): GraphObject {
  return { id, kind, name: soname ?? 'prog', names: soname ? [soname] : [], path: `/lib/${soname ?? 'prog'}`, realPath: null, soname, class: 64, machine: 62, loader: null, needed: [], rpath: null, runpath: null, nodeflib: false, size, summary: null };
}

/** prog → provider → dep (a library only the provider brings in), and prog → libc. */
function scenario(provider: string, used: string[]): { g: LoadGraph; a: Attribution } {
  const objects = [obj(0, 'program', null), obj(1, 'library', provider, 5000), obj(2, 'library', 'libdep.so.1', 7000), obj(3, 'library', 'libc.so.6')];
  const edge = (from: number, to: number) => ({ from, to, kind: 'needed' as const, name: objects[to]!.soname!, expanded: objects[to]!.soname!, reason: { kind: 'ld.so.cache' as const }, trace: [] });
  const g: LoadGraph = {
    schema: GRAPH_SCHEMA, program: '/usr/bin/prog', linkage: 'dynamic', env: {} as LoadGraph['env'], objects,
    edges: [edge(0, 1), edge(0, 3), edge(1, 2), edge(1, 3)], searchList: [0, 1, 3, 2], fatal: null, warnings: [],
  };
  const a: Attribution = {
    edges: [{ edge: 0, from: 0, to: 1, symbols: used.map((name) => ({ name, version: null, kind: 'function' as const })), exports: { functions: 100, objects: 0 }, unused: used.length === 0 }],
    indirect: [],
  };
  return { g, a };
}

describe('replacement suggestions', () => {
  for (const rule of SUGGESTION_RULES) {
    const provider = rule.providers[0]!;
    const fitting = rule.onlySymbols ? rule.onlySymbols.slice(0, 2) : ['anything_at_all'];
    it(`${rule.id} (${rule.title}) applies to ${provider} used only for ${fitting.join(', ')}`, () => {
      const { g, a } = scenario(provider, fitting);
      const [s, ...rest] = suggest(g, a, null);
      expect(rest).toEqual([]);
      expect(s).toMatchObject({ rule: rule.id, edge: 0, from: 0, to: 1, symbols: fitting });
      expect([...s!.saves.removes].sort()).toEqual([1, 2]);
      expect(s!.saves.bytes).toBe(12000);
      expect(rule.source.length).toBeGreaterThan(10);
    });
    if (rule.onlySymbols) {
      it(`${rule.id} does not apply when the edge also uses something else`, () => {
        const { g, a } = scenario(provider, [...fitting, 'some_other_function']);
        expect(suggest(g, a, null)).toEqual([]);
      });
    }
  }

  it('applies to nothing for an unrelated provider', () => {
    const { g, a } = scenario('libunrelated.so.1', ['sd_notify']);
    expect(suggest(g, a, null)).toEqual([]);
  });

  it('docs/suggestions.md and docs/rules.md are generated from the tables', () => {
    expect(readFileSync(new URL('../../docs/suggestions.md', import.meta.url), 'utf8')).toBe(renderSuggestionRules(SUGGESTION_RULES));
    expect(readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8')).toBe(renderCheckRules(RULES, PRESETS));
  });
});
