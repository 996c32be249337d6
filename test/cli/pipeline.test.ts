// The library pipeline is the command: analyse(file, options) from the package's main entry returns the
// document `loadgraph FILE --format json` prints, byte for byte after JSON.stringify, for the same options.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AnalyseOptions, analyse } from '../../src/index.js';
import { runCli } from '../support/cli.js';
import { hasSysroot, sysroot } from '../support/corpus.js';
import { condition, requires } from '../support/prereq.js';

/** The same options as flags. */
function flags(o: AnalyseOptions): string[] {
  return [
    ...(o.root ? ['--root', o.root] : []), ...(o.bindNow ? ['--bind-now'] : []), ...(o.code === false ? ['--no-code'] : []),
    ...(o.suggest === false ? ['--no-suggest'] : []), ...(o.preload ? ['--preload', o.preload] : []),
    ...(o.libraryPath ? ['--library-path', o.libraryPath] : []), ...(o.hwcaps ? ['--hwcaps', o.hwcaps.join(',') || 'none'] : []),
    ...(o.secure === true ? ['--secure'] : []), ...(o.preloadFile === false ? ['--no-preload-file'] : []),
    ...(o.runtime === false ? ['--no-runtime'] : []), ...(o.pamService ? ['--pam-service', o.pamService] : []),
  ];
}

async function same(file: string, o: AnalyseOptions) {
  const cli = await runCli([file, '--format', 'json', ...flags(o)]);
  expect(cli.stderr).toBe('');
  const lib = await analyse(file, o);
  expect(JSON.stringify(lib, null, 2) + '\n').toBe(cli.stdout);
  return lib;
}

const debianRoot = hasSysroot('amd64') ? sysroot('amd64') : null;
const sshd = existsSync('/usr/sbin/sshd') ? { file: '/usr/sbin/sshd', root: undefined } : debianRoot ? { file: '/usr/sbin/sshd', root: debianRoot } : null;
const hostPrograms = ['/usr/bin/ls', '/usr/bin/bash', '/usr/bin/python3', '/usr/bin/ssh'].filter((p) => existsSync(p));

describe('analyse() equals loadgraph FILE --format json', () => {
  it('on sshd, with every analysis and with the options that change it', async (ctx) => {
    requires(ctx, condition('/usr/sbin/sshd or the Debian amd64 sysroot', sshd !== null, 'npm run test:setup, or bash scripts/fetch-sysroots.sh amd64'));
    const base = sshd!.root ? { root: sshd!.root } : {};
    const g = await same(sshd!.file, base);
    // The document is the whole pipeline's: loader output, then what each analysis adds.
    expect(g.schema).toBe('loadgraph.graph/1');
    expect(g.objects.find((o) => o.soname === 'liblzma.so.5')).toBeDefined();
    expect(g.loadTime?.objects.length).toBeGreaterThan(0);
    expect(g.edgeUse?.length).toBeGreaterThan(0);
    await same(sshd!.file, { ...base, bindNow: true });
    const graphOnly = await same(sshd!.file, { ...base, code: false });
    expect(graphOnly.loadTime).toBeUndefined();
    const noSuggest = await same(sshd!.file, { ...base, suggest: false, preload: 'libnothere.so', libraryPath: '/nowhere' });
    expect(noSuggest.suggestions).toBeUndefined();
    expect(noSuggest.warnings.join('\n')).toContain('libnothere.so');
    // Run-time edges (dlopen notes, PAM, NSS) are part of the document unless turned off.
    expect(g.runtime).toBeDefined();
    expect((await same(sshd!.file, { ...base, runtime: false })).runtime).toBeUndefined();
    await same(sshd!.file, { ...base, pamService: 'login' });
  });

  it(`on this machine's programs (${hostPrograms.join(', ') || 'none found in /usr/bin'})`, async (ctx) => {
    requires(ctx, condition('one of /usr/bin/ls, bash, python3, ssh', hostPrograms.length > 0, 'apt-get install coreutils'));
    for (const p of hostPrograms) await same(p, {});
    await same(hostPrograms[0]!, { hwcaps: [], secure: true, preloadFile: false });
  });

  it('throws the one-line message the command prints when the file cannot be analysed', async () => {
    const missing = join('/nonexistent', 'prog');
    const cli = await runCli([missing, '--format', 'json']);
    await expect(analyse(missing)).rejects.toThrow(cli.stderr.replace(/^loadgraph: /, '').trim());
  });
});
