// A name from a hostile root can hold a newline or a tab — a file name, a DT_NEEDED or SONAME string, a
// symbol or version name — and written raw into text it would start a line of its own, which could pass
// for one of ours ("libfoo.so.1 => /usr/lib/libfoo.so.1"). Text renderers take their document through
// shown() first: newlines and tabs inside its strings become visible escapes (\n, \t). No string of our
// own in a document holds either; the layout's own come from the renderers. Other control characters are
// made safe when the text is written (cli/terminal-safe.ts). Only what leads to a changed string is copied.

const escaped = (s: string) => s.replace(/[\n\t]/g, (c) => (c === '\n' ? '\\n' : '\\t'));

function walk(v: unknown): unknown {
  if (typeof v === 'string') return v.indexOf('\n') < 0 && v.indexOf('\t') < 0 ? v : escaped(v);
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const y = walk(v[i]);
      if (y !== v[i]) (out ??= v.slice())[i] = y;
    }
    return out ?? v;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  let out: Record<string, unknown> | null = null;
  // for…in, not Object.entries: no array per key (a JSON-sized document has tens of thousands).
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    const y = walk(x);
    if (y !== x) (out ??= { ...v })[k] = y;
  }
  return out ?? v;
}

/** The document with every newline and tab inside its strings shown as \n and \t; the same object when none has one. */
export const shown = <T>(doc: T): T => walk(doc) as T;
