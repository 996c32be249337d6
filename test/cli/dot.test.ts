// --format dot: the graph as Graphviz reads it — rendered by `dot` itself, every object a node, start-up
// edges solid and run-time edges dashed, load-time code filled, the path to --highlight LIB in red and
// equal to the path `why` prints.
import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/analyses/result.js';
import { runCli } from '../support/cli.js';
import { sysroot } from '../support/corpus.js';
import { GRAPHVIZ, requires, sysrootOf } from '../support/prereq.js';

describe('--format dot', () => {
  it("Debian 13's sshd-session: what Graphviz lays out is the graph, the run-time path to liblzma highlighted", async (ctx) => {
    requires(ctx, GRAPHVIZ, sysrootOf('trixie-amd64'));
    const root = sysroot('trixie-amd64');
    const prog = '/usr/lib/openssh/sshd-session';
    const g = JSON.parse((await runCli(['--root', root, '--format', 'json', prog])).stdout) as AnalysisResult;
    const r = await runCli(['--root', root, '--format', 'dot', '--highlight', 'liblzma.so.5', prog]);
    expect(r.code).toBe(0);
    // Graphviz parses it and reports every node and edge back (-Tjson: objects and edges of the laid-out graph).
    const laid = JSON.parse(execaSync('dot', ['-Tjson'], { input: r.stdout }).stdout) as { objects: Array<{ _gvid: number; name: string; label: string; style?: string; fillcolor?: string }>; edges: Array<{ tail: number; head: number; style?: string; color?: string }> };
    const all = [...g.objects, ...g.runtime!.objects].filter((o) => o.kind !== 'vdso');
    expect(laid.objects.map((o) => o.name).sort()).toEqual(all.map((o) => `n${o.id}`).sort());
    const name = (gvid: number) => Number(laid.objects.find((o) => o._gvid === gvid)!.name.slice(1));
    const dashed = laid.edges.filter((e) => e.style === 'dashed').length;
    expect(dashed).toBe(g.runtime!.edges.filter((e) => e.to !== null).length);
    expect(laid.edges.length - dashed).toBe(g.edges.filter((e) => e.to !== null && all.some((o) => o.id === e.to)).length);
    // Filled: exactly the objects that run their own code at load (start-up or run-time figures).
    const running = [...g.loadTime!.objects, ...g.runtimeLoadTime!.objects].filter((o) => o.realConstructors || o.ifuncAtLoad).map((o) => `n${o.id}`).sort();
    expect(laid.objects.filter((o) => o.style?.includes('filled')).map((o) => o.name).sort()).toEqual(running);
    // The red path is why's path: sshd-session → libpam.so.0 → pam_… → libsystemd.so.0 → liblzma.so.5.
    const red = laid.edges.filter((e) => e.color === 'red').map((e) => [name(e.tail), name(e.head)]);
    const byId = new Map(all.map((o) => [o.id, o]));
    const shown = (id: number) => byId.get(id)!.soname ?? byId.get(id)!.path!.split('/').pop()!;
    const w = await runCli(['why', '--root', root, prog, 'liblzma.so.5']);
    const whyChain = /^\s+(sshd-session → .*)$/m.exec(w.stdout)![1]!.split(' → ').slice(1);
    expect(new Set(red.map(([, to]) => shown(to!)))).toEqual(new Set(whyChain));
    expect(red).toHaveLength(whyChain.length);
  });

  it('--highlight without --format dot is a usage error', async () => {
    expect(await runCli(['--highlight', 'libc.so.6', '/bin/ls'])).toMatchObject({ code: 2, stderr: 'loadgraph: --highlight goes with --format dot\n' });
  });
});
