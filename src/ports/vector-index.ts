/**
 * An approximate nearest-neighbour index over one dataset's embeddings (SPEC §5: an ANN index,
 * never an N×N matrix). The metric is always cosine distance (1 − cosine similarity: 0 for the
 * same direction, 2 for opposite), the `relevance_score` SPEC §7 returns.
 *
 * Keys are unsigned 64-bit integers: Strata maps item ids to sequential integers and keeps that
 * mapping in the store; the index knows nothing else about items. Vectors travel as one flat
 * Float32Array of n × dimensions values (row i belongs to keys[i]); they need not be
 * normalised.
 *
 * Every method is asynchronous because building and searching are CPU-heavy: a backend runs
 * them off the event loop (a worker thread, another process, a remote service).
 */
export type VectorKey = bigint | number;

/** The neighbours of one query, nearest first. `keys.length === distances.length <= k`. */
export interface Neighbours {
  keys: BigUint64Array;
  distances: Float32Array;
}

export interface VectorIndex {
  readonly dimensions: number;
  /**
   * Inserts a batch; a key already present is replaced (so re-embedding an item is one call).
   * Batches of a few hundred to a few thousand rows keep memory flat and progress visible.
   */
  add(keys: readonly VectorKey[] | BigUint64Array, vectors: Float32Array): Promise<void>;
  /** The k nearest entries to one vector (fewer when the index holds fewer). */
  search(vector: Float32Array, k: number): Promise<Neighbours>;
  /** One result per row of `vectors` (n × dimensions), in row order. */
  searchBatch(vectors: Float32Array, k: number): Promise<Neighbours[]>;
  /** Removes keys; returns how many were present. Absent keys are not an error. */
  remove(keys: readonly VectorKey[] | BigUint64Array): Promise<number>;
  size(): Promise<number>;
  /**
   * Persists the index to `path` atomically (a crash leaves the previous file or the new one,
   * never a torn one). The file sits next to the dataset and is reloaded at start.
   */
  save(path: string): Promise<void>;
  /** Frees the memory (and any thread) behind the index; the object is unusable afterwards. */
  close(): Promise<void>;
}

export interface VectorIndexBackend {
  /** A new, empty index for vectors of `dimensions` components. */
  create(dimensions: number): Promise<VectorIndex>;
  /** The index `save` wrote to `path` (its dimensions and parameters come from the file). */
  load(path: string): Promise<VectorIndex>;
}
