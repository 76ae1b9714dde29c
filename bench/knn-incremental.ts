/**
 * How exact and how fast an incrementally updated kNN graph is (node --import tsx
 * bench/knn-incremental.ts [N] [ADDED] [D] [--no-recall]; defaults 20000, 10 % of N, 256).
 *
 * After media are added, the kNN graph could be updated instead of recomputed: keep the old
 * items' rows, search only the new items, and insert each new item into the rows of the old
 * items it found as neighbours when it beats their k-th (the "reverse" update). This compares
 * that graph with a full recompute over the same extended index (k = 10, usearch through the
 * VectorIndex port): edge recall overall, on the rows of old items, and on the close edges
 * (cosine ≥ 0.9, where duplicates live), with both times; and, as the baseline, the old rows
 * left as they were (no update at all). It also times what a reindex does after the graph:
 * groups, clusters and scores over all N + ADDED items (analyzeGraph, production options), so
 * "insert ADDED and refresh results" can be set against "full graph pass and refresh".
 *
 * --no-recall skips the full recompute over N + ADDED (and so the recall table): at a million
 * vectors it is one more full pass, and the pass over the N old items, which the incremental
 * update starts from anyway, is then the full-pass reference.
 *
 * Data: Gaussian clusters on the unit sphere with 1 % near-copies, from a fixed seed.
 */
import { loadConfig } from '../src/config/config.ts';
import type { KnnGraph } from '../src/domain/similarity/knn-graph.ts';
import { knnGraph } from '../src/index/knn-graph.ts';
import { usearchBackend } from '../src/index/usearch-index.ts';
import { analyzeGraph } from '../src/pipeline/graph-analysis.ts';
import { kindFiguresOf } from '../src/domain/similarity/kind-figures.ts';
import { seededRandom } from '../src/lib/seeded-random.ts';
import { fmt, machineLine, table } from './lib.ts';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const withRecall = !process.argv.includes('--no-recall');
const n = Number(args[0] ?? 20_000);
const added = Number(args[1] ?? Math.round(n / 10));
const d = Number(args[2] ?? 256);
const k = 10;
const clusters = Math.max(10, Math.round((n + added) / 50));

const random = seededRandom(42);
const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: d }, gauss));
const spread = Array.from({ length: clusters }, () => 0.3 + random() * 0.7);
const total = n + added;
const vectors = new Float32Array(total * d);
for (let i = 0; i < total; i++) {
  const row = vectors.subarray(i * d, (i + 1) * d);
  const copyOf = i > 0 && random() < 0.01 ? i - 1 : -1;
  const c = Math.floor(random() * clusters);
  for (let j = 0; j < d; j++) row[j] = copyOf >= 0 ? vectors[copyOf * d + j]! + 0.02 * gauss() : centres[c]![j]! + spread[c]! * gauss();
  let norm = 0;
  for (const v of row) norm += v * v;
  for (let j = 0; j < d; j++) row[j]! /= Math.sqrt(norm);
}
const keys = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const batch = (from: number, to: number) => [{ keys: keys(from, to), vectors: vectors.subarray(from * d, to * d) }];

/** A kNN graph over `total` nodes in flat arrays: row i at i × k, nearest first, −1 = empty. */
interface Rows {
  neighbors: Int32Array;
  distance: Float32Array;
}
const emptyRows = (): Rows => ({ neighbors: new Int32Array(total * k).fill(-1), distance: new Float32Array(total * k) });

/** Searches rows from … to in the index and writes them into `rows`; returns the seconds taken. */
async function searchInto(index: Parameters<typeof knnGraph>[0], rows: Rows, from: number, to: number): Promise<number> {
  const t = performance.now();
  for await (const row of knnGraph(index, batch(from, to), k)) {
    const s = Number(row.key) * k;
    row.neighbors.forEach(({ key, distance }, j) => {
      rows.neighbors[s + j] = Number(key);
      rows.distance[s + j] = distance;
    });
  }
  return (performance.now() - t) / 1000;
}

/** Puts new item j into old row i when it beats that row's k-th neighbour. */
function insertReverse(rows: Rows, i: number, j: number, distance: number): void {
  const s = i * k;
  if (rows.neighbors[s + k - 1]! >= 0 && distance >= rows.distance[s + k - 1]!) return;
  let at = s + k - 1;
  while (at > s && (rows.neighbors[at - 1]! < 0 || rows.distance[at - 1]! > distance)) {
    rows.neighbors[at] = rows.neighbors[at - 1]!;
    rows.distance[at] = rows.distance[at - 1]!;
    at--;
  }
  rows.neighbors[at] = j;
  rows.distance[at] = distance;
}

