import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VectorIndex } from '../ports/vector-index.ts';
import { knnGraph, type VectorBatch } from './knn-graph.ts';
import { usearchBackend } from './usearch-index.ts';
import { seededRandom as rng } from '../lib/seeded-random.ts';

// ---------------------------------------------------------------------------------------------
// deterministic data and an exact reference, independent of usearch


function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function randomVectors(n: number, d: number, seed: number): Float32Array {
  const rand = rng(seed);
  return Float32Array.from({ length: n * d }, () => gaussian(rand));
}

/** n points around `clusters` random centres; returns the vectors and each point's cluster. */
function clusteredVectors(n: number, d: number, clusters: number, seed: number): { vectors: Float32Array; label: Int32Array } {
  const rand = rng(seed);
  const centres = Float32Array.from({ length: clusters * d }, () => gaussian(rand));
  const vectors = new Float32Array(n * d);
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * clusters);
    label[i] = c;
    for (let j = 0; j < d; j++) vectors[i * d + j] = centres[c * d + j]! + 0.3 * gaussian(rand);
  }
  return { vectors, label };
}

function normalized(v: Float32Array, d: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let r = 0; r < v.length / d; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += v[r * d + j]! ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) out[r * d + j] = v[r * d + j]! * inv;
  }
  return out;
}

/** Brute-force k nearest (cosine) of row `q` of `unit` among all rows, itself excluded. */
function exactNeighbours(unit: Float32Array, d: number, q: number, k: number): number[] {
  const n = unit.length / d;
  const best: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    if (i === q) continue;
    let dot = 0;
    for (let j = 0; j < d; j++) dot += unit[q * d + j]! * unit[i * d + j]!;
    const dist = 1 - dot;
    if (best.length < k || dist < best[best.length - 1]![1]) {
      best.push([i, dist]);
      best.sort((a, b) => a[1] - b[1]);
      if (best.length > k) best.pop();
    }
  }
  return best.map(([i]) => i);
}

function keysOf(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The vectors as the store would stream them back: fixed-size batches. */
function* batches(vectors: Float32Array, d: number, size: number, onPull?: (rowsSoFar: number) => void): Generator<VectorBatch> {
  const n = vectors.length / d;
  for (let from = 0; from < n; from += size) {
    const to = Math.min(n, from + size);
    onPull?.(to);
    yield { keys: keysOf(to - from).map((i) => i + from), vectors: vectors.subarray(from * d, to * d) };
  }
}

async function addInBatches(index: VectorIndex, vectors: Float32Array, d: number, size = 2048): Promise<void> {
  for (const b of batches(vectors, d, size)) await index.add(b.keys, b.vectors);
}

const open: VectorIndex[] = [];
async function track(p: Promise<VectorIndex>): Promise<VectorIndex> {
  const index = await p;
  open.push(index);
  return index;
}
afterAll(async () => {
  await Promise.all(open.map((i) => i.close()));
});

// ---------------------------------------------------------------------------------------------

describe('usearch VectorIndex: recall on 20k random 128-d vectors', () => {
  const n = 20_000;
  const d = 128;
  const k = 10;
  const vectors = randomVectors(n, d, 1);
  let index: VectorIndex;
  let ticksDuringBuild = 0;

  beforeAll(async () => {
    index = await track(usearchBackend().create(d));
    const timer = setInterval(() => ticksDuringBuild++, 5);
    try {
      await addInBatches(index, vectors, d);
    } finally {
      clearInterval(timer);
    }
  });

  it('builds off the event loop', async () => {
    expect(await index.size()).toBe(n);
    // Timers kept firing while usearch worked: the build ran in the worker thread.
    expect(ticksDuringBuild).toBeGreaterThan(2);
  });

  it('kNN graph rows reach recall@10 >= 0.95 against brute force', async () => {
    // Uniform Gaussian noise is the hardest case for any ANN index (no structure, tiny gaps
    // between the 10th and 11th neighbour); real embeddings are clustered and score ~1.0.
    const unit = normalized(vectors, d);
    // Members spread over the insertion order: HNSW finds the neighbours of late insertions worst.
    const sample = Array.from({ length: 300 }, (_, i) => Math.floor((i * n) / 300));
    const sampleVectors = new Float32Array(sample.length * d);
    sample.forEach((q, i) => sampleVectors.set(vectors.subarray(q * d, (q + 1) * d), i * d));
    let hits = 0;
    let i = 0;
    // The rows knnGraph gives these members, exactly as in a full pass over the dataset.
    for await (const row of knnGraph(index, [{ keys: sample, vectors: sampleVectors }], k, { batch: 128 })) {
      expect(Number(row.key)).toBe(sample[i]);
      const want = new Set(exactNeighbours(unit, d, sample[i]!, k));
      for (const nb of row.neighbors) if (want.has(Number(nb.key))) hits++;
      i++;
    }
    expect(i).toBe(sample.length);
    const recall = hits / (sample.length * k);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  }, 180_000);

  it('single searches find a stored vector at distance ~0 and agree with batched search', async () => {
    const q = vectors.subarray(77 * d, 78 * d);
    const one = await index.search(q, k);
    expect(one.keys.length).toBe(k);
    expect(one.keys[0]).toBe(77n);
    expect(one.distances[0]).toBeLessThan(1e-3);
    for (let j = 1; j < k; j++) expect(one.distances[j]!).toBeGreaterThanOrEqual(one.distances[j - 1]!);
    const [batched] = await index.searchBatch(q, k);
    expect([...batched!.keys]).toEqual([...one.keys]);
  });
});

describe('usearch VectorIndex: persistence', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-index-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('save then load gives identical search results', async () => {
    const d = 64;
    const vectors = randomVectors(3000, d, 2);
    const index = await track(usearchBackend().create(d));
    await addInBatches(index, vectors, d, 1000);
    await index.remove([5, 6]);
    const queries = randomVectors(50, d, 3);
    const before = await index.searchBatch(queries, 10);

    const file = join(dir, 'datasets', 'ds-1', 'vectors.usearch');
    await index.save(file);
    expect(await readdir(join(dir, 'datasets', 'ds-1'))).toEqual(['vectors.usearch']); // no temp file left

    const loaded = await track(usearchBackend().load(file));
    expect(loaded.dimensions).toBe(d);
    expect(await loaded.size()).toBe(2998);
    const after = await loaded.searchBatch(queries, 10);
    expect(after.map((r) => [...r.keys])).toEqual(before.map((r) => [...r.keys]));
    expect(after.map((r) => [...r.distances])).toEqual(before.map((r) => [...r.distances]));

    // The loaded index keeps working: saving over the same path replaces the file.
    await loaded.add([100_000], vectors.subarray(0, d));
    await loaded.save(file);
    const again = await track(usearchBackend().load(file));
    expect(await again.size()).toBe(2999);
  });

  it('loading a missing file rejects', async () => {
    await expect(usearchBackend().load(join(dir, 'nope.usearch'))).rejects.toThrow();
  });
});

