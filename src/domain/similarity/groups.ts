import { forEachEdge, type KnnGraph } from './knn-graph.ts';
import { UnionFind } from './union-find.ts';

/**
 * Duplicate groups at each similarity level: connected components of the graph's edges whose
 * calibrated level reaches it, identical files always together. An item with no duplicate at a
 * level gets −1 there. Levels nest: a group at 0.99 lies inside one group at 0.96.
 */
export function duplicateGroups(g: KnnGraph, levels: readonly number[]): Map<number, Int32Array> {
  return componentsAt(g, g.level, levels, false);
}

/**
 * Clusters at granularity 0 (finest) … thresholds.length − 1 (coarsest): components of the
 * edges whose cosine similarity reaches that granularity's threshold, every item in exactly one
 * cluster (a singleton when nothing is close). Thresholds must decrease, so each coarser level
 * only adds edges and its clusters are unions of the finer ones (single linkage nests).
 */
export function clusterLevels(g: KnnGraph, thresholds: readonly number[]): Int32Array[] {
  for (let t = 1; t < thresholds.length; t++) {
    if (!(thresholds[t]! <= thresholds[t - 1]!)) throw new RangeError('cluster thresholds must not increase from fine to coarse');
  }
  const byThreshold = componentsAt(g, g.cosine, thresholds, true);
  return thresholds.map((t) => byThreshold.get(t)!);
}

/**
 * Components at every cut of `weight` (highest cut first), adding edges in decreasing weight
 * order to one union-find: O(E log E) for all cuts together instead of one pass per cut.
 */
function componentsAt(g: KnnGraph, weight: Float32Array, cuts: readonly number[], singletons: boolean): Map<number, Int32Array> {
  let edges = 0;
  forEachEdge(g, () => edges++);
  const order = new Int32Array(edges);
  let filled = 0;
  forEachEdge(g, (_i, _j, s) => (order[filled++] = s));
  order.sort((a, b) => weight[b]! - weight[a]!);
  const uf = new UnionFind(g.n);
  for (let i = 0; i < g.n; i++) uf.union(i, g.exactOf[i]!);
  const out = new Map<number, Int32Array>();
  let e = 0;
  for (const cut of [...cuts].sort((a, b) => b - a)) {
    for (; e < order.length && weight[order[e]!]! >= Math.fround(cut); e++) {
      const s = order[e]!;
      uf.union(Math.floor(s / g.k), g.neighbors[s]!);
    }
    out.set(cut, uf.labels(singletons));
  }
  return out;
}
