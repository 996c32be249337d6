// Positional byte access: the ELF layer reads only the ranges it needs, at offsets, never a whole file.

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Up to `length` bytes starting at `offset`; shorter only at end of file. */
  read(offset: number, length: number): Uint8Array;
  /** Where reading is a copy (a file): the bytes at `offset` into `into`, as many as fit; how many there were. */
  readInto?(offset: number, into: Uint8Array): number;
}

/** A ByteSource over bytes already in memory (tests, fuzzing, embedded samples). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read: (offset, length) => {
      const start = Math.max(0, Math.min(offset, bytes.byteLength));
      return bytes.subarray(start, Math.min(bytes.byteLength, start + Math.max(0, length)));
    },
  };
}
