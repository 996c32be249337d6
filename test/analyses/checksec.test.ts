// check's per-object verdicts against checksec (RELRO, canary, NX, PIE, RPATH, RUNPATH, FORTIFY) and
// hardening-check (PIE, RELRO, BIND_NOW) on every ELF program in /usr/sbin of this machine. Every
// disagreement is explained in docs/hardening.md and pinned here.
import { closeSync, lstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { CHECKSEC, HARDENING_CHECK, requires } from '../support/prereq.js';

/** Disagreements explained in docs/hardening.md: file → field → [loadgraph, other tool]. */
const EXPLAINED: Record<string, Record<string, [string, string]>> = {
  // static-pie: ET_DYN with DF_1_PIE but no PT_PHDR; hardening-check takes PT_PHDR as "is an executable".
  '/usr/sbin/ldconfig': { 'hardening-check PIE': ['yes', 'no'] },
};

function elfFiles(dir: string): string[] {
  return readdirSync(dir).sort().map((n) => `${dir}/${n}`).filter((p) => {
    if (!lstatSync(p).isFile()) return false;
    const b = Buffer.alloc(4);
    const fd = openSync(p, 'r');
    try {
      return readSync(fd, b, 0, 4, 0) === 4 && b.readUInt32BE(0) === 0x7f454c46;
    } finally {
      closeSync(fd);
    }
  });
}

describe('check against checksec and hardening-check on /usr/sbin', () => {
  it('agrees on every ELF program, or the disagreement is explained', async (ctx) => {
    requires(ctx, CHECKSEC, HARDENING_CHECK);
    const files = elfFiles('/usr/sbin');
    const r = await runCli(['check', '--format', 'json', ...files]);
    const ours = new Map((JSON.parse(r.stdout).programs as Array<{ program: string; objects: Array<Record<string, unknown> & { id: number }> }>).map((p) => [p.program, p.objects.find((o) => o.id === 0)!]));
    const found: string[] = [];
    let compared = 0;
    for (const f of files) {
      const o = ours.get(f) as { relro: string; canary: boolean; nxStack: boolean; type: string; rpath: string | null; runpath: string | null; fortified: string[]; bindNow: boolean } | undefined;
      // No file is left out: a program loadgraph could not check is a disagreement too.
      if (!o) {
        found.push(`${f}: loadgraph gave no result (${r.stderr.split('\n').find((l) => l.includes(f)) ?? 'no message'})`);
        continue;
      }
      const cs = JSON.parse((await execa('checksec', [`--file=${f}`, '--output=json'], { reject: false })).stdout)[f];
      const hc = (await execa('hardening-check', [f], { reject: false })).stdout;
      compared++;
      const pairs: Array<[string, string, string]> = [
        ['checksec RELRO', o.relro === 'none' ? 'no' : o.relro, cs.relro],
        ['checksec canary', o.canary ? 'yes' : 'no', cs.canary],
        ['checksec NX', o.nxStack ? 'yes' : 'no', cs.nx],
        ['checksec PIE', o.type === 'pie' ? 'yes' : o.type === 'executable' ? 'no' : 'dso', cs.pie],
        ['checksec RPATH', o.rpath !== null ? 'yes' : 'no', cs.rpath],
        ['checksec RUNPATH', o.runpath !== null ? 'yes' : 'no', cs.runpath],
        ['checksec FORTIFY', o.fortified.length > 0 ? 'yes' : 'no', cs.fortify_source],
        ['hardening-check PIE', o.type === 'pie' ? 'yes' : 'no', /Position Independent Executable: yes/.test(hc) ? 'yes' : 'no'],
        ['hardening-check RELRO', o.relro !== 'none' ? 'yes' : 'no', /Read-only relocations: yes/.test(hc) ? 'yes' : 'no'],
        ['hardening-check BIND_NOW', o.bindNow ? 'yes' : 'no', /Immediate binding: yes/.test(hc) ? 'yes' : 'no'],
      ];
      for (const [what, mine, theirs] of pairs) {
        if (mine === theirs) continue;
        const known = EXPLAINED[f]?.[what];
        if (known && known[0] === mine && known[1] === theirs) continue;
        found.push(`${f}: ${what}: loadgraph ${mine}, other tool ${theirs}`);
      }
    }
    console.log(`checksec comparison: ${compared} programs of /usr/sbin, ${found.length} unexplained disagreements`);
    expect(compared).toBeGreaterThan(50);
    expect(found).toEqual([]);
  }, 600_000);
});
