// What one object's bytes are, for known-bad indicators (src/analyses/indicators.ts says which objects and
// which byte strings): each file once per run (a cache shared by every program of a run), the executable
// PT_LOAD bytes searched with Buffer.indexOf in bounded windows that overlap by a needle's length (never
// across two segments), the whole file digested with node:crypto, its GNU build-id.
import * as C from '../elf/constants.js';
import type { ElfImage } from '../elf/image.js';
import { hexOf, readNotes } from '../elf/notes.js';
import type { FileSystem } from './fs.js';

/** A byte string to look for in code of one machine. */
export interface Needle {
  readonly key: string;
  readonly machine: number;
  readonly hex: string;
}

export interface ContentFacts {
  readonly path: string;
  readonly machine: number;
  /** null: the file is larger than MAX_CONTENT (no known build is), so it is not digested. */
  readonly sha256: string | null;
  readonly buildId: string | null;
  /** Executable PT_LOAD segments and their file bytes searched. */
  readonly segments: number;
  readonly bytes: number;
  /** The first place of each needle found: file offset and address. */
  readonly found: ReadonlyArray<{ readonly key: string; readonly offset: number; readonly vaddr: number; readonly length: number }>;
}

/** Facts by real path: each file is read once per run. */
export type ContentCache = Map<string, ContentFacts | null>;

const CHUNK = 1 << 20;
/** What is read of one file at most: a hostile or sparse file of many gigabytes must not stall a run (liblzma is ~200 KiB). */
export const MAX_CONTENT = 256 << 20;

/** `open` is the path to open, `path` the real path the facts are filed under. */
export function readContent(fs: FileSystem, open: string, path: string, image: ElfImage, needles: readonly Needle[], cache: ContentCache = new Map()): ContentFacts | null {
  if (cache.has(path)) return cache.get(path)!;
  const facts = scan(fs, open, path, image, needles);
  cache.set(path, facts);
  return facts;
}

function scan(fs: FileSystem, open: string, path: string, image: ElfImage, needles: readonly Needle[]): ContentFacts | null {
  const f = fs.open(open);
  if (!f.ok) return null;
  const src = f.value;
  try {
    // Digested first: a file of up to a chunk (liblzma) is then one read, which the search below reuses
    // (file-source.ts serves a read inside an earlier one from it). node:crypto costs ~10 ms to load; only
    // the few objects an indicator concerns need it.
    let sha256: string | null = null;
    if (src.size <= MAX_CONTENT) {
      const h = process.getBuiltinModule('node:crypto').createHash('sha256');
      for (let at = 0; at < src.size; at += CHUNK) h.update(src.read(at, Math.min(CHUNK, src.size - at)));
      sha256 = h.digest('hex');
    }
    const machine = image.header.machine;
    const mine = needles.filter((n) => n.machine === machine).map((n) => ({ key: n.key, bytes: Buffer.from(n.hex, 'hex') }));
    const segments = image.segments.filter((s) => s.type === C.PT_LOAD && (s.flags & C.PF_X) !== 0 && Number.isSafeInteger(s.offset) && Number.isSafeInteger(s.filesz) && s.offset < src.size);
    const overlap = Math.max(1, ...mine.map((n) => n.bytes.length)) - 1;
    const found = new Map<string, { key: string; offset: number; vaddr: number; length: number }>();
    let bytes = 0;
    for (const s of segments) {
      const end = Math.min(s.offset + s.filesz, src.size, s.offset + MAX_CONTENT - bytes);
      if (end <= s.offset) break;
      bytes += end - s.offset;
      for (let at = s.offset; at < end && found.size < mine.length; at += CHUNK) {
        const b = src.read(at, Math.min(CHUNK + overlap, end - at));
        const window = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
        for (const n of mine) {
          if (found.has(n.key)) continue;
          const i = window.indexOf(n.bytes);
          if (i >= 0) found.set(n.key, { key: n.key, offset: at + i, vaddr: s.vaddr + (at - s.offset) + i, length: n.bytes.length });
        }
      }
    }
    const note = readNotes(src, image, []).find((n) => n.owner === 'GNU' && n.type === C.NT_GNU_BUILD_ID);
    return { path, machine, sha256, buildId: note ? hexOf(note.desc) : null, segments: segments.length, bytes, found: [...found.values()] };
  } finally {
    src.close();
  }
}
