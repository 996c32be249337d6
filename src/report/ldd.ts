// `--format ldd`: the lines `ldd FILE` prints (rtld.c trace mode), in its order, without the load addresses.
import type { LoadGraph } from '../graph/model.js';

export function renderLdd(g: LoadGraph): string {
  // ld.so reports a fatal error in trace mode on stdout, in place of the list.
  if (g.fatal) return `${g.program}: error while loading shared libraries: ${g.fatal.message}\n`;
  if (g.linkage === 'static') return '';
  if (g.linkage === 'no-needs') return '\tstatically linked\n';
  const lines: string[] = [];
  for (const o of g.objects) {
    if (o.kind === 'program') continue;
    if (o.kind === 'missing') lines.push(`\t${o.name} => not found`);
    else if (o.kind === 'vdso' || o.name === o.path) lines.push(`\t${o.name}`);
    else lines.push(`\t${o.name} => ${o.path}`);
  }
  return lines.map((l) => l + '\n').join('');
}
