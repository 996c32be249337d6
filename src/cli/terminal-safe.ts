// What the CLI writes as text is made safe for a terminal: a hostile root's file names and ELF strings can
// hold control characters, and written raw they would move the cursor, erase or overwrite lines, or turn
// text around (Unicode bidirectional controls), and so hide a finding from the person reading it. JSON
// escapes some of them itself; text gets them as visible escapes (\u001b, \u202e). Newlines and tabs are the
// renderers' own; so are the colours node:util's styleText emits for our tones.

import { ESCAPED_BYTE } from '../elf/utf8.js';

// C0 controls but tab and newline, DEL, C1 controls, the bidirectional marks, embeddings, overrides and
// isolates; characters that show as nothing (soft hyphen, zero-width spaces and joiners, word joiner,
// byte-order mark: "\ufefflibz.so.1" is another file than "libz.so.1"); and a byte of a name that is not
// UTF-8 (elf/utf8.ts decodeUtf8 keeps it as a lone U+DC80–U+DCFF).
const UNSAFE = new RegExp(`[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\xad\\u061c\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff]|${ESCAPED_BYTE.source}`);
// Our colours (bold, dim, red, green, yellow, cyan and their ends) are kept; any other escape is shown.
const SWEEP = new RegExp(`\\x1b\\[(?:1|2|22|31|32|33|36|39)m|${UNSAFE.source}`, 'g');

// A character as JSON writes one (\u001b): the escape is then valid inside JSON too (DEL, C1 controls and
// the rest are left raw by JSON.stringify, and \x7f would break the document); a byte that is not UTF-8 as
// \xNN (JSON.stringify has already written that one as \udcNN). So U+0085 (\u0085) and the byte 0x85
// (\x85) of two different names never look alike.
const shown = (c: string) => {
  const n = c.charCodeAt(0);
  return n >= 0xdc80 && n <= 0xdcff ? `\\x${(n - 0xdc00).toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
};

export function terminalSafe(text: string): string {
  return UNSAFE.test(text) ? text.replace(SWEEP, (m) => (m.length > 1 ? m : shown(m))) : text;
}
