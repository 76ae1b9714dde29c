import { describe, expect, it } from 'vitest';
import type { KnnGraph } from './knn-graph.ts';
import { quantile } from './robust-stats.ts';
import { candidateCount, minCandidateZ, neighbourScores, type ScoreOptions } from './scores.ts';
import { seededRandom as rng } from '../../lib/seeded-random.ts';
import { graphOf as graph, type FixtureEdge } from './graph-fixture.ts';



/** n items each with one neighbour (the next one) at the given cosine. */
function ring(cosines: number[], k = 1): KnnGraph {
  const n = cosines.length;
  return graph(
    k,
    cosines.map((c, i) => [{ j: (i + 1) % n, cosine: c }]),
  );
}

const opts: ScoreOptions = { outlierNeighbours: 5, outlierZ: 3, outlierMinItems: 20 };
const f32 = Math.fround;

describe('quantile', () => {
  it('is 0 for no values', () => {
    expect(quantile(new Float32Array(0), 0.5)).toBe(0);
  });

  it('picks the nearest-rank element of the sorted values, numerically sorted', () => {
    const v = Float32Array.from([5, -3, 10, 1, 2]); // sorted: −3 1 2 5 10
    expect(quantile(v, 0)).toBe(-3);
    expect(quantile(v, 0.25)).toBe(1);
    expect(quantile(v, 0.5)).toBe(2);
    expect(quantile(v, 0.75)).toBe(5);
    expect(quantile(v, 1)).toBe(10);
    // numeric, not lexicographic: 10 must sort after 9
    expect(quantile(Float32Array.from([9, 10, 100]), 0)).toBe(9);
    expect(quantile(Float32Array.from([9, 10, 100]), 1)).toBe(100);
  });

  it('rounds the rank q·(n − 1) to the nearest index', () => {
    const v = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(quantile(v, 0.95)).toBe(10); // 9.5 → 10
    expect(quantile(v, 0.94)).toBe(9); // 9.4 → 9
    const w = Float32Array.from(Array.from({ length: 21 }, (_, i) => i));
    expect(quantile(w, 0.95)).toBe(19);
  });

  it('clamps q outside [0, 1] and handles a single value', () => {
    const v = Float32Array.from([3, 1, 2]);
    expect(quantile(v, -1)).toBe(1);
    expect(quantile(v, 2)).toBe(3);
    expect(quantile(Float32Array.from([7]), 0.5)).toBe(7);
  });

  it('does not reorder its input', () => {
    const v = Float32Array.from([3, 1, 2]);
    quantile(v, 0.5);
    expect(Array.from(v)).toEqual([3, 1, 2]);
  });
});

