import { kindIsolation } from './kind-figures.ts';
import { UnionFind } from './union-find.ts';
import { slotOf, type KnnGraph } from './knn-graph.ts';
import { quantile, robustZ } from './robust-stats.ts';

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
  /** 0 … 1 for outlier candidates (z / (2 · outlierZ), see outliers()), −1 for the rest. */
  outlierConfidence: Float32Array;
}

export interface ScoreOptions {
  /** Neighbours averaged in the outlier score (fewer when k is smaller). */
  outlierNeighbours: number;
  /**
   * Robust z-score (median / MAD over the dataset: of the outlier scores, or of the kind
   * isolation) from which an item is an outlier; its confidence is 0.5 there and reaches 1 at
   * twice that z.
   */
  outlierZ: number;
  /** Datasets smaller than this have no outliers: "far from the rest" needs a rest. */
  outlierMinItems: number;
}

/**
 * Uniqueness is the distance to the nearest neighbour relative to the dataset's own spread
 * (the 95th percentile of those distances), so that it reads the same on a dataset of
 * near-identical product shots and on a dataset of holiday photos: an item with an identical
 * copy scores 0, one as isolated as the most isolated 5 % scores 1. `kindFigures`
 * (kind-figures.ts, kindFigureCount per item) add the evidence of kind to the outlier rule.
 */
export function neighbourScores(g: KnnGraph, o: ScoreOptions, kindFigures?: Float32Array): NeighbourScores {
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
  return { nnCosine, maxSimilarity, uniqueness, outlierScore, outlierConfidence: outliers(g, outlierScore, o, kindFigures) };
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

/**
 * Which of the items that stand out stand out together: linked through mutual neighbours that
 * both stand out, in groups of at least minGroupSize. Such a group is a kind of its own in the
 * dataset (the 30 frames of one video among the 80 of another and a few photos), not outliers.
 * A photo whose nearest items are such frames is not in their rows, so it joins no group; a few
 * planted pictures of another kind, each other's nearest, are fewer than a group.
 */
function standingOutTogether(g: KnnGraph, standsOut: Uint8Array): Uint8Array {
  const groups = new UnionFind(g.n);
  for (let i = 0; i < g.n; i++) {
    if (!standsOut[i]) continue;
    for (let s = i * g.k; s < (i + 1) * g.k; s++) {
      const j = g.neighbors[s]!;
      if (j > i && standsOut[j] && slotOf(g, j, i) >= 0) groups.union(i, j);
    }
  }
  return Uint8Array.from(standsOut, (out, i) => (out && groups.sizeOf(i) >= minGroupSize ? 1 : 0));
}

/** Items standing out together are a group from four on; two or three are still outliers. */
const minGroupSize = 4;

/** Robust z from which one of the most isolated items is a candidate: below it, nothing stands out. */
export const minCandidateZ = 1.5;

/** How many of the most isolated items are candidates whatever their z: ⌈√n / 2⌉ (3 of 20, 5 of 70, 500 of a million). */
export const candidateCount = (n: number) => Math.ceil(Math.sqrt(n) / 2);

/**
 * Robust z of the kind isolation from which an item's kind stands out; its spread floor, as a
 * mean of capped figure z's (kind-figures.ts). Fitted on planted sets (bench/quality/outliers.ts):
 * lower let a few of the varied base pictures reach confidence 0.5 in each set.
 */
const minKindSigma = 0.4;

/** An outlier's confidence at z = outlierZ: from it on the item is an outlier, below it a candidate. */
export const outlierConfidenceAtZ = 0.5;

/**
 * An item's outlier z is the stronger of two pieces of evidence: how far it is from its nearest
 * neighbours (robust z of the outlier score) and how far its kind figures are from the
 * dataset's (robust z of the kind isolation). It is a candidate when that z reaches outlierZ
 * (confidence ≥ 0.5), or when it is among the candidateCount(n) highest with z ≥
 * minCandidateZ (confidence under 0.5). A fixed z alone found nothing on small varied datasets
 * (70 wallpapers: no z reached 3, their spread being as wide as any one's isolation); now the
 * most isolated are always offered, with a confidence that says how far they stand out. Items
 * that stand out together, as mutual neighbours, are a group, not outliers (standingOutTogether).
 */
function outliers(g: KnnGraph, score: Float32Array, o: ScoreOptions, kindFigures: Float32Array | undefined): Float32Array {
  const confidence = new Float32Array(score.length).fill(-1);
  if (score.length < o.outlierMinItems) return confidence;
  // The floor keeps a dataset of near-identical items (MAD ≈ 0) from flagging every tiny difference.
  const z = robustZ(score, 0.01);
  if (kindFigures !== undefined) {
    const kind = robustZ(kindIsolation(kindFigures), minKindSigma);
    for (let i = 0; i < z.length; i++) if (kind[i]! > z[i]!) z[i] = kind[i]!;
  }
  const together = standingOutTogether(g, Uint8Array.from(z, (zi) => (zi >= o.outlierZ ? 1 : 0)));
  for (let i = 0; i < z.length; i++) if (together[i]) z[i] = 0;
  const mostIsolated = Array.from(z.keys()).sort((a, b) => z[b]! - z[a]!).slice(0, candidateCount(score.length));
  const confidenceOf = (zi: number) => Math.min(1, (outlierConfidenceAtZ * zi) / o.outlierZ);
  for (const i of mostIsolated) if (z[i]! >= minCandidateZ) confidence[i] = confidenceOf(z[i]!);
  for (let i = 0; i < score.length; i++) {
    if (z[i]! >= o.outlierZ) confidence[i] = confidenceOf(z[i]!);
  }
  return confidence;
}
