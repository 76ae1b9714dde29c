import type { KnnGraph } from './knn-graph.ts';

/** One slot of a fixture row: a neighbour with its signals, or null for an empty (−1) slot. */
export type FixtureEdge = { j: number; cosine?: number; level?: number } | null;

/**
 * A KnnGraph written out by hand, for tests: rows of edges padded with −1 up to k; exactOf
 * defaults to "every item unique".
 */
export function graphOf(k: number, rows: FixtureEdge[][], exactOf?: number[]): KnnGraph {
  const n = rows.length;
  const g: KnnGraph = {
    n,
    k,
    neighbors: new Int32Array(n * k).fill(-1),
    cosine: new Float32Array(n * k),
    level: new Float32Array(n * k),
    exactOf: exactOf ? Int32Array.from(exactOf) : Int32Array.from({ length: n }, (_, i) => i),
  };
  rows.forEach((row, i) => {
    if (row.length > k) throw new Error('row longer than k');
    row.forEach((e, r) => {
      if (e === null) return;
      g.neighbors[i * k + r] = e.j;
      g.cosine[i * k + r] = e.cosine ?? 0;
      g.level[i * k + r] = e.level ?? 0;
    });
  });
  return g;
}
