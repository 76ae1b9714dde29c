import type { KnnGraph } from './knn-graph.ts';

/** Per-item figures read off the kNN graph (SPEC §5). */
export interface NeighbourScores {
  /** Cosine similarity to the nearest other item (1 for an identical file). */
  nnCosine: Float32Array;
  /** Highest calibrated similarity level to any other item (1 for an identical file). */
  maxSimilarity: Float32Array;
  /** 0 = redundant … 1 = unique. */
  uniqueness: Float32Array;
  /** Mean cosine distance to the nearest `outlierNeighbours` items. */
  outlierScore: Float32Array;
  /** 0 … 1 for items flagged as outliers, −1 for the rest. */
  outlierConfidence: Float32Array;
}

export interface ScoreOptions {
  /** Neighbours averaged in the outlier score (fewer when k is smaller). */
  outlierNeighbours: number;
  /**
   * Robust z-score (median / MAD of the dataset's outlier scores) from which an item is an
   * outlier; its confidence is 0.5 there and reaches 1 at twice that z.
   */
  outlierZ: number;
  /** Datasets smaller than this have no outliers: "far from the rest" needs a rest. */
  outlierMinItems: number;
}

/**
 * Uniqueness is the distance to the nearest neighbour relative to the dataset's own spread
 * (the 95th percentile of those distances), so that it reads the same on a dataset of
 * near-identical product shots and on a dataset of holiday photos: an item with an identical
 * copy scores 0, one as isolated as the most isolated 5 % scores 1.
 */
export function neighbourScores(g: KnnGraph, o: ScoreOptions): NeighbourScores {
  const { n, k } = g;
  const nnCosine = new Float32Array(n).fill(-1);
  const maxSimilarity = new Float32Array(n);
  const outlierScore = new Float32Array(n);
  const m = Math.max(1, Math.min(o.outlierNeighbours, k));
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let count = 0;
    for (let s = i * k; s < i * k + k; s++) {
      if (g.neighbors[s]! < 0) continue;
      nnCosine[i] = Math.max(nnCosine[i]!, g.cosine[s]!);
      maxSimilarity[i] = Math.max(maxSimilarity[i]!, g.level[s]!);
      if (count < m) {
        sum += 1 - g.cosine[s]!;
        count++;
      }
    }
    outlierScore[i] = count > 0 ? sum / count : 0;
  }
  markExactCopies(g, nnCosine, maxSimilarity);

  const nnDistance = Float32Array.from(nnCosine, (c) => Math.max(0, 1 - c));
  const spread = Math.max(1e-6, quantile(nnDistance, 0.95));
  const uniqueness = Float32Array.from(nnDistance, (d) => Math.min(1, d / spread));
  return { nnCosine, maxSimilarity, uniqueness, outlierScore, outlierConfidence: outliers(outlierScore, o) };
}

/** Items sharing their bytes with another one are at similarity 1 whatever the index found. */
function markExactCopies(g: KnnGraph, nnCosine: Float32Array, maxSimilarity: Float32Array): void {
  const copies = new Int32Array(g.n);
  for (let i = 0; i < g.n; i++) copies[g.exactOf[i]!]!++;
  for (let i = 0; i < g.n; i++) {
    if (copies[g.exactOf[i]!]! > 1) {
      nnCosine[i] = 1;
      maxSimilarity[i] = 1;
    }
  }
}

function outliers(score: Float32Array, o: ScoreOptions): Float32Array {
  const confidence = new Float32Array(score.length).fill(-1);
  if (score.length < o.outlierMinItems) return confidence;
  const median = quantile(score, 0.5);
  const deviations = Float32Array.from(score, (s) => Math.abs(s - median));
  // 1.4826 · MAD estimates the standard deviation of normal data; the floor keeps a dataset of
  // near-identical items (MAD ≈ 0) from flagging every tiny difference.
  const sigma = Math.max(1.4826 * quantile(deviations, 0.5), 0.01);
  for (let i = 0; i < score.length; i++) {
    const z = (score[i]! - median) / sigma;
    if (z >= o.outlierZ) confidence[i] = Math.min(1, z / (2 * o.outlierZ));
  }
  return confidence;
}

/** The q-quantile (0 … 1) of the values, by sorting a copy; 0 for none. */
export function quantile(values: Float32Array, q: number): number {
  if (values.length === 0) return 0;
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
}
