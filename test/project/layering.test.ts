// The one-way pipeline, checked file by file: every relative import in src/ (static, `import type`,
// `export … from`, `import('…')` in types or code) must run down the stages, and no file may reach
// itself through its imports. The rules are data: each stage lists the stages it may import.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const src = join(root, 'src');

/** Stages in pipeline order, and what each may import (itself included). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  elf: ['elf'],
  graph: ['elf', 'graph'],
  loader: ['elf', 'graph', 'loader'],
  // I/O adapters: the FileSystem and ByteSource ports' real implementations.
  host: ['elf', 'loader', 'host'],
  analyses: ['elf', 'graph', 'loader', 'analyses'],
  // The library pipeline: flags → loader → analyses, with the host's defaults.
  pipeline: ['elf', 'graph', 'loader', 'host', 'analyses', 'pipeline'],
  report: ['elf', 'graph', 'loader', 'analyses', 'report'],
  cli: ['elf', 'graph', 'loader', 'host', 'analyses', 'pipeline', 'report', 'cli'],
  index: ['elf', 'graph', 'loader', 'host', 'analyses', 'pipeline', 'index'],
};

/** The stage of a file under src/: its folder, or its own name for a top-level file. */
function stageOf(file: string): string {
  const rel = relative(src, file);
  const top = rel.split('/')[0]!;
  return top.endsWith('.ts') ? top.slice(0, -'.ts'.length) : top;
}

function sourceFiles(): string[] {
  return readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Relative imports of a file, resolved to the .ts files they name. */
function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
  return [...new Set(specs.map((s) => normalize(join(dirname(file), s.replace(/\.js$/, '.ts')))))];
}

describe('layering', () => {
  const files = sourceFiles();
  const graph = new Map(files.map((f) => [f, importsOf(f)]));

  it('knows the stage of every file under src/', () => {
    expect(files.filter((f) => !(stageOf(f) in MAY_IMPORT)).map((f) => relative(root, f))).toEqual([]);
  });

  it('the import scanner sees every form of relative import (a check that cannot miss one)', () => {
    const f = join(src, 'loader', 'x.ts');
    const text = "import a from '../elf/a.js';\nimport type { B } from './b.js';\nexport { c } from '../graph/c.js';\nconst d = await import('../analyses/d.js');\ntype E = import('../report/e.js').E;\nimport './f.js';\n";
    expect(importsOf(f, text).map((p) => relative(src, p))).toEqual(['elf/a.ts', 'loader/b.ts', 'graph/c.ts', 'analyses/d.ts', 'report/e.ts', 'loader/f.ts']);
  });

  it('no import runs up the pipeline (elf → graph → loader → analyses → report → cli)', () => {
    const up: string[] = [];
    for (const [f, deps] of graph) {
      for (const d of deps) {
        if (!MAY_IMPORT[stageOf(f)]?.includes(stageOf(d))) up.push(`${relative(src, f)} → ${relative(src, d)}`);
      }
    }
    expect(up).toEqual([]);
  });

  it('every import names a file that exists', () => {
    const files_ = new Set(files);
    const dangling = [...graph].flatMap(([f, deps]) => deps.filter((d) => !files_.has(d)).map((d) => `${relative(src, f)} → ${relative(src, d)}`));
    expect(dangling).toEqual([]);
  });

  it('no import cycles', () => {
    // Tarjan's strongly connected components: any component of more than one file is a cycle.
    const index = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>();
    const stack: string[] = [];
    const cycles: string[][] = [];
    let next = 0;
    const visit = (v: string) => {
      index.set(v, next), low.set(v, next), next++;
      stack.push(v), onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!graph.has(w)) continue;
        if (!index.has(w)) visit(w), low.set(v, Math.min(low.get(v)!, low.get(w)!));
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const scc: string[] = [];
        let w: string;
        do (w = stack.pop()!), onStack.delete(w), scc.push(relative(src, w));
        while (w !== v);
        if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
      }
    };
    for (const f of files) if (!index.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
