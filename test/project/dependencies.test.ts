// The project's own supply chain: production dependencies are exactly what src/ imports, nothing runs at
// install time, and the product never reaches outside its own clone.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && keep(e.name))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** The package a bare import specifier names ('@scope/x/y' → '@scope/x', 'x/y' → 'x'). */
const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

function bareImports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.filter((s) => !s.startsWith('.') && !s.startsWith('node:')).map(packageOf);
}

describe('dependencies', () => {
  const srcImports = new Map<string, string[]>();
  for (const f of filesUnder('src', (n) => n.endsWith('.ts'))) {
    for (const p of bareImports(f)) srcImports.set(p, [...(srcImports.get(p) ?? []), f]);
  }

  it('every production dependency is imported by src/', () => {
    const unused = Object.keys(pkg.dependencies).filter((d) => !srcImports.has(d));
    expect(unused, 'production dependencies that src/ never imports belong in devDependencies').toEqual([]);
  });

  it('src/ imports only production dependencies and Node built-ins', () => {
    const wrong = [...srcImports].filter(([p]) => !(p in pkg.dependencies)).map(([p, files]) => `${p} (${files.join(', ')})`);
    expect(wrong, 'a package src/ imports must be a production dependency').toEqual([]);
  });

  it('every production dependency is justified in docs/dependencies.md', () => {
    const doc = readFileSync(join(root, 'docs/dependencies.md'), 'utf8');
    for (const d of Object.keys(pkg.dependencies)) expect(doc, d).toContain(`\`${d}\``);
  });

  it('nothing runs at install time', () => {
    expect(readFileSync(join(root, '.npmrc'), 'utf8')).toMatch(/^ignore-scripts=true$/m);
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean; dev?: boolean }> };
    const prodWithScripts = Object.entries(lock.packages).filter(([, v]) => v.hasInstallScript && !v.dev).map(([k]) => k);
    expect(prodWithScripts).toEqual([]);
  });
});

describe('a clone stands alone', () => {
  it('nothing the product or its tests use refers to a folder beside the clone', () => {
    const files = ['README.md', 'package.json', ...['scripts', '.ci', 'src', 'test', 'bench', 'bin'].flatMap((d) => filesUnder(d, () => true))];
    const outside = files.filter((f) => !f.endsWith('.json') || f === 'package.json')
      .filter((f) => /\.\.\/shared\b/.test(readFileSync(join(root, f), 'utf8')) && f !== 'test/project/dependencies.test.ts');
    expect(outside).toEqual([]);
  });
});
