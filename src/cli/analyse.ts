// One place that runs the pipeline for a file: load graph, then (unless asked not to) binding, load-time
// code, edge use and suggestions. 'tree' binds only what the tree shows; 'full' binds everything.
import type { Attribution } from '../analyses/attribution.js';
import type { AnalysisResult } from '../analyses/result.js';
import type { ElfImage } from '../elf/image.js';
import type { LoadGraph } from '../graph/model.js';
import type { FileSystem } from '../loader/fs.js';
import { type LoaderOptions, buildLoadGraph } from '../loader/load.js';

export type Depth = 'graph' | 'tree' | 'full';

export async function analyse(fs: FileSystem, file: string, options: LoaderOptions, depth: Depth, opts: { bindNow?: boolean; suggest?: boolean } = {}):
  Promise<{ ok: true; graph: AnalysisResult; images: ReadonlyMap<number, ElfImage>; attribution?: Attribution } | { ok: false; message: string }> {
  const r = buildLoadGraph(fs, file, options);
  if (!r.ok) return r;
  if (depth === 'graph' || r.graph.fatal) return { ok: true, graph: r.graph, images: r.images };
  // Loaded on demand: start-up time counts (docs/performance.md).
  const [{ bindSymbols }, { loadTimeCode }, { attribute }, { suggest, suggestionProviders }] = await Promise.all([
    import('../loader/bind.js'), import('../analyses/load-time.js'), import('../analyses/attribution.js'), import('../analyses/suggestions.js'),
  ]);
  const bindNow = opts.bindNow === true;
  const wantSuggestions = opts.suggest !== false;
  // Suggestions need every symbol of the edges into the libraries a rule is about: those requesters are bound in full.
  const providers = suggestionProviders();
  const intoProviders = new Set(wantSuggestions ? r.graph.edges.flatMap((e, i) => (e.to !== null && r.graph.objects.find((o) => o.id === e.to)!.names.some((n) => providers.has(n)) ? [i] : [])) : []);
  const fullFrom = new Set([...intoProviders].map((i) => r.graph.edges[i]!.from));
  const bound = bindSymbols(fs, r.graph, r.images, { ifuncOnly: depth === 'tree', fullFrom, ...(bindNow ? { bindNow } : {}) });
  const loadTime = loadTimeCode(r.graph, bound, bindNow);
  let g: AnalysisResult = { ...r.graph, loadTime };
  // The tree needs only the edges a suggestion rule is about; JSON and why need all of them.
  const attribution = attribute(g, bound, depth === 'full' ? undefined : intoProviders);
  if (depth === 'full') g = { ...g, edgeUse: attribution.edges };
  if (wantSuggestions) g = { ...g, suggestions: suggest(g, attribution, loadTime) };
  return { ok: true, graph: g, images: r.images, attribution };
}
