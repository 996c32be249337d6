// A name in an ELF file or on disk is bytes; glibc and the kernel never decode it. Strings here are UTF-8
// with each byte that is not part of valid UTF-8 kept as U+DC80–U+DCFF (PEP 383's surrogateescape), so a
// name of any bytes still names the same file (host/file-source.ts hostPath gives the bytes back) and is
// shown as \xNN (cli/terminal-safe.ts). A leading byte-order mark is a character like any other.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One escaped byte: a lone U+DC80–U+DCFF (the low half of a surrogate pair is a character, not an escape). */
export const ESCAPED_BYTE = /(?<![\ud800-\udbff])[\udc80-\udcff]/;

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return escapedUtf8(bytes);
  }
}

/** The slow path: valid sequences decoded, every other byte escaped. */
function escapedUtf8(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    const n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? (c <= 0xef ? 3 : 0) : c >= 0xc2 && c <= 0xdf ? 2 : c < 0x80 ? 1 : 0;
    let cp = n === 1 ? c : n === 2 ? c & 0x1f : n === 3 ? c & 0x0f : c & 0x07;
    let ok = n > 0 && i + n <= b.length;
    for (let k = 1; ok && k < n; k++) {
      const x = b[i + k]!;
      ok = (x & 0xc0) === 0x80;
      cp = (cp << 6) | (x & 0x3f);
    }
    // Not overlong, not a surrogate, not past U+10FFFF.
    if (ok && n > 1) ok = cp >= [0, 0, 0x80, 0x800, 0x10000][n]! && !(cp >= 0xd800 && cp <= 0xdfff) && cp <= 0x10ffff;
    if (ok) {
      out += String.fromCodePoint(cp);
      i += n;
    } else {
      out += String.fromCharCode(0xdc00 + c);
      i++;
    }
  }
  return out;
}
