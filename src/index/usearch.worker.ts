/**
 * Hosts one usearch index at a time in a worker thread. usearch's Node binding is synchronous (an add of a
 * few thousand 1280-d vectors takes seconds), so the index lives here and the main thread only
 * posts requests; usearch's own `threads` argument spreads each call over the cores.
 *
 * Protocol: the parent posts `Request`s and gets one `Response` per request, same `id`.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { Index, MetricKind, ScalarKind, type BatchMatches, type Matches } from 'usearch';
import type { UsearchParams } from './usearch-index.ts';

export type Request =
  | { id: number; op: 'create'; params: UsearchParams; dimensions: number }
  | { id: number; op: 'load'; params: UsearchParams; path: string }
  | { id: number; op: 'add'; keys: BigUint64Array; vectors: Float32Array }
  | { id: number; op: 'search'; vectors: Float32Array; k: number }
  | { id: number; op: 'remove'; keys: BigUint64Array }
  | { id: number; op: 'size' }
  | { id: number; op: 'save'; path: string }
  | { id: number; op: 'close' };

export type SearchReply = { keys: BigUint64Array; distances: Float32Array; counts: BigUint64Array };

export type Response = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

// The thread is reused from index to index (reusable-threads.ts): `close` resets both.
let params: UsearchParams | null = null;
let index: Index | null = null;

function make(dimensions: number, params: UsearchParams): Index {
  // expansion_search is not stored in the file, so a loaded index gets it from here too.
  return new Index({
    dimensions,
    metric: MetricKind.Cos,
    quantization: params.quantization as ScalarKind,
    connectivity: params.connectivity,
    expansion_add: params.expansionAdd,
    expansion_search: params.expansionSearch,
    multi: false,
  });
}

function settings(): UsearchParams {
  if (params === null) throw new Error('vector index: not created or loaded');
  return params;
}

function opened(): Index {
  if (index === null) throw new Error('vector index: not created or loaded');
  return index;
}

function checkVectors(vectors: Float32Array, dimensions: number): number {
  if (vectors.length === 0 || vectors.length % dimensions !== 0) {
    throw new RangeError(`vector index: ${vectors.length} values is not a whole number of ${dimensions}-d vectors`);
  }
  // A NaN or ±Infinity would poison every distance computed against it, for good.
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i]!)) throw new RangeError(`vector index: non-finite value in row ${Math.floor(i / dimensions)}`);
  }
  return vectors.length / dimensions;
}

function add(keys: BigUint64Array, vectors: Float32Array): null {
  const idx = opened();
  const rows = checkVectors(vectors, idx.dimensions());
  if (rows !== keys.length) throw new RangeError(`vector index: ${keys.length} keys for ${rows} vectors`);
  if (new Set(keys).size !== keys.length) throw new RangeError('vector index: duplicate keys in one batch');
  // usearch refuses a key it already holds (after adding part of the batch), so replace first.
  const present = idx.contains(keys) as boolean[];
  const replaced = keys.filter((_, i) => present[i]);
  if (replaced.length > 0) idx.remove(replaced);
  idx.add(keys, vectors, settings().threads);
  return null;
}

function search(vectors: Float32Array, k: number): SearchReply {
  const idx = opened();
  const rows = checkVectors(vectors, idx.dimensions());
  if (!Number.isInteger(k) || k <= 0) throw new RangeError(`vector index: k must be a positive integer, got ${k}`);
  if (idx.size() === 0) return { keys: new BigUint64Array(0), distances: new Float32Array(0), counts: new BigUint64Array(rows) };
  // One query is one task: extra threads would only be spawned and joined for nothing.
  const threads = rows === 1 ? 1 : settings().threads;
  const result = idx.search(vectors, k, threads) as Matches | BatchMatches;
  const counts = 'counts' in result ? result.counts : BigUint64Array.of(BigInt(result.keys.length));
  // f16/i8 rounding can put an identical vector a hair below zero.
  const distances = result.distances;
  for (let i = 0; i < distances.length; i++) if (distances[i]! < 0) distances[i] = 0;
  return { keys: result.keys, distances, counts };
}

function save(path: string): null {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    opened().save(tmp);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return null;
}

function handle(req: Request): unknown {
  switch (req.op) {
    case 'create':
      index = make(req.dimensions, req.params);
      params = req.params;
      return index.dimensions();
    case 'load': {
      // The file carries dimensions, quantisation and connectivity; 1 is a placeholder.
      const loaded = make(1, req.params);
      loaded.load(req.path);
      index = loaded;
      params = req.params;
      return index.dimensions();
    }
    case 'add':
      return add(req.keys, req.vectors);
    case 'search':
      return search(req.vectors, req.k);
    case 'remove':
      return (opened().remove(req.keys) as number[]).reduce((a, b) => a + b, 0);
    case 'size':
      return opened().size();
    case 'save':
      return save(req.path);
    case 'close':
      // Queued behind every earlier call, so the parent may reuse or terminate the thread once
      // this answers: terminating it inside a native call aborts the whole process.
      index = null;
      params = null;
      return null;
  }
}

parentPort!.on('message', (req: Request) => {
  let res: Response;
  const transfer: ArrayBuffer[] = [];
  try {
    const value = handle(req);
    if (req.op === 'search') {
      const r = value as SearchReply;
      transfer.push(r.keys.buffer as ArrayBuffer, r.distances.buffer as ArrayBuffer, r.counts.buffer as ArrayBuffer);
    }
    res = { id: req.id, ok: true, value };
  } catch (err) {
    res = { id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(res, transfer);
});