describe('knnGraph', () => {
  const n = 5000;
  const d = 32;
  const k = 10;
  const { vectors, label } = clusteredVectors(n, d, 50, 4);
  let index: VectorIndex;
  let graph: Map<number, Array<{ key: number; distance: number }>>;

  beforeAll(async () => {
    index = await track(usearchBackend().create(d));
    await addInBatches(index, vectors, d, 1500);
    graph = new Map();
    for await (const row of knnGraph(index, batches(vectors, d, 700), k, { batch: 256 })) {
      graph.set(Number(row.key), row.neighbors.map((nb) => ({ key: Number(nb.key), distance: nb.distance })));
    }
  });

  it('gives every item k other items, nearest first, in cosine range', () => {
    expect(graph.size).toBe(n);
    for (const [key, nbs] of graph) {
      expect(nbs).toHaveLength(k);
      expect(nbs.some((nb) => nb.key === key)).toBe(false);
      for (let j = 0; j < k; j++) {
        expect(nbs[j]!.distance).toBeGreaterThanOrEqual(0);
        expect(nbs[j]!.distance).toBeLessThanOrEqual(2);
        if (j > 0) expect(nbs[j]!.distance).toBeGreaterThanOrEqual(nbs[j - 1]!.distance);
      }
    }
  });

  it('is symmetric-ish: reciprocated like the exact graph, same distance both ways', () => {
    const reciprocity = (g: Map<number, number[]>) => {
      let edges = 0;
      let back = 0;
      for (const [a, nbs] of g) {
        for (const b of nbs) {
          edges++;
          if (g.get(b)!.includes(a)) back++;
        }
      }
      return back / edges;
    };
    // kNN graphs are never fully symmetric (hubs); the exact graph says how symmetric this one is.
    const unit = normalized(vectors, d);
    const exact = new Map(keysOf(n).map((q) => [q, exactNeighbours(unit, d, q, k)]));
    const approx = new Map([...graph].map(([a, nbs]) => [a, nbs.map((nb) => nb.key)]));
    expect(reciprocity(approx)).toBeGreaterThan(0.3);
    expect(Math.abs(reciprocity(approx) - reciprocity(exact))).toBeLessThan(0.03);

    let sameCluster = 0;
    let edges = 0;
    for (const [a, nbs] of graph) {
      for (const { key: b, distance } of nbs) {
        edges++;
        if (label[a] === label[b]) sameCluster++;
        const back = graph.get(b)!.find((nb) => nb.key === a);
        if (back) expect(Math.abs(back.distance - distance)).toBeLessThan(1e-3);
      }
    }
    expect(sameCluster / edges).toBeGreaterThan(0.99);
  });

  it('drops the item itself even when exact copies tie with it at distance 0', async () => {
    const dups = await track(usearchBackend().create(4));
    const v = Float32Array.from([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 4, 3, 2, 1]);
    await dups.add([1, 2, 3, 4], v);
    const rows = [];
    for await (const row of knnGraph(dups, [{ keys: [1, 2, 3, 4], vectors: v }], 2)) rows.push(row);
    for (const row of rows) {
      expect(row.neighbors).toHaveLength(2);
      expect(row.neighbors.map((nb) => nb.key)).not.toContain(row.key);
    }
    expect(rows[0]!.neighbors.map((nb) => nb.key).sort()).toEqual([2n, 3n]);
  });
});

