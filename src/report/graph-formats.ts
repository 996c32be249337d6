// The drawings of one graph document, by format name: what `loadgraph FILE` and `loadgraph render` both
// print, so a saved result draws exactly as the live run. Pure.
import type { AnalysisResult } from '../analyses/result.js';
import { renderDot } from './dot.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { Style } from './style.js';
import { renderTree } from './tree.js';

export type GraphFormat = 'tree' | 'dot' | 'html' | 'markdown';

export function renderGraphAs(format: GraphFormat, g: AnalysisResult, opts: { style: Style; all: boolean; highlight?: string }): string {
  switch (format) {
    case 'html': return renderHtml(g);
    case 'markdown': return renderMarkdown(g);
    case 'dot': return renderDot(g, opts.highlight !== undefined ? { highlight: opts.highlight } : {});
    case 'tree': return renderTree(g, { style: opts.style, all: opts.all });
  }
}
