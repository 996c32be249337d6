// Reads through an open file give exactly the file's bytes, however they are served (the page around a
// small read, an earlier larger read, or the file): compared with the bytes themselves at page edges,
// across them, at the end of the file and past it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openFileSource } from '../../src/host/file-source.js';
import { rng } from '../support/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'lg-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openFileSource', () => {
  const size = 3 * 4096 + 123;
  const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 131 + (i >> 8)) & 0xff);
  const file = join(dir, 'data');
  writeFileSync(file, bytes);
  const expected = (offset: number, length: number) => {
    const start = Math.max(0, Math.min(offset, size));
    return Array.from(bytes.subarray(start, Math.min(size, start + Math.max(0, length))));
  };

  it('page edges, spans, the end of the file and past it', () => {
    const src = openFileSource(file);
    try {
      const cases: Array<[number, number]> = [[0, 16], [4090, 6], [4090, 12], [4096, 4096], [0, 4096], [8000, 400], [size - 5, 5], [size - 5, 50],
        [size, 10], [size + 100, 10], [100, 0], [0, size], [4100, 8], [4104, 8], [4000, 9000], [4100, 100]];
      for (const [o, n] of cases) expect([o, n, Array.from(src.read(o, n))]).toEqual([o, n, expected(o, n)]);
    } finally {
      src.close();
    }
  });

  it('2,000 random reads in one open file, repeats included', () => {
    const rnd = rng(20261201);
    const src = openFileSource(file);
    try {
      for (let k = 0; k < 2000; k++) {
        const o = Math.floor(rnd() * (size + 50));
        const n = rnd() < 0.8 ? Math.floor(rnd() * 64) : Math.floor(rnd() * 9000);
        expect([o, n, Array.from(src.read(o, n))]).toEqual([o, n, expected(o, n)]);
      }
    } finally {
      src.close();
    }
  });
});
