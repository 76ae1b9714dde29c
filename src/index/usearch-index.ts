/**
 * The in-process VectorIndex: usearch's HNSW graph, cosine metric, vectors stored as f16.
 * Each open index lives in its own worker thread (usearch's calls are synchronous and take
 * seconds on big batches), so the event loop keeps answering while a dataset's graph is built.
 * One index costs one thread plus its memory: dimensions × 2 bytes (f16) + ~280 bytes of graph
 * per vector (1M × 1280 → 2.7 GB, in RAM and on disk). A closed index's thread serves the next
 * index opened in the process (reusable-threads.ts).
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { reusableThreads } from '../lib/reusable-threads.ts';
import type { Neighbours, VectorIndex, VectorIndexBackend, VectorKey } from '../ports/vector-index.ts';
import type { Request, Response, SearchReply } from './usearch.worker.ts';

export interface UsearchParams {
  /** How vectors are stored: 'f16' (default), 'i8' (half the memory, coarser distances), 'f32'. */
  quantization: 'f32' | 'f16' | 'bf16' | 'i8';
  /** HNSW M: neighbours kept per node. More = better recall, more memory, slower build. */
  connectivity: number;
  /** Candidate list size while inserting (HNSW efConstruction). */
  expansionAdd: number;
  /** Candidate list size while searching (HNSW ef); not stored in the file. */
  expansionSearch: number;
  /** Threads usearch uses for one add or batched search; single queries use one. */
  threads: number;
}

/**
 * Defaults chosen by measurement (src/index/README.md, bench/knn-scale.ts). f16 keeps cosine
 * distances within ~2e-5 of exact, which the duplicate levels (0.999 = distance 0.001) need; i8
 * was off by up to 0.02 and lost 12 points of recall. M = 32 beats M = 16 at equal build cost.
 * expansionAdd = 128 keeps graph recall at 0.98 at 1M × 1280 (64 builds 2× faster and is as good
 * up to ~200k, but fell to 0.88 at 1M); expansionSearch = 256 lifts recall on structureless
 * (worst-case) data above 0.95 at ~1–3 ms per query.
 */
export const defaultUsearchParams: Readonly<UsearchParams> = Object.freeze({
  quantization: 'f16',
  connectivity: 32,
  expansionAdd: 128,
  expansionSearch: 256,
  threads: availableParallelism(),
});

type Op = Request extends infer R ? (R extends { op: infer O } ? O : never) : never;
type Payload<O extends Op> = Omit<Extract<Request, { op: O }>, 'id' | 'op'>;

/** Index threads outlive their index: the next one opened in this process reuses the thread. */
const indexThreads = reusableThreads(new URL('./worker-entry.mjs', import.meta.url));

