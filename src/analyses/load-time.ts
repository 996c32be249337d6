// Load-time code: which objects run their own code before main — constructors (toolchain entries told
// apart) and IFUNC resolvers, whether reached through IRELATIVE or through a symbolic relocation that
// binds to an STT_GNU_IFUNC definition — and the order it all runs in. Pure: bindings and tables in.
import * as C from '../elf/constants.js';
import type { Constructor } from '../elf/ctors.js';
import { dynValue } from '../elf/image.js';
import { relocTypeName } from '../elf/names.js';
import { IRELATIVE_TYPES } from '../elf/relocs.js';
import type { LoadGraph } from '../graph/model.js';
import { programOf } from '../graph/traverse.js';
import type { BindResult } from '../loader/bind.js';

export interface IfuncCall {
  /** The resolver's symbol (the IFUNC symbol's name), when known. */
  readonly name: string | null;
  readonly address: number | null;
  /** The object whose relocation makes the call. */
  readonly calledBy: number;
  readonly via: string;
  /** 'load': while relocating `calledBy`, before any constructor; 'first-call': a lazy PLT slot. */
  readonly phase: 'load' | 'first-call';
}

export interface ObjectLoadTime {
  readonly id: number;
  readonly constructors: readonly Constructor[];
  /** Resolvers of this object's IFUNCs that run (the code is this object's). */
  readonly ifunc: readonly IfuncCall[];
  readonly realConstructors: number;
  readonly ifuncAtLoad: number;
  readonly initFirst: boolean;
  /** DT_AUDIT / DT_DEPAUDIT: audit libraries run code, even under ldd. */
  readonly audit: readonly string[];
  readonly tls: boolean;
}

export type RunStep =
  | { readonly phase: 'relocation'; readonly object: number; readonly ifunc: number }
  | { readonly phase: 'init'; readonly object: number; readonly kind: Constructor['kind']; readonly index: number; readonly name: string | null; readonly classification: Constructor['classification'] };

export interface LoadTimeCode {
  /** Whether every PLT slot was taken as bound at load (LD_BIND_NOW); false: each object's own flags. */
  readonly bindNow: boolean;
  readonly objects: readonly ObjectLoadTime[];
  /** Relocation (IFUNC resolvers) first, in glibc's object order; then constructors, in _dl_init's order. */
  readonly runOrder: readonly RunStep[];
}

/** What the run-time loads would run when they happen: their objects' load-time code, and the resolvers of start-up objects their relocations call. */
export interface RuntimeLoadTime {
  /** The run-time objects (ids of LoadGraph.runtime.objects) with their constructors and the IFUNC resolvers of theirs that run. */
  readonly objects: readonly ObjectLoadTime[];
  /** IFUNC resolvers of start-up objects called again by run-time objects' relocations, by the object that defines them. */
  readonly startup: ReadonlyArray<{ readonly id: number; readonly ifunc: readonly IfuncCall[] }>;
}

/** The run-time part of a load-time analysis over the start-up objects and the run-time objects together. */
export function runtimeLoadTime(lt: LoadTimeCode, runtimeIds: ReadonlySet<number>): RuntimeLoadTime {
  const atLoad = (o: ObjectLoadTime) => o.ifunc.filter((c) => runtimeIds.has(c.calledBy));
  return {
    objects: lt.objects.filter((o) => runtimeIds.has(o.id)).map((o) => {
      const ifunc = atLoad(o);
      return { ...o, ifunc, ifuncAtLoad: ifunc.filter((c) => c.phase === 'load').length };
    }),
    startup: lt.objects.filter((o) => !runtimeIds.has(o.id)).map((o) => ({ id: o.id, ifunc: atLoad(o) })).filter((x) => x.ifunc.length > 0),
  };
}

const irelativeName = (machine: number) => relocTypeName(machine, IRELATIVE_TYPES.get(machine)?.[0] ?? 0);

export function loadTimeCode(g: LoadGraph, b: BindResult, bindNow: boolean): LoadTimeCode {
  const calls = new Map<number, IfuncCall[]>();
  const push = (definer: number, c: IfuncCall) => {
    const list = calls.get(definer) ?? [];
    list.push(c);
    calls.set(definer, list);
  };
  for (const [id, t] of b.tables) {
    for (const r of t.irelative) {
      push(id, { name: r.name, address: r.address, calledBy: id, via: r.via ? `${irelativeName(t.image.header.machine)} (${r.via})` : irelativeName(t.image.header.machine), phase: 'load' });
    }
  }
  for (const x of b.bindings) {
    if (!x.ifunc || x.to === null) continue;
    const def = b.tables.get(x.to)!;
    push(x.to, {
      name: x.symbol, address: x.defIndex === null || !def.symbols ? null : def.symbols.value(x.defIndex), calledBy: x.from,
      via: relocTypeName(b.tables.get(x.from)!.image.header.machine, x.relocType), phase: x.lazy ? 'first-call' : 'load',
    });
  }
  const objects: ObjectLoadTime[] = [];
  for (const o of g.objects) {
    const t = b.tables.get(o.id);
    if (!t) continue;
    const img = t.image;
    const ifunc = calls.get(o.id) ?? [];
    objects.push({
      id: o.id,
      constructors: t.constructors,
      ifunc,
      realConstructors: t.constructors.filter((c) => c.classification === 'real').length,
      ifuncAtLoad: ifunc.filter((c) => c.phase === 'load').length,
      initFirst: ((dynValue(img, C.DT_FLAGS_1) ?? 0) & C.DF_1_INITFIRST) !== 0,
      audit: [img.audit, img.depaudit].filter((x): x is string => x !== null),
      tls: img.segments.some((s) => s.type === C.PT_TLS),
    });
  }

  const byId = new Map(objects.map((o) => [o.id, o]));
  const interp = g.objects.find((o) => o.kind === 'interp')?.id;
  const program = programOf(g).id;
  const runOrder: RunStep[] = [];
  // ld.so relocates itself first (_dl_start); then every other object, last l_initfini entry first.
  const relocOrder = [...(interp !== undefined ? [interp] : []), ...[...b.initFini].reverse().filter((id) => id !== interp)];
  const atLoadBy = new Map<number, number>();
  for (const c of [...calls.values()].flat()) if (c.phase === 'load') atLoadBy.set(c.calledBy, (atLoadBy.get(c.calledBy) ?? 0) + 1);
  for (const id of relocOrder) {
    const n = atLoadBy.get(id) ?? 0;
    if (n > 0) runOrder.push({ phase: 'relocation', object: id, ifunc: n });
  }
  // _dl_init: the DF_1_INITFIRST object (the last mapped), the program's DT_PREINIT_ARRAY, then every other
  // object from the last l_initfini entry to the first; the program's own DT_INIT/DT_INIT_ARRAY run last,
  // from __libc_start_main.
  const init = (id: number, kinds: ReadonlyArray<Constructor['kind']>) => {
    for (const c of byId.get(id)?.constructors ?? []) {
      if (kinds.includes(c.kind)) runOrder.push({ phase: 'init', object: id, kind: c.kind, index: c.index, name: c.name, classification: c.classification });
    }
  };
  const first = [...objects].reverse().find((o) => o.initFirst && o.id !== program);
  if (first) init(first.id, ['DT_INIT', 'DT_INIT_ARRAY']);
  init(program, ['DT_PREINIT_ARRAY']);
  for (const id of [...b.initFini].reverse()) if (id !== program && id !== first?.id) init(id, ['DT_INIT', 'DT_INIT_ARRAY']);
  init(program, ['DT_INIT', 'DT_INIT_ARRAY']);
  return { bindNow, objects, runOrder };
}