describe('knnGraph memory', () => {
  it('streams: never reads far ahead of its consumer, and memory stays far below N×N', async () => {
    const n = 20_000;
    const d = 32;
    const vectors = randomVectors(n, d, 5);
    const index = await track(usearchBackend().create(d));
    await addInBatches(index, vectors, d);

    const batch = 512;
    const sourceChunk = 1000;
    let pulled = 0;
    let consumed = 0;
    let maxAhead = 0;
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    for await (const row of knnGraph(index, batches(vectors, d, sourceChunk, (rows) => (pulled = rows)), 10, { batch })) {
      void row;
      consumed++;
      maxAhead = Math.max(maxAhead, pulled - consumed);
      if (consumed % 1000 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }
    expect(consumed).toBe(n);
    // At most the batch being consumed, the one being searched and a source chunk in flight.
    expect(maxAhead).toBeLessThanOrEqual(2 * batch + sourceChunk);
    // An N×N float matrix here would be 1.6 GB; the graph needs O(N·k).
    expect(rssPeak - rssBefore).toBeLessThan(200 * 2 ** 20);
  }, 180_000);
});

describe('usearch VectorIndex: updates and bad input', () => {
  let index: VectorIndex;
  const d = 8;
  const unit = (i: number) => Float32Array.from({ length: d }, (_, j) => (j === i ? 1 : 0));

  beforeAll(async () => {
    index = await track(usearchBackend().create(d));
  });
  afterEach(async () => {
    expect(index.dimensions).toBe(d);
  });

  it('searching an empty index finds nothing', async () => {
    const r = await index.search(unit(0), 5);
    expect(r.keys.length).toBe(0);
  });

  it('adding an existing key replaces its vector; remove counts what was there', async () => {
    await index.add([1n, 2n], Float32Array.from([...unit(0), ...unit(1)]));
    await index.add([1n], unit(2));
    expect(await index.size()).toBe(2);
    expect((await index.search(unit(2), 1)).keys[0]).toBe(1n);
    expect(await index.remove([1, 99])).toBe(1);
    expect(await index.size()).toBe(1);
    expect([...(await index.search(unit(2), 5)).keys]).toEqual([2n]);
  });

  it('rejects malformed batches without breaking the index', async () => {
    await expect(index.add([3, 4], unit(3))).rejects.toThrow(/2 keys for 1 vectors/);
    await expect(index.add([3], new Float32Array(d + 1))).rejects.toThrow(/whole number/);
    await expect(index.add([3], unit(3).fill(Number.NaN))).rejects.toThrow(/non-finite/);
    await expect(index.add([3, 3], Float32Array.from([...unit(3), ...unit(4)]))).rejects.toThrow(/duplicate/);
    await expect(index.add([-1], unit(3))).rejects.toThrow(/key/);
    await expect(index.search(new Float32Array(d - 1), 1)).rejects.toThrow(/dimensions/);
    await expect(index.searchBatch(unit(3), 0)).rejects.toThrow(/k must be/);
    expect(await index.size()).toBe(1);
  });

  it('close waits for a call in flight (terminating inside usearch would abort the process)', async () => {
    const busy = await usearchBackend().create(64);
    const vectors = randomVectors(5000, 64, 6);
    await busy.add(keysOf(5000), vectors);
    const search = busy.searchBatch(vectors, 11);
    await busy.close();
    expect(await search).toHaveLength(5000);
  });

  it('refuses calls after close', async () => {
    const other = await usearchBackend().create(d);
    await other.close();
    await expect(other.size()).rejects.toThrow(/closed/);
  });

  it('a closed index leaves nothing behind for the next one, which may reuse its thread', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-usearch-reuse-'));
    try {
      const first = await usearchBackend({ quantization: 'f32' }).create(4);
      await first.add([1, 2], Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0]));
      await first.save(join(dir, 'first.usearch'));
      await first.close();
      const second = await usearchBackend().create(16);
      expect([second.dimensions, await second.size()]).toEqual([16, 0]);
      expect((await second.search(new Float32Array(16).fill(1), 3)).keys.length).toBe(0);
      await second.close();
      await expect(usearchBackend().load(join(dir, 'missing.usearch'))).rejects.toThrow();
      const reloaded = await usearchBackend().load(join(dir, 'first.usearch'));
      expect([reloaded.dimensions, await reloaded.size()]).toEqual([4, 2]);
      expect([...(await reloaded.search(Float32Array.from([0, 1, 0, 0]), 1)).keys]).toEqual([2n]);
      await reloaded.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
