// Edge sources as data: each kind of edge, where its names come from and what it means to every stage.
// The loader reads the dynamic-array sources of each object it dequeues; the stages ask a source's
// properties (is it loaded at start? does it count for the closure? is edge use reported?) instead of
// naming kinds, so a new source (a run-time dlopen note, PAM, NSS) is a new row.
import * as C from '../elf/constants.js';
import type { ElfImage } from '../elf/image.js';
import type { EdgeKind } from './model.js';

export interface EdgeSource {
  readonly kind: EdgeKind;
  /** Mapped by ld.so before main; false: a run-time edge (dlopen and the like), shown apart from what loads at start. */
  readonly atStart: boolean;
  /** Its target is part of the closure: reachability, depth and what removing an edge saves follow it. */
  readonly countsForClosure: boolean;
  /** The dynamic tag naming its targets, read in dynamic-array order with the other tags (_dl_map_object_deps); null: not read from an object. */
  readonly tag: number | null;
  /** The names, in order, an object's image gives for `tag`. */
  readonly read: ((img: ElfImage) => readonly string[]) | null;
  /** Resolved as a preload (rtld.c do_preload): searched literally unless it has a '/', $ORIGIN of the program, secure-mode rules. */
  readonly preload: boolean;
  /** A name that cannot be mapped does not stop a start (DT_AUXILIARY: _dl_map_object_deps catches the failure); trace mode still lists one not found. */
  readonly optional: boolean;
  /** In the requester's dependency list for the init/fini order (_dl_sort_maps' l_initfini); preloads are not. */
  readonly initOrder: boolean;
  /** What the requester binds through it is reported (edge use, unused dependencies, suggestions). */
  readonly edgeUse: boolean;
  /**
   * Its target is a filtee (DT_FILTER, DT_AUXILIARY): _dl_map_object_deps puts it just before its requester
   * in the search list, so that lookups meant for the filter find the filtee's definitions first.
   */
  readonly filtee: boolean;
  /** Put before the reason in the tree and in why ('' for plain DT_NEEDED). */
  readonly label: string;
}

export const EDGE_SOURCES: readonly EdgeSource[] = [
  { kind: 'needed', atStart: true, countsForClosure: true, tag: C.DT_NEEDED, read: (img) => img.needed, preload: false, optional: false, initOrder: true, edgeUse: true, filtee: false, label: '' },
  { kind: 'auxiliary', atStart: true, countsForClosure: true, tag: C.DT_AUXILIARY, read: (img) => img.auxiliary, preload: false, optional: true, initOrder: true, edgeUse: false, filtee: true, label: 'auxiliary filter, ' },
  { kind: 'filter', atStart: true, countsForClosure: true, tag: C.DT_FILTER, read: (img) => img.filter, preload: false, optional: false, initOrder: true, edgeUse: false, filtee: true, label: 'filter, ' },
  { kind: 'preload', atStart: true, countsForClosure: true, tag: null, read: null, preload: true, optional: false, initOrder: false, edgeUse: false, filtee: false, label: 'preload, ' },
  // Run-time sources (loader/runtime.ts): dlopen()ed after start-up, resolved with the requesting object as the loader.
  { kind: 'dlopen', atStart: false, countsForClosure: false, tag: null, read: null, preload: false, optional: true, initOrder: false, edgeUse: false, filtee: false, label: 'dlopen note, ' },
  { kind: 'pam', atStart: false, countsForClosure: false, tag: null, read: null, preload: false, optional: true, initOrder: false, edgeUse: false, filtee: false, label: 'PAM, ' },
  { kind: 'nss', atStart: false, countsForClosure: false, tag: null, read: null, preload: false, optional: true, initOrder: false, edgeUse: false, filtee: false, label: 'NSS, ' },
];

const byKind = new Map(EDGE_SOURCES.map((s) => [s.kind, s]));
const byTag = new Map(EDGE_SOURCES.filter((s) => s.tag !== null).map((s) => [s.tag!, s]));

/** The source of an edge kind. */
export const edgeSource = (kind: EdgeKind): EdgeSource => byKind.get(kind)!;

/** An object's edges from the dynamic array, in dynamic-array order: [source, name] (glibc _dl_map_object_deps). */
export function dynamicEdges(img: ElfImage): Array<[EdgeSource, string]> {
  const out: Array<[EdgeSource, string]> = [];
  const next = new Map<EdgeSource, number>();
  for (const d of img.dynamic ?? []) {
    const s = byTag.get(d.tag);
    if (!s?.atStart) continue;
    const names = s.read!(img);
    const i = next.get(s) ?? 0;
    if (i < names.length) out.push([s, names[i]!]), next.set(s, i + 1);
  }
  return out;
}
