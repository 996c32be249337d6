// The Debian sysroots of seven architectures resolve /usr/sbin/sshd completely with --root, and every one
// has sshd → libsystemd.so.0 → liblzma.so.5; the presets match each sysroot's own ld.so.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confinedFs } from '../../src/host/confined-fs.js';
import { buildLoadGraph } from '../../src/loader/load.js';
import { debianSystemDirs, presetFor } from '../../src/loader/target.js';
import { decodeElf } from '../../src/elf/decode.js';
import { bytesSource } from '../../src/elf/source.js';
import { ARCHES, sysroot } from '../support/corpus.js';
import { requires, sysrootOf } from '../support/prereq.js';

for (const arch of ARCHES) {
  describe(`Debian ${arch} sysroot`, () => {
    it('resolves /usr/sbin/sshd completely, with sshd → libsystemd.so.0 → liblzma.so.5', (ctx) => {
      requires(ctx, sysrootOf(arch));
      const r = buildLoadGraph(confinedFs(sysroot(arch)), '/usr/sbin/sshd', { root: sysroot(arch) });
      if (!r.ok) throw new Error(r.message);
      const g = r.graph;
      expect(g.fatal).toBeNull();
      expect(g.objects.filter((o) => o.kind === 'missing').map((o) => o.name)).toEqual([]);
      expect(g.env.arch).toBe(arch);
      const byName = (n: string) => g.objects.find((o) => o.soname === n || o.name === n);
      const sd = byName('libsystemd.so.0')!;
      const lz = byName('liblzma.so.5')!;
      expect(g.edges.some((e) => e.from === 0 && e.to === sd.id)).toBe(true);
      expect(g.edges.some((e) => e.from === sd.id && e.to === lz.id)).toBe(true);
      // Every path is an in-root path to a file that exists in the root.
      for (const o of g.objects.filter((x) => x.kind === 'library')) {
        expect(o.realPath, o.name).toMatch(/^\/(usr\/)?lib/);
        expect(statSync(join(sysroot(arch), o.realPath!)).isFile(), o.realPath!).toBe(true);
      }
      console.log(`sysroot ${arch}: sshd loads ${g.objects.filter((o) => o.kind !== 'vdso').length - 1} objects`);
    });

    it("uses system directories that are those compiled into the sysroot's ld.so", (ctx) => {
      requires(ctx, sysrootOf(arch));
      const sshd = decodeElf(bytesSource(new Uint8Array(readFileSync(join(sysroot(arch), 'usr/sbin/sshd')))));
      if (!sshd.ok) throw new Error(sshd.error.message);
      const h = sshd.image.header;
      const preset = presetFor({ class: h.class, endian: h.endian, machine: h.machine, flags: h.flags })!;
      expect(sshd.image.interp).toBe(preset.interp);
      const fs = confinedFs(sysroot(arch));
      const real = fs.realpath(preset.interp);
      if (!real.ok) throw new Error(real.errno);
      // SYSTEM_DIRS are consecutive NUL-terminated strings in ld.so's read-only data (glibc elf/Makefile: trusted-dirs.h).
      const text = readFileSync(join(sysroot(arch), real.value)).toString('latin1');
      expect(text).toContain(debianSystemDirs(preset).join('\0') + '\0');
    });
  });
}
