// Colour policy: --color/--no-color win, then NO_COLOR (https://no-color.org), then FORCE_COLOR
// (https://force-color.org; "0" turns colour off, as Node reads it), then "is stdout a terminal".
import { type Style, ansi, plain } from '../report/style.js';
import type { CliIo } from './io.js';

export function styleFor(io: CliIo, flags: { color?: boolean; 'no-color'?: boolean }): Style {
  if (flags['no-color']) return plain;
  if (flags.color) return ansi;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return plain;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force === '0' || force === 'false' ? plain : ansi;
  return io.isTTY ? ansi : plain;
}
