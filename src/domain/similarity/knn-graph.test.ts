import { describe, expect, it } from 'vitest';
import { forEachEdge, type KnnGraph } from './knn-graph.ts';

function graph(n: number, k: number, neighbors: number[]): KnnGraph {
  return {
    n,
    k,
    neighbors: Int32Array.from(neighbors),
    cosine: new Float32Array(n * k),
    level: new Float32Array(n * k),
    exactOf: Int32Array.from({ length: n }, (_, i) => i),
  };
}

describe('KnnGraph / forEachEdge', () => {
  it('visits every present edge once, row-major, with its flat slot index', () => {
    // 3 nodes, k = 2: row 0 → [1, 2], row 1 → [−1, 0], row 2 → [1, −1]
    const g = graph(3, 2, [1, 2, -1, 0, 1, -1]);
    const seen: Array<[number, number, number]> = [];
    forEachEdge(g, (i, j, s) => seen.push([i, j, s]));
    expect(seen).toEqual([
      [0, 1, 0],
      [0, 2, 1],
      [1, 0, 3],
      [2, 1, 4],
    ]);
    for (const [i, j, s] of seen) {
      expect(Math.floor(s / g.k)).toBe(i);
      expect(g.neighbors[s]).toBe(j);
    }
  });

  it('visits nothing for an empty graph, a graph with k = 0, or rows of −1', () => {
    const calls: number[] = [];
    forEachEdge(graph(0, 3, []), () => calls.push(1));
    forEachEdge(graph(4, 0, []), () => calls.push(1));
    forEachEdge(graph(2, 3, [-1, -1, -1, -1, -1, -1]), () => calls.push(1));
    expect(calls).toEqual([]);
  });

  it('keeps neighbours stored after a −1 gap (does not stop at the first −1)', () => {
    const g = graph(2, 3, [-1, 1, -1, 0, -1, 0]);
    const seen: Array<[number, number, number]> = [];
    forEachEdge(g, (i, j, s) => seen.push([i, j, s]));
    expect(seen).toEqual([
      [0, 1, 1],
      [1, 0, 3],
      [1, 0, 5],
    ]);
  });

  it('has flat n × k arrays in every field', () => {
    const g = graph(4, 3, new Array(12).fill(-1));
    expect(g.neighbors.length).toBe(g.n * g.k);
    expect(g.cosine.length).toBe(g.n * g.k);
    expect(g.level.length).toBe(g.n * g.k);
    expect(g.exactOf.length).toBe(g.n);
  });
});
