// rdeps as text: one line per program that loads the library, with its shortest path and how each hop was found.
import type { RdepsDocument, RdepsProgram } from '../analyses/rdeps.js';
import { shown } from './shown.js';

export function renderRdeps(doc: RdepsDocument, scanned: number, runtime = false): string {
  doc = shown(doc);
  const start = doc.programs.filter((p) => p.atStart), later = doc.programs.filter((p) => !p.atStart);
  const line = (p: RdepsProgram) => `  ${p.path}: ${p.via.map((h) => `→ ${h.to} [${h.atStart === false ? `${h.kind}, run time: ` : ''}${h.resolved}${h.name !== h.to ? `, as ${h.name}` : ''}]`).join(' ')}\n`;
  const head = start.length === 0
    ? `no program of ${scanned} loads ${doc.library} at start\n`
    : `${doc.library} is loaded at start by ${start.length} of ${scanned} program${scanned === 1 ? '' : 's'}:\n`;
  // Without --runtime, "none" must not read as "clean": Debian 13's programs load liblzma only by dlopen.
  const rt = !runtime ? 'not counted: programs that may load it after start-up (dlopen notes, PAM, NSS); see --runtime\n' : later.length === 0
    ? `no other program may load it at run time (dlopen notes, PAM, NSS)\n`
    : `${later.length} more may load it at run time (not at start):\n${later.map(line).join('')}`;
  return head + start.map(line).join('') + rt;
}