/** Stateful runtime: the worker thread and the requests waiting on it. */
class UsearchVectorIndex implements VectorIndex {
  #dimensions = 0;
  #nextId = 1;
  #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #dead: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on('message', (res: Response) => this.#settle(res));
    worker.on('error', (err) => this.#fail(err));
    worker.on('exit', (code) => this.#fail(new Error(`vector index worker exited (code ${code})`)));
  }

  static async start(params: UsearchParams, first: { op: 'create'; dimensions: number } | { op: 'load'; path: string }): Promise<UsearchVectorIndex> {
    const worker = indexThreads.acquire();
    const index = new UsearchVectorIndex(worker);
    try {
      const reply = first.op === 'create' ? index.#call('create', { params, dimensions: first.dimensions }) : index.#call('load', { params, path: first.path });
      index.#dimensions = (await reply) as number;
    } catch (err) {
      // A refused file leaves the thread as it was (nothing opened): keep it for the next index.
      await index.close();
      throw err;
    }
    return index;
  }

  get dimensions(): number {
    return this.#dimensions;
  }

  async add(keys: readonly VectorKey[] | BigUint64Array, vectors: Float32Array): Promise<void> {
    if (keys.length === 0 && vectors.length === 0) return;
    await this.#call('add', { keys: toKeys(keys), vectors: ownBuffer(vectors) });
  }

  async search(vector: Float32Array, k: number): Promise<Neighbours> {
    if (vector.length !== this.#dimensions) throw new RangeError(`vector index: query has ${vector.length} values, index has ${this.#dimensions} dimensions`);
    const [first] = await this.searchBatch(vector, k);
    return first!;
  }

  async searchBatch(vectors: Float32Array, k: number): Promise<Neighbours[]> {
    if (vectors.length === 0) return [];
    const reply = (await this.#call('search', { vectors: ownBuffer(vectors), k })) as SearchReply;
    // Views into the transferred arrays: no copy per row.
    const out: Neighbours[] = [];
    for (let row = 0; row < reply.counts.length; row++) {
      const from = row * k;
      const to = from + Number(reply.counts[row]);
      out.push({ keys: reply.keys.subarray(from, to), distances: reply.distances.subarray(from, to) });
    }
    return out;
  }

  async remove(keys: readonly VectorKey[] | BigUint64Array): Promise<number> {
    const k = toKeys(keys);
    return k.length === 0 ? 0 : ((await this.#call('remove', { keys: k })) as number);
  }

  async size(): Promise<number> {
    return (await this.#call('size', {})) as number;
  }

  async save(path: string): Promise<void> {
    await this.#call('save', { path });
  }

  /**
   * Waits for calls in flight (a native call cannot be interrupted), then hands the thread,
   * its index dropped, back for reuse; a thread that failed is ended instead.
   */
  async close(): Promise<void> {
    if (this.#dead) return;
    const drained = this.#call('close', {});
    this.#dead = new Error('vector index: closed');
    const healthy = await drained.then(
      () => true,
      () => false,
    );
    if (healthy) indexThreads.release(this.worker);
    else await indexThreads.discard(this.worker);
  }

  #call<O extends Op>(op: O, payload: Payload<O>): Promise<unknown> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // Keep the process alive while work is in flight, and only then.
      if (this.#pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, op, ...payload });
    });
  }

  #settle(res: Response): void {
    const waiter = this.#pending.get(res.id);
    if (!waiter) return;
    this.#pending.delete(res.id);
    if (this.#pending.size === 0) this.worker.unref();
    if (res.ok) waiter.resolve(res.value);
    else waiter.reject(new Error(res.message));
  }

  #fail(err: Error): void {
    this.#dead ??= err;
    for (const waiter of this.#pending.values()) waiter.reject(err);
    this.#pending.clear();
  }
}

function toKeys(keys: readonly VectorKey[] | BigUint64Array): BigUint64Array {
  if (keys instanceof BigUint64Array) return ownBuffer(keys);
  const out = new BigUint64Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (typeof key === 'number' && !(Number.isSafeInteger(key) && key >= 0)) throw new RangeError(`vector index: key ${key} is not a non-negative safe integer`);
    if (typeof key === 'bigint' && (key < 0n || key >= 2n ** 64n - 1n)) throw new RangeError(`vector index: key ${key} is outside 0 … 2^64 − 2`);
    out[i] = BigInt(key);
  }
  return out;
}

/**
 * postMessage copies a typed array's whole underlying buffer, so a view into a big buffer is
 * cut down to its own bytes first.
 */
function ownBuffer<T extends Float32Array | BigUint64Array>(v: T): T {
  return v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v : (v.slice() as T);
}

/** The usearch backend; `params` override the measured defaults. */
export function usearchBackend(params: Partial<UsearchParams> = {}): VectorIndexBackend {
  const full: UsearchParams = { ...defaultUsearchParams, ...params };
  return {
    async create(dimensions) {
      if (!Number.isInteger(dimensions) || dimensions <= 0) throw new RangeError(`vector index: bad dimensions ${dimensions}`);
      return UsearchVectorIndex.start(full, { op: 'create', dimensions });
    },
    async load(path) {
      return UsearchVectorIndex.start(full, { op: 'load', path });
    },
  };
}
