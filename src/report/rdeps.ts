// rdeps as text: one line per program that loads the library, with its shortest path and how each hop was found.
import type { RdepsDocument } from '../analyses/rdeps.js';

export function renderRdeps(doc: RdepsDocument, scanned: number): string {
  const n = doc.programs.length;
  const head = n === 0
    ? `no program of ${scanned} loads ${doc.library} at start\n`
    : `${doc.library} is loaded at start by ${n} of ${scanned} program${scanned === 1 ? '' : 's'}:\n`;
  return head + doc.programs.map((p) => `  ${p.path}: ${p.via.map((h) => `→ ${h.to} [${h.resolved}${h.name !== h.to ? `, as ${h.name}` : ''}]`).join(' ')}\n`).join('');
}
