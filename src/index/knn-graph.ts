/**
 * The dataset's k-nearest-neighbour graph, streamed row by row: every vector is searched in the
 * index and its k nearest others come out as one row. Memory stays O(batch × k) whatever N is;
 * nothing N×N is ever built.
 *
 * Works over any VectorIndex. The vectors are read again from their owner (the store), because
 * an ANN index need not give its vectors back (usearch's Node binding cannot).
 */
import type { VectorIndex, VectorKey } from '../ports/vector-index.ts';

/** Rows of vectors with their keys, as the store hands them out (any batch size). */
export interface VectorBatch {
  keys: readonly VectorKey[] | BigUint64Array;
  /** keys.length × dimensions values. */
  vectors: Float32Array;
}

export interface KnnRow {
  key: bigint;
  /** Nearest first; the item itself is left out. Fewer than k only when the index is small. */
  neighbors: Array<{ key: bigint; distance: number }>;
}

export interface KnnGraphOptions {
  /** Queries per index call (default 1024): big enough to keep every core busy. */
  batch?: number;
}

/**
 * Yields one row per input vector, in input order. The next batch is searched while the caller
 * consumes the current one, so writing edges to the store overlaps with the search.
 */
export async function* knnGraph(
  index: VectorIndex,
  source: AsyncIterable<VectorBatch> | Iterable<VectorBatch>,
  k: number,
  options: KnnGraphOptions = {},
): AsyncGenerator<KnnRow> {
  if (!Number.isInteger(k) || k <= 0) throw new RangeError(`knnGraph: k must be a positive integer, got ${k}`);
  const batch = options.batch ?? 1024;
  let inFlight: Promise<KnnRow[]> | null = null;
  for await (const chunk of rebatch(source, index.dimensions, batch)) {
    const next = searchRows(index, chunk, k);
    // Mark it handled now: if the consumer stops early it is never awaited, and its failure
    // must not surface as an unhandled rejection.
    next.catch(() => {});
    if (inFlight) yield* await inFlight;
    inFlight = next;
  }
  if (inFlight) yield* await inFlight;
}

interface KeyedRows {
  keys: bigint[];
  vectors: Float32Array;
}

async function searchRows(index: VectorIndex, rows: KeyedRows, k: number): Promise<KnnRow[]> {
  // k + 1 because each vector normally finds itself first.
  const results = await index.searchBatch(rows.vectors, k + 1);
  return rows.keys.map((key, row) => {
    const { keys, distances } = results[row]!;
    const neighbors: KnnRow['neighbors'] = [];
    for (let j = 0; j < keys.length && neighbors.length < k; j++) {
      // Exact copies of an item tie with it at distance 0 and may come first, or push the item
      // itself past k + 1: drop it by key wherever it is, and cap at k either way.
      if (keys[j] !== key) neighbors.push({ key: keys[j]!, distance: distances[j]! });
    }
    return { key, neighbors };
  });
}

/** Re-cuts the source's batches, whatever their size, into batches of `size` rows. */
async function* rebatch(source: AsyncIterable<VectorBatch> | Iterable<VectorBatch>, dimensions: number, size: number): AsyncGenerator<KeyedRows> {
  let keys: bigint[] = [];
  let vectors = new Float32Array(size * dimensions);
  for await (const chunk of source) {
    if (chunk.vectors.length !== chunk.keys.length * dimensions) {
      throw new RangeError(`knnGraph: batch of ${chunk.keys.length} keys has ${chunk.vectors.length} values (dimensions ${dimensions})`);
    }
    for (let i = 0; i < chunk.keys.length; i++) {
      vectors.set(chunk.vectors.subarray(i * dimensions, (i + 1) * dimensions), keys.length * dimensions);
      keys.push(BigInt(chunk.keys[i]!));
      if (keys.length === size) {
        yield { keys, vectors };
        keys = [];
        vectors = new Float32Array(size * dimensions);
      }
    }
  }
  if (keys.length > 0) yield { keys, vectors: vectors.subarray(0, keys.length * dimensions) };
}
