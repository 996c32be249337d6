// Bindings in one shape for the differential tests: (object, symbol, version) → the objects that define it,
// and the "undefined symbol" reports, from ld.so's LD_DEBUG=bindings trace and from loadgraph's binder.
import type { Binding } from '../../src/loader/bind.js';

export type BindingTable = { bindings: Map<string, Set<string>>; undefined: string[] };

function add(m: Map<string, Set<string>>, key: string, to: string): void {
  if (!m.has(key)) m.set(key, new Set());
  m.get(key)!.add(to);
}

/** ld.so's trace on stderr, less libc's own lookups in the vDSO (the kernel's image, no file loadgraph reads). */
export function fromLdso(stderr: string): BindingTable {
  const bindings = new Map<string, Set<string>>();
  for (const line of stderr.split('\n')) {
    const m = /binding file (.*) \[0\] to (.*) \[0\]: (?:normal|protected) symbol `(.*)'(?: \[(.*)\])?$/.exec(line);
    if (m && m[1] !== 'linux-vdso.so.1') add(bindings, `${m[1]} ${m[3]} ${m[4] ?? ''}`, m[2]!);
  }
  // print_unresolved: "undefined symbol: NAME[, version V]\t(FILE)".
  const undef = stderr.split('\n').flatMap((l) => /^undefined symbol: (.*)\t\((.*)\)$/.exec(l)?.slice(1, 3).reverse().join(' ') ?? []);
  return { bindings, undefined: [...new Set(undef)].sort() };
}

/** loadgraph's bindings, objects named by `path`. */
export function fromOurs(all: readonly Binding[], path: (id: number) => string | null): BindingTable {
  const bindings = new Map<string, Set<string>>();
  const undef = new Set<string>();
  for (const x of all) {
    if (x.to === null && !x.weak) undef.add(`${path(x.from)} ${x.symbol}${x.version ? `, version ${x.version}` : ''}`);
    if (x.to !== null) add(bindings, `${path(x.from)} ${x.symbol} ${x.version ?? ''}`, path(x.to)!);
  }
  return { bindings, undefined: [...undef].sort() };
}

/** Every difference between the two tables, one line each. */
export function differences(file: string, theirs: BindingTable, mine: BindingTable): string[] {
  const bad: string[] = [];
  if (mine.undefined.join('\n') !== theirs.undefined.join('\n')) bad.push(`${file}: undefined symbols: ld.so ${theirs.undefined.join('; ') || '(none)'}, loadgraph ${mine.undefined.join('; ') || '(none)'}`);
  for (const k of new Set([...theirs.bindings.keys(), ...mine.bindings.keys()])) {
    const a = [...(theirs.bindings.get(k) ?? [])].sort().join(', ');
    const b = [...(mine.bindings.get(k) ?? [])].sort().join(', ');
    if (a !== b) bad.push(`${k}: ld.so ${a || '(none)'}, loadgraph ${b || '(none)'}`);
  }
  return bad;
}
