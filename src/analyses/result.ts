// The result document: what `loadgraph FILE --format json` prints and analyse() returns. The loader's graph
// (graph/model.ts) first, then what the analyses add, each absent when not computed (--no-code, --no-suggest).
import type { LoadGraph } from '../graph/model.js';
import type { EdgeUse } from './attribution.js';
import type { ContentCheck } from './indicators.js';
import type { LoadTimeCode, RuntimeLoadTime } from './load-time.js';
import type { Suggestion } from './suggestions.js';

export interface AnalysisResult extends LoadGraph {
  /** What runs before main (constructors, IFUNC resolvers) and in what order. */
  readonly loadTime?: LoadTimeCode;
  /** What the run-time loads would run when they happen (absent without run-time objects or with --no-code). */
  readonly runtimeLoadTime?: RuntimeLoadTime;
  /** What every DT_NEEDED edge is used for (full binding; written by --format json, read by diff). */
  readonly edgeUse?: readonly EdgeUse[];
  /** Replacement suggestions backed by edge use and cost. */
  readonly suggestions?: readonly Suggestion[];
  /** Content checks of the objects a known-bad indicator concerns (docs/rules.md#indicators). */
  readonly indicators?: readonly ContentCheck[];
}
