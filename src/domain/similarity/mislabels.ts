import type { KnnGraph } from './knn-graph.ts';

export interface MislabelOptions {
  /** Labelled neighbours looked at, nearest first. */
  neighbours: number;
  /** Fewer labelled neighbours than this say nothing: the item is not judged. */
  minLabelled: number;
}

export const defaultMislabelOptions: MislabelOptions = { neighbours: 10, minLabelled: 3 };

/**
 * Label-based mislabel candidates (SPEC §5): an item whose labels disagree with most of its
 * labelled near neighbours — none of its labels among theirs for more than half of them. The
 * confidence is the share that disagrees (0.5 … 1); −1 for items that are not candidates,
 * have no labels, or too few labelled neighbours to judge. `labels[i]` are node i's labels.
 */
export function mislabelScores(g: KnnGraph, labels: ReadonlyArray<readonly string[]>, o: MislabelOptions = defaultMislabelOptions): Float32Array {
  const out = new Float32Array(g.n).fill(-1);
  for (let i = 0; i < g.n; i++) {
    const own = labels[i]!;
    if (own.length === 0) continue;
    let labelled = 0;
    let disagree = 0;
    for (let s = i * g.k, end = s + g.k; s < end && labelled < o.neighbours; s++) {
      const j = g.neighbors[s]!;
      if (j < 0 || labels[j]!.length === 0) continue;
      labelled++;
      if (!labels[j]!.some((l) => own.includes(l))) disagree++;
    }
    if (labelled >= o.minLabelled && disagree * 2 > labelled) out[i] = disagree / labelled;
  }
  return out;
}
