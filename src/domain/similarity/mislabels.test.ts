import { describe, expect, it } from 'vitest';
import type { KnnGraph } from './knn-graph.ts';
import { mislabelScores } from './mislabels.ts';

/** A graph whose rows are given as neighbour lists (k = the longest). */
function graph(rows: number[][]): KnnGraph {
  const n = rows.length;
  const k = Math.max(...rows.map((r) => r.length));
  const neighbors = new Int32Array(n * k).fill(-1);
  rows.forEach((r, i) => r.forEach((j, t) => (neighbors[i * k + t] = j)));
  return { n, k, neighbors, cosine: new Float32Array(n * k), level: new Float32Array(n * k), exactOf: Int32Array.from({ length: n }, (_, i) => i) };
}

describe('label-based mislabel candidates', () => {
  it('flags an item whose labels disagree with most of its labelled neighbours, by the share that disagrees', () => {
    // 0..3 are dogs near each other; 4 is labelled cat but sits among the dogs.
    const g = graph([[1, 2, 3, 4], [0, 2, 3, 4], [0, 1, 3, 4], [0, 1, 2, 4], [0, 1, 2, 3]]);
    const s = mislabelScores(g, [['dog'], ['dog'], ['dog', 'person'], ['dog'], ['cat']]);
    expect(Array.from(s.slice(0, 4))).toEqual([-1, -1, -1, -1]);
    expect(s[4]).toBe(1);
  });

  it('needs a majority to disagree, and enough labelled neighbours to judge', () => {
    const g = graph([[1, 2, 3, 4], [0], [0], [0], [0]]);
    // Two of four neighbours disagree: not a majority.
    expect(mislabelScores(g, [['dog'], ['dog'], ['dog'], ['cat'], ['cat']])[0]).toBe(-1);
    // Three of four disagree.
    expect(mislabelScores(g, [['dog'], ['cat'], ['dog'], ['cat'], ['cat']])[0]).toBeCloseTo(0.75);
    // Unlabelled neighbours do not count: two labelled ones are too few to judge.
    expect(mislabelScores(g, [['dog'], ['cat'], ['cat'], [], []])[0]).toBe(-1);
    // An unlabelled item is never a candidate.
    expect(mislabelScores(g, [[], ['cat'], ['cat'], ['cat'], ['cat']])[0]).toBe(-1);
  });
});
