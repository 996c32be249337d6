// Bindings equal the real loader's: for ≥ 300 dynamically linked x86-64 files of this machine (and
// /usr/sbin/sshd when present), every binding ld.so prints in trace mode with
// LD_TRACE_LOADED_OBJECTS=1 LD_WARN=yes LD_BIND_NOW=yes LD_DEBUG=bindings (no constructor or resolver
// runs) equals loadgraph's, compared as (object, symbol, version) → defining object; and every "undefined
// symbol" ld.so reports there (a strong reference nothing defines) is one loadgraph binds to nothing, and
// the other way round. A file is left out only when ld.so and loadgraph both say it cannot be loaded; each
// exclusion is counted and printed.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { decodeElf } from '../../src/elf/decode.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import { withFileSource } from '../../src/host/file-source.js';
import { bindSymbols } from '../../src/loader/bind.js';
import { elfFilesUnder, pool } from '../support/corpus.js';
import { loadOf, traceLdso } from '../support/fixtures.js';
import { LDD, requires } from '../support/prereq.js';

function dynamicX86_64(f: string): boolean {
  return withFileSource(f, (src) => {
    const d = decodeElf(src);
    return d.ok && d.image.header.class === 64 && d.image.header.machine === C.EM_X86_64 && d.image.needed.length > 0;
  });
}

async function oracle(file: string): Promise<{ failed: string | null; bindings: Map<string, Set<string>>; undefined: string[] }> {
  const r = await traceLdso(file, '/', { LD_WARN: 'yes', LD_BIND_NOW: 'yes', LD_DEBUG: 'bindings' });
  const failed = r.exitCode === 0 ? null : r.stderr.split('\n').find((l) => l.includes('error while loading shared libraries')) ?? `exit status ${r.exitCode}`;
  const out = new Map<string, Set<string>>();
  for (const line of r.stderr.split('\n')) {
    const m = /binding file (.*) \[0\] to (.*) \[0\]: (?:normal|protected) symbol `(.*)'(?: \[(.*)\])?$/.exec(line);
    if (!m || m[1] === 'linux-vdso.so.1') continue; // libc's own lookups in the vDSO (spec §6.1)
    const key = `${m[1]} ${m[3]} ${m[4] ?? ''}`;
    if (!out.has(key)) out.set(key, new Set());
    out.get(key)!.add(m[2]!);
  }
  // print_unresolved: "undefined symbol: NAME[, version V]\t(FILE)", on stderr.
  const undef = r.stderr.split('\n').flatMap((l) => /^undefined symbol: (.*)\t\((.*)\)$/.exec(l)?.slice(1, 3).reverse().join(' ') ?? []);
  return { failed, bindings: out, undefined: [...new Set(undef)].sort() };
}

function ours(file: string): { bindings: Map<string, Set<string>>; undefined: string[] } | string {
  const { graph: g, images } = loadOf(file, '/');
  if (g.fatal) return `fatal: ${g.fatal.message}`;
  if (g.linkage !== 'dynamic') return `linkage ${g.linkage}`;
  const b = bindSymbols(confinedFs('/'), g, images, { bindNow: true });
  const path = new Map(g.objects.map((o) => [o.id, o.path]));
  const out = new Map<string, Set<string>>();
  const undef = new Set<string>();
  for (const x of b.bindings) {
    if (x.to === null && !x.weak) undef.add(`${path.get(x.from)} ${x.symbol}${x.version ? `, version ${x.version}` : ''}`);
    if (x.to === null) continue;
    const key = `${path.get(x.from)} ${x.symbol} ${x.version ?? ''}`;
    if (!out.has(key)) out.set(key, new Set());
    out.get(key)!.add(path.get(x.to)!);
  }
  return { bindings: out, undefined: [...undef].sort() };
}

describe('symbol bindings against the real loader', () => {
  it('agree on every binding of ≥ 300 files', async (ctx) => {
    requires(ctx, LDD);
    const all = ['/usr/sbin', '/usr/bin', '/usr/lib/x86_64-linux-gnu'].flatMap((d) => elfFilesUnder(d, d !== '/usr/lib/x86_64-linux-gnu')).filter(dynamicX86_64);
    // Every other file, plus sshd when the machine has it: well over 300, in a fraction of a minute.
    const files = [...new Set([...(existsSync('/usr/sbin/sshd') ? ['/usr/sbin/sshd'] : []), ...all.filter((_, i) => i % 2 === 0)])];
    let compared = 0, bindings = 0, undefinedSeen = 0;
    const bad: string[] = [], excluded: string[] = [];
    await pool(files, 2, async (f) => {
      const [{ failed, bindings: theirs, undefined: theirUndefined }, result] = [await oracle(f), ours(f)];
      const mine = typeof result === 'string' ? result : result.bindings;
      // Left out only when both loaders refuse the file; loadgraph refusing alone is a mismatch.
      if (typeof mine === 'string' || failed !== null) {
        if (typeof mine === 'string' && failed !== null) excluded.push(`${f}: ld.so ${failed}; loadgraph ${mine}`);
        else bad.push(`${f}: ld.so ${failed ?? 'loads it'}, loadgraph ${typeof mine === 'string' ? mine : 'loads it'}`);
        return;
      }
      compared++;
      const ourUndefined = (result as { undefined: string[] }).undefined;
      undefinedSeen += theirUndefined.length;
      if (ourUndefined.join('\n') !== theirUndefined.join('\n')) bad.push(`${f}: undefined symbols: ld.so ${theirUndefined.join('; ') || '(none)'}, loadgraph ${ourUndefined.join('; ') || '(none)'}`);
      bindings += [...theirs.values()].reduce((n, s) => n + s.size, 0);
      for (const k of new Set([...theirs.keys(), ...mine.keys()])) {
        const a = [...(theirs.get(k) ?? [])].sort().join(', ');
        const b = [...(mine.get(k) ?? [])].sort().join(', ');
        if (a !== b) bad.push(`${k}: ld.so ${a || '(none)'}, loadgraph ${b || '(none)'}`);
      }
    });
    console.log(`bindings differential: ${bindings} bindings and ${undefinedSeen} undefined symbols of ${compared} files compared, ${bad.length} mismatches, ${excluded.length} left out because neither loader can load them`);
    for (const x of excluded) console.log(`  left out: ${x}`);
    for (const b of bad.slice(0, 10)) console.log(`  ${b}`);
    expect(compared).toBeGreaterThanOrEqual(300);
    expect(bad).toEqual([]);
  }, 600_000);
});
