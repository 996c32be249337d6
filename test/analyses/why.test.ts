// `why` on sshd inside the Debian sysroots (amd64 and big-endian s390x), and on this machine when it has
// sshd: the path, what each hop is used for, what the libsystemd edge costs, and the suggestion.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSysroot, sysroot } from '../support/corpus.js';
import { runCli } from '../support/cli.js';

const roots = [
  ...(existsSync('/usr/sbin/sshd') ? [['this machine', null] as const] : []),
  ...(['amd64', 's390x'] as const).filter(hasSysroot).map((a) => [`Debian ${a}`, sysroot(a)] as const),
];

describe.each(roots)('loadgraph why sshd liblzma.so.5 (%s)', (_label, root) => {
  const args = (...rest: string[]) => [...(root ? ['--root', root] : []), ...rest];

  it('shows sshd → libsystemd.so.0 → liblzma.so.5 with the symbols each hop is used for', async () => {
    const r = await runCli(['why', ...args('/usr/sbin/sshd', 'liblzma.so.5')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  sshd → libsystemd.so.0 → liblzma.so.5\n');
    expect(r.stdout).toMatch(/sshd → libsystemd\.so\.0 \[[^\]]+\]\n    uses 2 of its \d+ functions: sd_listen_fds@LIBSYSTEMD_209, sd_notify@LIBSYSTEMD_209/);
    expect(r.stdout).toMatch(/libsystemd\.so\.0 → liblzma\.so\.5 \[[^\]]+\]\n    uses 3 of its \d+ functions: lzma_code@XZ_5\.0, lzma_end@XZ_5\.0, lzma_stream_decoder@XZ_5\.0/);
    expect(r.stdout).toMatch(/suggestion \[LGS001\] sshd → libsystemd\.so\.0 is used only for sd_listen_fds, sd_notify/);
  });

  it('the libsystemd edge costs exactly the 7 objects only it brings in', async () => {
    const r = await runCli(['why', ...args('--format', 'json', '/usr/sbin/sshd', 'liblzma.so.5')]);
    const w = JSON.parse(r.stdout);
    expect(w.paths).toHaveLength(1);
    expect(w.more).toBe(0);
    expect(w.explanation.node.name).toBe('liblzma.so.5');
    expect(w.explanation.loadedBy[0].from.node.name).toBe('libsystemd.so.0');
    expect(w.explanation.loadedBy[0].from.loadedBy[0].from.node.id).toBe(0);
    const graph = JSON.parse((await runCli([...args('--format', 'json', '/usr/sbin/sshd')])).stdout);
    const name = (id: number) => graph.objects.find((o: { id: number }) => o.id === id).soname;
    expect(w.costs[0].removes.map(name).sort()).toEqual(['libcap.so.2', 'libgcrypt.so.20', 'libgpg-error.so.0', 'liblz4.so.1', 'liblzma.so.5', 'libsystemd.so.0', 'libzstd.so.1']);
    expect(w.suggestions.map((s: { rule: string }) => s.rule)).toEqual(['LGS001']);
  });

  it('exits 1 when the library is not loaded', async () => {
    const r = await runCli(['why', ...args('/usr/sbin/sshd', 'libnope.so.1')]);
    expect(r).toMatchObject({ code: 1, stdout: '/usr/sbin/sshd does not load libnope.so.1, at start or at run time\n' });
  });
});
