// Human rendering of one object's facts (`loadgraph inspect`). Pure: facts in, text out.
import type { ObjectFacts, FactsResult } from '../elf/facts.js';
import { wideHex } from '../elf/kit.js';
import { type Style, plain } from './style.js';
import { shown } from './shown.js';

const hex = (n: number | null) => (n === null ? 'none' : wideHex(n));
const list = (xs: readonly string[] | null, none = 'none') => (xs === null || xs.length === 0 ? none : xs.join(' '));
const yesNo = (b: boolean) => (b ? 'yes' : 'no');

function firstOf(names: readonly string[], max: number): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')}, … +${names.length - max}`;
}

export function renderFacts(f: ObjectFacts, style: Style = plain): string {
  f = shown(f);
  const rows: Array<[string, string]> = [];
  const row = (k: string, v: string) => rows.push([k, v]);
  row('format', `ELF${f.class} ${f.endian}-endian ${f.machine.name} (${f.machine.number}) ${f.type} ${f.osabi}${f.abiVersion ? ` v${f.abiVersion}` : ''}`);
  row('interp', f.interp ?? 'none');
  row('soname', f.soname ?? 'none');
  row('needed', list(f.needed));
  row('rpath', f.rpath === null ? 'none' : f.rpath.join(':'));
  row('runpath', f.runpath === null ? 'none' : f.runpath.join(':'));
  if (f.audit !== null || f.depaudit !== null) row('audit', `DT_AUDIT ${f.audit ?? 'none'}, DT_DEPAUDIT ${f.depaudit ?? 'none'}`);
  if (f.filter.length || f.auxiliary.length) row('filters', `DT_FILTER ${list(f.filter)}; DT_AUXILIARY ${list(f.auxiliary)}`);
  row('flags', `${list([...f.flags, ...f.flags1])}; bind now ${yesNo(f.bindNow)}; textrel ${yesNo(f.textrel)}`);
  const arr = (a: readonly number[] | null) => (a === null ? 'none' : `${a.length} slot${a.length === 1 ? '' : 's'}`);
  row('init', `DT_INIT ${hex(f.init)}; DT_INIT_ARRAY ${arr(f.initArray)}; DT_PREINIT_ARRAY ${arr(f.preinitArray)}`);
  row('fini', `DT_FINI ${hex(f.fini)}; DT_FINI_ARRAY ${arr(f.finiArray)}`);
  for (const c of f.constructors) {
    const what = `${c.kind}${c.kind === 'DT_INIT' ? '' : `[${c.index}]`} → ${hex(c.address)}${c.name ? ` ${c.name}` : ''}`;
    row('constructor', c.classification === 'real' ? style('yellow', `${what}: runs at load time`) : `${what}: ${c.classification} (${c.reason})`);
  }
  const via = f.irelativeResolvers.find((r) => r.via)?.via;
  if (f.irelativeResolvers.length) row('ifunc', `${f.irelativeResolvers.length} resolvers run through IRELATIVE${via ? `, applied by libc's ${via}` : ''} (${firstOf(f.irelativeResolvers.map((r) => r.name ?? hex(r.address)), 6)})`);
  const ifunc = f.ifuncSymbols.length ? ` (${firstOf(f.ifuncSymbols, 6)})` : '';
  row('symbols', `${f.dynsymCount} dynamic; ${f.ifuncSymbols.length} IFUNC${ifunc}`);
  const counts = Object.entries(f.relocationCounts).sort((a, b) => b[1] - a[1]);
  const total = counts.reduce((n, [, c]) => n + c, 0);
  row('relocations', total === 0 ? 'none' : `${total}: ${counts.map(([k, c]) => `${k} ${c}`).join(', ')}`);
  row('irelative', String(f.irelativeCount));
  row('segments', `stack ${f.segments.gnuStack === 'absent' ? 'no PT_GNU_STACK' : f.segments.gnuStack === 'rwx' ? style('red', 'executable') : 'non-executable'}; RELRO ${yesNo(f.segments.relro)}; TLS ${yesNo(f.segments.tls)}`);
  row('build-id', f.notes.buildId ?? 'none');
  if (f.notes.abiTag) row('abi tag', f.notes.abiTag);
  const gp = f.notes.gnuProperty;
  if (gp) {
    const parts = [
      gp.x86Features.length ? `x86 feature ${gp.x86Features.join(' ')}` : '',
      gp.x86IsaNeeded.length ? `x86 ISA needed ${gp.x86IsaNeeded.join(' ')}` : '',
      gp.aarch64Features.length ? `AArch64 feature ${gp.aarch64Features.join(' ')}` : '',
      gp.needed.length ? `needed ${gp.needed.join(' ')}` : '',
    ].filter(Boolean);
    row('properties', parts.length ? parts.join('; ') : 'none');
  }
  for (const d of f.notes.dlopen) {
    row('dlopen', `${d.soname.join(' | ')} (${d.priority}${d.feature ? `, ${d.feature}` : ''})`);
  }
  if (f.notes.package) {
    const p = f.notes.package;
    row('package', ['type', 'name', 'version', 'architecture'].map((k) => p[k]).filter((v) => typeof v === 'string').join(' '));
  }
  for (const d of f.diagnostics) row('warning', style('yellow', `${d.message}${d.offset !== undefined ? ` (offset ${wideHex(d.offset)})` : ''}`));
  const width = Math.max(...rows.map(([k]) => k.length));
  return [style('bold', f.path), ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n') + '\n';
}

export function renderFactsError(r: Extract<FactsResult, { ok: false }>): string {
  r = shown(r);
  if (r.error.code === 'ELF_UNREADABLE') return `loadgraph: ${r.path}: ${r.error.message}\n`;
  return `loadgraph: ${r.path}: ${r.error.message} (${r.error.structure} at offset ${wideHex(r.error.offset)}) [${r.error.code}]\n`;
}

/** JSON for one result: the facts, or {path, error}. */
export function factsJson(r: FactsResult): unknown {
  if (r.ok) return r.facts;
  return { path: r.path, error: { code: r.error.code, message: r.error.message, offset: r.error.offset, structure: r.error.structure } };
}
