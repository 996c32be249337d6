// The process entry: src/cli/main.ts wires the real streams and turns a bug into one line and exit 70 (the
// stack only with LOADGRAPH_DEBUG); bin/loadgraph.js starts the built CLI.
import { execa, execaSync } from 'execa';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

const repo = join(import.meta.dirname, '../..');

/** Imports main.ts afresh with `argv`, capturing what it writes and the exit code it sets. */
async function main(argv: string[], env: Record<string, string> = {}) {
  let stdout = '', stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  const saved = { argv: process.argv, env: { ...process.env } };
  process.argv = ['node', 'loadgraph', ...argv];
  Object.assign(process.env, env);
  try {
    vi.resetModules();
    await import('../../src/cli/main.js');
    return { code: process.exitCode, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.argv = saved.argv;
    for (const k of Object.keys(env)) if (!(k in saved.env)) delete process.env[k];
    process.exitCode = 0;
  }
}

describe('src/cli/main.ts', () => {
  afterEach(() => vi.doUnmock('../../src/cli/run.js'));

  it('runs the CLI with the real streams and sets the exit code', async () => {
    const v = await main(['--version']);
    expect(v).toMatchObject({ code: 0, stdout: expect.stringMatching(/^loadgraph \d+\.\d+\.\d+\n$/), stderr: '' });
    const bad = await main(['inspect', '/nonexistent/file']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/\/nonexistent\/file: no such file or directory/);
  });

  it('an internal error is one line and exit 70; LOADGRAPH_DEBUG adds the stack', async () => {
    vi.doMock('../../src/cli/run.js', () => ({ run: async () => { throw new Error('boom'); } }));
    const plain = await main(['x']);
    expect(plain).toMatchObject({ code: 70, stdout: '', stderr: 'loadgraph: internal error: boom\n' });
    const debug = await main(['x'], { LOADGRAPH_DEBUG: '1' });
    expect(debug.code).toBe(70);
    expect(debug.stderr).toMatch(/^loadgraph: internal error: boom\nError: boom\n\s+at /);
  });
});

describe('bin/loadgraph.js', () => {
  beforeAll(() => {
    execaSync('npm', ['run', '-s', 'build'], { cwd: repo });
  }, 300_000);

  it('starts the built CLI: --version, a load graph, and exit codes', async () => {
    const bin = join(repo, 'bin/loadgraph.js');
    const v = await execa('node', [bin, '--version'], { reject: false });
    expect(v).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^loadgraph \d+\.\d+\.\d+$/) });
    const g = await execa('node', [bin, '--format', 'ldd', '/bin/true'], { reject: false });
    expect(g.exitCode).toBe(0);
    expect(g.stdout).toMatch(/libc\.so\.6 => /);
    expect((await execa('node', [bin], { reject: false })).exitCode).toBe(2);
  });
});
