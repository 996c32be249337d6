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

/**
 * What each rule is for, written here by hand from docs/suggestions.md's intent — not read from the rule
 * table — so that a rule whose providers or symbols drift fails: provider, symbols that fit, a symbol that does not.
 */
const EXPECTED: Record<string, { provider: string; fits: string[]; other: string | null }> = {
  LGS001: { provider: 'libsystemd.so.0', fits: ['sd_notify', 'sd_listen_fds'], other: 'sd_bus_open' },
  LGS002: { provider: 'libpthread.so.0', fits: ['pthread_create'], other: null },
  LGS003: { provider: 'libbsd.so.0', fits: ['strlcpy', 'strlcat'], other: 'arc4random' },
  LGS004: { provider: 'libattr.so.1', fits: ['getxattr', 'fsetxattr'], other: 'attr_get' },
  LGS005: { provider: 'libuuid.so.1', fits: ['uuid_generate', 'uuid_unparse'], other: 'uuid_parse' },
  LGS006: { provider: 'libacl.so.1', fits: ['acl_extended_file'], other: 'acl_get_file' },
};

describe('replacement suggestions', () => {
  it('the rule table has exactly the rules expected here', () => {
    expect(SUGGESTION_RULES.map((r) => r.id).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [id, { provider, fits, other }] of Object.entries(EXPECTED)) {
    it(`${id} applies to ${provider} used only for ${fits.join(', ')}`, () => {
      const { g, a } = scenario(provider, fits);
      const [s, ...rest] = suggest(g, a, null);
      expect(rest).toEqual([]);
      expect(s).toMatchObject({ rule: id, edge: 0, from: 0, to: 1, symbols: fits });
      expect([...s!.saves.removes].sort()).toEqual([1, 2]);
      expect(s!.saves.bytes).toBe(12000);
      expect(SUGGESTION_RULES.find((r) => r.id === id)!.source.length).toBeGreaterThan(10);
    });
    if (other) {
      it(`${id} does not apply when the edge also uses ${other}`, () => {
        const { g, a } = scenario(provider, [...fits, other]);
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