/** What a reindex computes after the graph; synthetic vectors have no calibration, so level = cosine. */
function refreshResults(rows: Rows): number {
  const cosine = rows.distance.map((x) => 1 - x);
  const g: KnnGraph = { n: total, k, neighbors: rows.neighbors, cosine, level: cosine, exactOf: Int32Array.from({ length: total }, (_, i) => i) };
  const { clusterThresholds, outlierZ } = loadConfig({}).similarity;
  const t = performance.now();
  // Synthetic vectors have no pictures behind them: no kind figures.
  analyzeGraph(g, { clusterThresholds, scores: { outlierNeighbours: 5, outlierZ, outlierMinItems: 5 } }, new Int32Array(total).fill(-1), kindFiguresOf(new Array(total).fill(null)));
  return (performance.now() - t) / 1000;
}

const index = await usearchBackend().create(d);
try {
  let t = performance.now();
  await index.add(keys(0, n), vectors.subarray(0, n * d));
  const buildS = (performance.now() - t) / 1000;
  const incremental = emptyRows();
  const oldPassS = await searchInto(index, incremental, 0, n);
  const old = withRecall ? { neighbors: incremental.neighbors.slice(), distance: incremental.distance.slice() } : null;

  t = performance.now();
  await index.add(keys(n, total), vectors.subarray(n * d, total * d));
  await searchInto(index, incremental, n, total);
  for (let j = n; j < total; j++) {
    for (let s = j * k; s < (j + 1) * k; s++) {
      const i = incremental.neighbors[s]!;
      if (i >= 0 && i < n) insertReverse(incremental, i, j, incremental.distance[s]!);
    }
  }
  const incrementalS = (performance.now() - t) / 1000;
  const refreshS = refreshResults(incremental);

  console.log(machineLine());
  console.log(`${n} vectors + ${added} added, d = ${d}, k = ${k}, ${clusters} clusters, 1 % near-copies`);
  let fullS = oldPassS;
  let fullWhat = `full graph pass over the ${n} old items`;
  if (old) {
    const full = emptyRows();
    fullS = await searchInto(index, full, 0, total);
    fullWhat = `full graph pass over all ${total}`;
    const recall = (from: number, to: number, close = false, graph: Rows = incremental) => {
      let hit = 0;
      let all = 0;
      for (let i = from; i < to; i++) {
        const have = new Set(graph.neighbors.subarray(i * k, (i + 1) * k));
        for (let s = i * k; s < (i + 1) * k; s++) {
          if (full.neighbors[s]! < 0 || (close && 1 - full.distance[s]! < 0.9)) continue;
          all++;
          if (have.has(full.neighbors[s]!)) hit++;
        }
      }
      return all === 0 ? '–' : `${fmt((100 * hit) / all, 2)} % of ${all}`;
    };
    console.log(
      table([
        ['rows', 'edge recall vs full recompute', 'close edges (cos ≥ 0.9)'],
        ['all', recall(0, total), recall(0, total, true)],
        ['old items', recall(0, n), recall(0, n, true)],
        ['new items', recall(n, total), recall(n, total, true)],
        ['old items, rows left as they were', recall(0, n, false, old), recall(0, n, true, old)],
      ]),
    );
  }
  console.log(
    table([
      ['step', 'seconds'],
      [`index build, ${n} vectors`, fmt(buildS, 2)],
      [`insert ${added} + incremental graph update`, fmt(incrementalS, 2)],
      [fullWhat, fmt(fullS, 2)],
      [`refresh results over ${total} (groups, clusters, scores)`, fmt(refreshS, 2)],
    ]),
  );
  console.log(`graph time: incremental ${fmt(incrementalS, 2)} s, full ${fmt(fullS, 2)} s (${fmt(incrementalS / fullS, 3)}×)`);
  console.log(`insert + refresh: ${fmt(incrementalS + refreshS, 2)} s against full pass + refresh ${fmt(fullS + refreshS, 2)} s (${fmt((incrementalS + refreshS) / (fullS + refreshS), 3)}×)`);
  console.log(machineLine());
} finally {
  await index.close();
}
