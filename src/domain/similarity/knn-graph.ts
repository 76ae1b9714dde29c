/**
 * A dataset's k-nearest-neighbour graph in flat arrays, the input of every dataset-level
 * result (duplicate groups, clusters, uniqueness, outliers). Node i is the i-th embedded item;
 * row i holds its k nearest others, nearest first, −1 where the index had fewer.
 */
export interface KnnGraph {
  n: number;
  k: number;
  /** n × k node indexes, −1 = no neighbour. */
  neighbors: Int32Array;
  /** n × k cosine similarities (1 − cosine distance). */
  cosine: Float32Array;
  /** n × k calibrated similarity levels (see levels.ts). */
  level: Float32Array;
  /**
   * Identical files (same byte hash): exactOf[i] is the first node with i's bytes (i itself
   * when unique). They join every level at similarity 1.0, whether or not the ANN index put
   * them in each other's rows.
   */
  exactOf: Int32Array;
}

/** Calls fn(i, j, slot) for every edge i → j of the graph. */
export function forEachEdge(g: KnnGraph, fn: (i: number, j: number, slot: number) => void): void {
  for (let i = 0; i < g.n; i++) {
    for (let s = i * g.k, end = s + g.k; s < end; s++) {
      const j = g.neighbors[s]!;
      if (j >= 0) fn(i, j, s);
    }
  }
}

/** The slot of the edge i → j, −1 when j is not among i's neighbours. */
export function slotOf(g: KnnGraph, i: number, j: number): number {
  for (let s = i * g.k; s < (i + 1) * g.k; s++) if (g.neighbors[s] === j) return s;
  return -1;
}
