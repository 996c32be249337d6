// A name is bytes: ld.so compares and opens DT_NEEDED strings and file names without decoding them, and
// the kernel does the same with paths. A library named in Latin-1 ("lib\xe9", not UTF-8) is loaded; one
// whose SONAME starts with a UTF-8 byte-order mark is not the library named without it. loadgraph keeps
// each byte (as U+DC80–U+DCFF inside its strings), opens the same file, shows the byte as \xNN in text
// and keeps it exact in JSON. Oracle: ldd on cc-built fixtures, its output compared byte for byte.
import { execa, execaSync } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { decodeUtf8 } from '../../../src/elf/utf8.js';
import { terminalSafe } from '../../../src/cli/terminal-safe.js';
import { requires, setupProvides } from '../../support/prereq.js';
import { runCli } from '../../support/cli.js';
import { canBuildFixtures, fixtureDir } from '../../support/fixtures.js';

/** Built by bash, whose $'…' quoting writes the bytes themselves (Node's strings could not). */
function build(d: string): void {
  execaSync('bash', ['-c', String.raw`
    set -e; cd "$1"
    printf 'int e_fn(void) { return 1; }\n' > e.c
    printf 'int b_fn(void) { return 2; }\n' > b.c
    printf 'int decoy_fn(void) { return 3; }\n' > decoy.c
    cc -shared -fPIC -o $'lib\xe9.so.1' e.c -Wl,-soname,$'lib\xe9.so.1'
    cc -shared -fPIC -o $'\xef\xbb\xbflibb.so.1' b.c -Wl,-soname,$'\xef\xbb\xbflibb.so.1'
    cc -shared -fPIC -o libb.so.1 decoy.c -Wl,-soname,libb.so.1
    printf 'int e_fn(void); int b_fn(void); int main(void) { return e_fn() + b_fn() - 3; }\n' > m.c
    cc -o main m.c -L. -l:$'lib\xe9.so.1' -l:$'\xef\xbb\xbflibb.so.1' -Wl,--no-as-needed,-rpath,'$ORIGIN'
    cp main $'m\xe9in'
  `, 'build', d]);
}

describe('names-are-bytes', () => {
  beforeEach((ctx) => requires(ctx, setupProvides('cc and ldd on x86-64', canBuildFixtures)));

  it('a DT_NEEDED that is not UTF-8, and one that starts with a byte-order mark, resolve to the files ld.so loads', async () => {
    const d = fixtureDir();
    build(d);
    const real = await execa('ldd', [`${d}/main`], { reject: false, encoding: 'buffer', extendEnv: false, env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } });
    const theirs = terminalSafe(decodeUtf8(real.stdout)).split('\n').filter((l) => l.startsWith('\t')).map((l) => `${l.replace(/ \(0x[0-9a-f]+\)$/, '')}\n`).join('');
    expect(theirs).toContain(`\tlib\\xe9.so.1 => ${d}/lib\\xe9.so.1\n`);
    expect(theirs).toContain(`\t\\ufefflibb.so.1 => ${d}/\\ufefflibb.so.1\n`);
    const ours = await runCli(['--format', 'ldd', `${d}/main`]);
    expect([ours.code, ours.stdout]).toEqual([0, theirs]);
    const json = JSON.parse((await runCli(['--format', 'json', '--no-code', `${d}/main`])).stdout);
    const names = json.objects.map((o: { name: string }) => o.name);
    expect(names).toContain('lib\udce9.so.1');
    expect(names).toContain('\ufefflibb.so.1');
    expect(names).not.toContain('libb.so.1');
    const tree = await runCli(['--no-code', `${d}/main`]);
    expect(tree.stdout).toContain(`lib\\xe9.so.1 [runpath] ${d}/lib\\xe9.so.1`);
    expect(tree.stdout).toContain(`\\ufefflibb.so.1 [runpath] ${d}/\\ufefflibb.so.1`);
    // A walk lists a directory's names as bytes too: a program named in Latin-1 is found, and opened.
    const scan = (await runCli(['scan', '--no-code', '--format', 'ndjson', d])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(scan.map((r) => [r.path, r.status, r.closure.map((e: { name: string }) => e.name).slice(0, 2)])).toEqual([
      [`${d}/main`, 'ok', ['lib\udce9.so.1', '\ufefflibb.so.1']], [`${d}/m\udce9in`, 'ok', ['lib\udce9.so.1', '\ufefflibb.so.1']],
    ]);
    const rdeps = await runCli(['rdeps', 'lib\udce9.so.1', d]);
    expect(rdeps.stdout).toContain(`${d}/m\\xe9in`);
  });
});