describe('neighbourScores', () => {
  describe('nnCosine and maxSimilarity', () => {
    it('take the maximum over the row, whatever the row order, ignoring −1 slots', () => {
      const g = graph(4, [
        [{ j: 1, cosine: 0.7, level: 0.2 }, null, { j: 2, cosine: 0.9, level: 0.97 }, { j: 3, cosine: 0.8, level: 0.98 }],
        [{ j: 0, cosine: 0.7, level: 0.3 }],
        [{ j: 0, cosine: 0.9, level: 0.97 }],
        [],
      ]);
      g.cosine[1] = 1; // garbage in the −1 slot of row 0
      g.level[1] = 1;
      const s = neighbourScores(g, opts);
      expect(s.nnCosine[0]).toBe(f32(0.9));
      expect(s.maxSimilarity[0]).toBe(f32(0.98)); // from another neighbour than the nearest
      expect(s.nnCosine[1]).toBe(f32(0.7));
      expect(s.maxSimilarity[1]).toBe(f32(0.3));
      expect(s.nnCosine[2]).toBe(f32(0.9));
      expect(s.maxSimilarity[2]).toBe(f32(0.97));
    });

    it('are −1 / 0 for an item with no neighbour, which is then fully unique', () => {
      const g = graph(2, [[{ j: 1, cosine: 0.99 }], [{ j: 0, cosine: 0.99 }], []]);
      const s = neighbourScores(g, opts);
      expect(s.nnCosine[2]).toBe(-1);
      expect(s.maxSimilarity[2]).toBe(0);
      expect(s.uniqueness[2]).toBe(1);
      expect(s.outlierScore[2]).toBe(0);
    });

    it('are 1 for identical files (shared exactOf), even when the index did not pair them', () => {
      // 0 ≡ 2 by bytes, but their rows point elsewhere at low similarity
      const g = graph(
        1,
        [[{ j: 1, cosine: 0.3, level: 0.1 }], [{ j: 0, cosine: 0.3, level: 0.1 }], [{ j: 1, cosine: 0.4, level: 0.2 }], [{ j: 1, cosine: 0.5 }]],
        [0, 1, 0, 3],
      );
      const s = neighbourScores(g, opts);
      expect([s.nnCosine[0], s.nnCosine[2]]).toEqual([1, 1]);
      expect([s.maxSimilarity[0], s.maxSimilarity[2]]).toEqual([1, 1]);
      expect([s.uniqueness[0], s.uniqueness[2]]).toEqual([0, 0]);
      // the others are untouched
      expect(s.nnCosine[1]).toBe(f32(0.3));
      expect(s.maxSimilarity[1]).toBe(f32(0.1));
      expect(s.uniqueness[1]).toBeGreaterThan(0);
      expect(s.nnCosine[3]).toBe(f32(0.5));
    });

    it('marks every member of a copy set, including the first one', () => {
      const g = graph(1, [[], [], [], []], [0, 0, 0, 3]);
      const s = neighbourScores(g, opts);
      expect(Array.from(s.maxSimilarity)).toEqual([1, 1, 1, 0]);
      expect(Array.from(s.nnCosine)).toEqual([1, 1, 1, -1]);
      expect(Array.from(s.uniqueness)).toEqual([0, 0, 0, 1]);
    });
  });

  describe('uniqueness', () => {
    it('is the nearest-neighbour distance over the 95th percentile distance, capped at 1', () => {
      // nearest-neighbour distances 0, 0.01, …, 0.20 (21 items): the 95th percentile is 0.19
      const d = Array.from({ length: 21 }, (_, i) => i / 100);
      const s = neighbourScores(ring(d.map((x) => 1 - x)), opts);
      const dist = d.map((x) => Math.max(0, 1 - f32(1 - x)));
      const spread = f32(dist[19]!);
      for (let i = 0; i < 21; i++) expect(s.uniqueness[i]).toBeCloseTo(Math.min(1, f32(dist[i]!) / spread), 6);
      expect(s.uniqueness[0]).toBe(0);
      expect(s.uniqueness[19]).toBe(1);
      expect(s.uniqueness[20]).toBe(1);
      expect(s.uniqueness[10]).toBeCloseTo(10 / 19, 5);
    });

    it('reads the same on a tight and on a loose dataset (relative to the spread)', () => {
      const d = Array.from({ length: 21 }, (_, i) => i / 20);
      const loose = neighbourScores(ring(d.map((x) => 1 - 0.5 * x)), opts).uniqueness;
      const tight = neighbourScores(ring(d.map((x) => 1 - 0.01 * x)), opts).uniqueness;
      for (let i = 0; i < 21; i++) expect(tight[i]).toBeCloseTo(loose[i]!, 4);
    });

    it('clamps negative distances (cosine > 1 from rounding) to 0', () => {
      const s = neighbourScores(ring([1.0001, 0.5, 0.9]), opts);
      expect(s.uniqueness[0]).toBe(0);
    });

    it('does not divide by zero when every item has an identical neighbour', () => {
      const s = neighbourScores(ring([1, 1, 1, 1]), opts);
      expect(Array.from(s.uniqueness)).toEqual([0, 0, 0, 0]);
    });

    it('lies in [0, 1] and is monotone in the nearest-neighbour distance (random graph)', () => {
      const rand = rng(7);
      const n = 300;
      const k = 5;
      const rows: FixtureEdge[][] = [];
      for (let i = 0; i < n; i++) {
        const row: FixtureEdge[] = [];
        for (let r = 0; r < k; r++) row.push(rand() < 0.03 ? null : { j: (i + 1 + Math.floor(rand() * (n - 1))) % n, cosine: 2 * rand() - 1 });
        rows.push(row);
      }
      const exactOf = Array.from({ length: n }, (_, i) => (i % 37 === 5 ? i - 1 : i));
      const s = neighbourScores(graph(k, rows, exactOf), opts);
      const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => s.nnCosine[b]! - s.nnCosine[a]!);
      for (const i of idx) {
        expect(s.uniqueness[i]).toBeGreaterThanOrEqual(0);
        expect(s.uniqueness[i]).toBeLessThanOrEqual(1);
      }
      // decreasing nnCosine = increasing distance ⇒ non-decreasing uniqueness
      for (let t = 1; t < n; t++) expect(s.uniqueness[idx[t]!]).toBeGreaterThanOrEqual(s.uniqueness[idx[t - 1]!]!);
      // about 5 % (the most isolated) reach 1
      const ones = Array.from(s.uniqueness).filter((u) => u === 1).length;
      expect(ones).toBeGreaterThanOrEqual(1);
      expect(ones).toBeLessThanOrEqual(Math.ceil(0.06 * n));
    });
  });

  describe('outlierScore', () => {
    it('is the mean cosine distance over the first outlierNeighbours present neighbours', () => {
      const g = graph(4, [[null, { j: 1, cosine: 0.5 }, { j: 2, cosine: 0.25 }, { j: 3, cosine: 0 }], [], [], []]);
      expect(neighbourScores(g, { ...opts, outlierNeighbours: 2 }).outlierScore[0]).toBeCloseTo((0.5 + 0.75) / 2, 6);
      expect(neighbourScores(g, { ...opts, outlierNeighbours: 3 }).outlierScore[0]).toBeCloseTo((0.5 + 0.75 + 1) / 3, 6);
      // more than k: uses what there is
      expect(neighbourScores(g, { ...opts, outlierNeighbours: 50 }).outlierScore[0]).toBeCloseTo((0.5 + 0.75 + 1) / 3, 6);
      // at least one
      expect(neighbourScores(g, { ...opts, outlierNeighbours: 0 }).outlierScore[0]).toBeCloseTo(0.5, 6);
      expect(neighbourScores(g, opts).outlierScore[1]).toBe(0);
    });
  });

  describe('outlierConfidence', () => {
    /** n − 1 items in a tight cloud (nearest cosine ≈ 0.9) and item n − 1 far away. */
    function cloudWithFarPoint(n: number, farCosine: number, seed = 3): KnnGraph {
      const rand = rng(seed);
      const cos = Array.from({ length: n }, (_, i) => (i === n - 1 ? farCosine : 0.9 + 0.02 * (rand() - 0.5)));
      return ring(cos);
    }

    it('flags nothing in a dataset smaller than outlierMinItems', () => {
      const s = neighbourScores(cloudWithFarPoint(19, -0.5), opts);
      expect(Array.from(s.outlierConfidence).every((c) => c === -1)).toBe(true);
    });

    it('flags a point far from a tight cloud with confidence in (0.5, 1], and nothing else', () => {
      for (const n of [20, 50]) {
        const s = neighbourScores(cloudWithFarPoint(n, 0.3), opts);
        const c = s.outlierConfidence;
        expect(c[n - 1]).toBeGreaterThan(0.5);
        expect(c[n - 1]).toBeLessThanOrEqual(1);
        for (let i = 0; i < n - 1; i++) expect(c[i]).toBe(-1);
      }
    });

    it('gives confidence 1 from twice outlierZ on, and grows with distance below that', () => {
      const far = neighbourScores(cloudWithFarPoint(40, -1), opts).outlierConfidence[39]!;
      expect(far).toBe(1);
      const a = neighbourScores(cloudWithFarPoint(40, 0.85), { ...opts, outlierZ: 4 }).outlierConfidence[39]!;
      const b = neighbourScores(cloudWithFarPoint(40, 0.83), { ...opts, outlierZ: 4 }).outlierConfidence[39]!;
      expect(a).toBeGreaterThan(0.5);
      expect(b).toBeGreaterThan(a);
      expect(b).toBeLessThan(1);
    });

    it('is 0.5 exactly at z = outlierZ (inclusive), z / (2·outlierZ) on either side of it', () => {
      // 20 items at outlier score 0.25 and one at 0.5: median 0.25, MAD 0 ⇒ σ = 0.01 (the floor)
      const g = ring([...new Array<number>(20).fill(0.75), 0.5]);
      const z = (0.5 - 0.25) / 0.01;
      const at = neighbourScores(g, { ...opts, outlierZ: z }).outlierConfidence;
      expect(at[20]).toBe(0.5);
      expect(Array.from(at.subarray(0, 20)).every((c) => c === -1)).toBe(true);
      // Just below outlierZ it is still the most isolated item: a candidate, just under 0.5.
      expect(neighbourScores(g, { ...opts, outlierZ: z * (1 + 1e-6) }).outlierConfidence[20]).toBeCloseTo(0.5 / (1 + 1e-6), 6);
      expect(neighbourScores(g, { ...opts, outlierZ: z * (1 + 1e-6) }).outlierConfidence[20]).toBeLessThan(0.5);
      expect(neighbourScores(g, { ...opts, outlierZ: 20 }).outlierConfidence[20]).toBeCloseTo(z / 40, 6);
      expect(neighbourScores(g, { ...opts, outlierZ: z / 2 }).outlierConfidence[20]).toBe(1);
      expect(neighbourScores(g, { ...opts, outlierZ: z / 3 }).outlierConfidence[20]).toBe(1);
    });

    it('offers the most isolated items of a small varied dataset as candidates, with confidence under 0.5', () => {
      // 10 items at distances 0.40 … 0.58 and two at 0.70 and 0.75: no z reaches 3 (σ ≈ 0.09), the
      // top ⌈√12 / 2⌉ = 2 have z ≥ minCandidateZ and are candidates, by how far they stand out.
      const distances = [...Array.from({ length: 10 }, (_, i) => 0.4 + 0.02 * i), 0.7, 0.75];
      const s = neighbourScores(ring(distances.map((d) => 1 - d)), { ...opts, outlierMinItems: 5 });
      const c = Array.from(s.outlierConfidence);
      expect(c.slice(0, 10).every((x) => x === -1)).toBe(true);
      expect(c[11]).toBeGreaterThan(c[10]!);
      expect(c[10]).toBeGreaterThan(0.25);
      expect(c[11]).toBeLessThan(0.5);
    });

    it('offers no candidate in a uniform dataset: the most isolated must still stand out', () => {
      const rand = rng(7);
      const s = neighbourScores(ring(Array.from({ length: 60 }, () => 0.6 + 0.005 * rand())), opts);
      expect(Array.from(s.outlierConfidence).every((c) => c === -1)).toBe(true);
    });

    it('does not flag tiny differences in a dataset of near-identical items (σ floor)', () => {
      // MAD = 0, difference 0.004 ⇒ z = 0.4 with σ = 0.01, far below 3
      const s = neighbourScores(ring([...new Array<number>(25).fill(0.999), 0.995]), opts);
      expect(Array.from(s.outlierConfidence).every((c) => c === -1)).toBe(true);
    });

    it('uses the robust spread (median / MAD): one extreme item does not hide another outlier', () => {
      // a cloud of 40 around 0.9, two far points: both must be flagged
      const rand = rng(11);
      const cos = Array.from({ length: 42 }, (_, i) => (i === 40 ? -0.9 : i === 41 ? 0.5 : 0.9 + 0.02 * (rand() - 0.5)));
      const c = neighbourScores(ring(cos), opts).outlierConfidence;
      expect(c[40]).toBe(1);
      expect(c[41]).toBeGreaterThan(0.5);
      for (let i = 0; i < 40; i++) expect(c[i]).toBe(-1);
    });

    it('confidence is −1, within [0.5, 1], or for at most ⌈√n / 2⌉ candidates within [minCandidateZ / (2·outlierZ), 0.5) (random graph)', () => {
      const rand = rng(5);
      const n = 200;
      const rows: FixtureEdge[][] = Array.from({ length: n }, (_, i) =>
        Array.from({ length: 5 }, () => ({ j: (i + 1 + Math.floor(rand() * (n - 1))) % n, cosine: 1 - rand() ** 4 })),
      );
      const c = neighbourScores(graph(5, rows), opts).outlierConfidence;
      let flagged = 0;
      let candidates = 0;
      for (const x of c) {
        if (x === -1) continue;
        flagged++;
        if (x < 0.5) candidates++;
        expect(x).toBeGreaterThanOrEqual(minCandidateZ / (2 * opts.outlierZ) - 1e-6);
        expect(x).toBeLessThanOrEqual(1);
      }
      expect(candidates).toBeLessThanOrEqual(candidateCount(n));
      expect(flagged).toBeLessThan(n / 4);
    });
  });

  describe('with kind figures', () => {
    const figures = (rows: number[][]) => Float32Array.from(rows.flat());
    // 40 items at one distance from one another: the embedding isolates no one.
    const flat = ring(new Array<number>(40).fill(0.1));
    const photo = [7, 0.03, 0.01, 0.4, 5.7];

    it('flags an item whose kind stands out though the embedding isolates no one', () => {
      const rand = rng(2);
      const rows = Array.from({ length: 40 }, () => photo.map((x) => x + 0.05 * (rand() - 0.5)));
      expect(Array.from(neighbourScores(flat, opts).outlierConfidence).every((c) => c === -1)).toBe(true);
      rows[39] = [4, 0.5, 0.7, 0.64, 8.3];
      const c = neighbourScores(flat, opts, figures(rows)).outlierConfidence;
      expect(c[39]).toBeGreaterThanOrEqual(0.5);
      for (let i = 0; i < 39; i++) expect(c[i]).toBe(-1);
    });

    it('keeps the embedding evidence for items with no figures, and adds none where kinds are alike', () => {
      const rows = Array.from({ length: 42 }, () => [...photo]);
      const rand = rng(11);
      const cos = Array.from({ length: 42 }, (_, i) => (i === 40 ? -0.9 : i === 41 ? 0.5 : 0.9 + 0.02 * (rand() - 0.5)));
      rows[40] = [NaN, NaN, NaN, NaN, NaN];
      const c = neighbourScores(ring(cos), opts, figures(rows)).outlierConfidence;
      expect(c[40]).toBe(1);
      expect(c[41]).toBeGreaterThan(0.5);
      for (let i = 0; i < 40; i++) expect(c[i]).toBe(-1);
    });
  });

  describe('items that stand out together', () => {
    // k = 10. Photos are all far from one another; frames of one video are close to the frames
    // nearest in time, so each frame's row holds the frames nearest it in the video.
    const k = 10;
    const photo = [7, 0.03, 0.01, 0.4, 5.7];
    const frame = [4, 0.5, 0.7, 0.64, 8.3];
    const rowsOf = (n: number, group: (i: number) => number) =>
      Array.from({ length: n }, (_, i) => {
        const byDistance = (a: number, b: number) => (group(i) === 1 ? Math.abs(a - i) - Math.abs(b - i) : 0);
        const mates = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i && group(j) === group(i)).sort(byDistance);
        const others = Array.from({ length: n }, (_, j) => j).filter((j) => group(j) !== group(i));
        return [...mates, ...others].slice(0, k).map((j) => ({ j, cosine: group(j) === 1 && group(i) === 1 ? 0.99 - 0.002 * Math.abs(j - i) : 0.1 }));
      });
    const scores = (n: number, other: number) => {
      const group = (i: number) => (i >= n - other ? 1 : 0);
      const figures = Float32Array.from(Array.from({ length: n }, (_, i) => (group(i) === 1 ? frame : photo)).flat());
      return neighbourScores(graph(k, rowsOf(n, group)), opts, figures).outlierConfidence;
    };

    it('are a group of their own, not outliers: twelve frames of one video among photos', () => {
      const c = scores(52, 12);
      expect(Array.from(c).map((x, i) => [i, x]).filter(([, x]) => x !== -1)).toEqual([]);
    });

    it('are still outliers when they are a few, however close to one another', () => {
      const c = scores(43, 3);
      for (let i = 40; i < 43; i++) expect(c[i]).toBeGreaterThanOrEqual(0.5);
      for (let i = 0; i < 40; i++) expect(c[i]).toBe(-1);
    });
  });

  it('returns arrays of length n and handles an empty graph', () => {
    const s = neighbourScores(graph(3, []), opts);
    for (const a of [s.nnCosine, s.maxSimilarity, s.uniqueness, s.outlierScore, s.outlierConfidence]) {
      expect(a).toBeInstanceOf(Float32Array);
      expect(a.length).toBe(0);
    }
  });
});
