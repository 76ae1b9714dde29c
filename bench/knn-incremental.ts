/**
 * How exact an incrementally updated kNN graph is (node --import tsx bench/knn-incremental.ts
 * [N] [ADDED] [D]; defaults 20000, 10 % of N, 256).
 *
 * After media are added, the kNN graph could be updated instead of recomputed: keep the old
 * items' rows, search only the new items, and insert each new item into the rows of the old
 * items it found as neighbours when it beats their k-th (the "reverse" update). This compares
 * that graph with a full recompute over the same extended index (k = 10, usearch through the
 * VectorIndex port): edge recall overall, on the rows of old items, and on the close edges
 * (cosine ≥ 0.9, where duplicates live), with both times; and, as the baseline, the old rows
 * left as they were (no update at all).
 *
 * Data: Gaussian clusters on the unit sphere with 1 % near-copies, from a fixed seed.
 */
import { knnGraph, type KnnRow } from '../src/index/knn-graph.ts';
import { usearchBackend } from '../src/index/usearch-index.ts';
import { seededRandom } from '../src/lib/seeded-random.ts';
import { fmt, machineLine, table } from './lib.ts';

const n = Number(process.argv[2] ?? 20_000);
const added = Number(process.argv[3] ?? Math.round(n / 10));
const d = Number(process.argv[4] ?? 256);
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

async function rowsOf(index: Parameters<typeof knnGraph>[0], from: number, to: number): Promise<Map<number, KnnRow['neighbors']>> {
  const rows = new Map<number, KnnRow['neighbors']>();
  for await (const row of knnGraph(index, batch(from, to), k)) rows.set(Number(row.key), row.neighbors);
  return rows;
}

const index = await usearchBackend().create(d);
try {
  await index.add(keys(0, n), vectors.subarray(0, n * d));
  const old = await rowsOf(index, 0, n);
  await index.add(keys(n, total), vectors.subarray(n * d, total * d));

  let t = performance.now();
  const incremental = new Map(old);
  const fresh = await rowsOf(index, n, total);
  for (const [j, neighbours] of fresh) {
    incremental.set(j, neighbours);
    for (const { key, distance } of neighbours) {
      const i = Number(key);
      if (i >= n) continue;
      const row = [...incremental.get(i)!];
      if (row.length === k && distance >= row[k - 1]!.distance) continue;
      row.push({ key: BigInt(j), distance });
      row.sort((a, b) => a.distance - b.distance);
      incremental.set(i, row.slice(0, k));
    }
  }
  const incrementalS = (performance.now() - t) / 1000;

  t = performance.now();
  const full = await rowsOf(index, 0, total);
  const fullS = (performance.now() - t) / 1000;

  const recall = (rows: number[], close = false, graph = incremental) => {
    let hit = 0;
    let all = 0;
    for (const i of rows) {
      const want = full.get(i)!.filter((e) => !close || 1 - e.distance >= 0.9);
      const have = new Set(graph.get(i)!.map((e) => e.key));
      all += want.length;
      hit += want.filter((e) => have.has(e.key)).length;
    }
    return all === 0 ? '–' : `${fmt((100 * hit) / all, 2)} % of ${all}`;
  };
  const oldRows = keys(0, n);
  const newRows = keys(n, total);
  console.log(machineLine());
  console.log(`${n} vectors + ${added} added, d = ${d}, k = ${k}, ${clusters} clusters, 1 % near-copies`);
  console.log(
    table([
      ['rows', 'edge recall vs full recompute', 'close edges (cos ≥ 0.9)'],
      ['all', recall([...oldRows, ...newRows]), recall([...oldRows, ...newRows], true)],
      ['old items', recall(oldRows), recall(oldRows, true)],
      ['new items', recall(newRows), recall(newRows, true)],
      ['old items, rows left as they were', recall(oldRows, false, old), recall(oldRows, true, old)],
    ]),
  );
  console.log(`graph time: incremental ${fmt(incrementalS, 2)} s, full recompute ${fmt(fullS, 2)} s (${fmt(incrementalS / fullS, 3)}×)`);
} finally {
  await index.close();
}
