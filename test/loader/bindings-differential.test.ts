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
import { type BindingTable, differences, fromLdso, fromOurs } from '../support/bindings.js';
import { elfFilesUnder, pool } from '../support/corpus.js';
import { loadOf, traceLdso } from '../support/fixtures.js';
import { LDD, requires } from '../support/prereq.js';

function dynamicX86_64(f: string): boolean {
  return withFileSource(f, (src) => {
    const d = decodeElf(src);
    return d.ok && d.image.header.class === 64 && d.image.header.machine === C.EM_X86_64 && d.image.needed.length > 0;
  });
}

async function oracle(file: string): Promise<BindingTable & { failed: string | null }> {
  const r = await traceLdso(file, '/', { LD_WARN: 'yes', LD_BIND_NOW: 'yes', LD_DEBUG: 'bindings' });
  const failed = r.exitCode === 0 ? null : r.stderr.split('\n').find((l) => l.includes('error while loading shared libraries')) ?? `exit status ${r.exitCode}`;
  return { failed, ...fromLdso(r.stderr) };
}

function ours(file: string): BindingTable | string {
  const { graph: g, images } = loadOf(file, '/');
  if (g.fatal) return `fatal: ${g.fatal.message}`;
  if (g.linkage !== 'dynamic') return `linkage ${g.linkage}`;
  const path = new Map(g.objects.map((o) => [o.id, o.path]));
  return fromOurs(bindSymbols(confinedFs('/'), g, images, { bindNow: true }).bindings, (id) => path.get(id) ?? null);
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
      const [theirs, mine] = [await oracle(f), ours(f)];
      // Left out only when both loaders refuse the file; loadgraph refusing alone is a mismatch.
      if (typeof mine === 'string' || theirs.failed !== null) {
        if (typeof mine === 'string' && theirs.failed !== null) excluded.push(`${f}: ld.so ${theirs.failed}; loadgraph ${mine}`);
        else bad.push(`${f}: ld.so ${theirs.failed ?? 'loads it'}, loadgraph ${typeof mine === 'string' ? mine : 'loads it'}`);
        return;
      }
      compared++;
      undefinedSeen += theirs.undefined.length;
      bindings += [...theirs.bindings.values()].reduce((n, s) => n + s.size, 0);
      bad.push(...differences(f, theirs, mine));
    });
    console.log(`bindings differential: ${bindings} bindings and ${undefinedSeen} undefined symbols of ${compared} files compared, ${bad.length} mismatches, ${excluded.length} left out because neither loader can load them`);
    for (const x of excluded) console.log(`  left out: ${x}`);
    for (const b of bad.slice(0, 10)) console.log(`  ${b}`);
    expect(compared).toBeGreaterThanOrEqual(300);
    expect(bad).toEqual([]);
  }, 600_000);
});
