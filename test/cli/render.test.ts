// `loadgraph render SAVED.json`: a saved result drawn again is byte-identical to the live output, for the
// tree, DOT and JSON, and reads nothing but the saved file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { sysroot } from '../support/corpus.js';
import { type Prerequisite, requires, sysrootOf } from '../support/prereq.js';

const cases: Array<[string, string | null, Prerequisite[]]> = [
  ['/usr/bin/ls', null, []],
  ['/usr/sbin/sshd', 'amd64', [sysrootOf('amd64')]],
  ['/usr/lib/openssh/sshd-session', 'trixie-amd64', [sysrootOf('trixie-amd64')]],
];

describe('render', () => {
  for (const [prog, root, needs] of cases) {
    it(`${prog}${root ? ` in the ${root} sysroot` : ''}: tree, dot and json equal the live run`, async (ctx) => {
      requires(ctx, ...needs);
      const rootArgs = root ? ['--root', sysroot(root as 'amd64')] : [];
      const d = mkdtempSync(join(tmpdir(), 'lg-render-'));
      const saved = join(d, 'saved.json');
      const json = await runCli([...rootArgs, '--format', 'json', prog]);
      writeFileSync(saved, json.stdout);
      for (const fmt of [[], ['--format', 'dot'], ['--format', 'json'], ['--format', 'html'], ['--format', 'markdown'], ['--format', 'dot', '--highlight', 'libc.so.6']]) {
        const live = await runCli([...rootArgs, ...(fmt.length ? fmt : []), prog]);
        const again = await runCli(['render', ...fmt, saved]);
        expect({ fmt, out: again.stdout, code: again.code }).toEqual({ fmt, out: live.stdout, code: live.code });
      }
    });
  }

  it('a file that is not a saved result: one line, exit 2', async () => {
    const d = mkdtempSync(join(tmpdir(), 'lg-render-'));
    writeFileSync(join(d, 'bad.json'), '{ no');
    writeFileSync(join(d, 'other.json'), '{"schema":"loadgraph.scan/1"}');
    expect(await runCli(['render', join(d, 'bad.json')])).toEqual({ code: 2, stdout: '', stderr: `loadgraph: ${join(d, 'bad.json')}: not valid JSON\n` });
    expect((await runCli(['render', join(d, 'other.json')])).stderr).toBe(`loadgraph: ${join(d, 'other.json')}: not a saved 'loadgraph FILE --format json' result (schema loadgraph.scan/1)\n`);
    expect((await runCli(['render', join(d, 'missing.json')])).code).toBe(2);
  });
});
