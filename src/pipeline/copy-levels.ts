import { descriptorCosine, type PackedDescriptors } from '../domain/similarity/copy-descriptor.ts';
import { similarityLevel, type LevelCalibration } from '../domain/similarity/levels.ts';
import { reusableThreads } from '../lib/reusable-threads.ts';

/** What the copy-levels thread is told: its descriptors, then batches of pairs. */
export type CopyLevelsRequest = { packed: PackedDescriptors; calibration: LevelCalibration } | { packed: null } | { pairs: Int32Array; cosines: Float64Array };

/**
 * The calibrated level of each pair (pairs[2m], pairs[2m + 1]) whose embeddings' cosine is
 * cosines[m]: what the similarity and extend stages compute for every candidate pair.
 */
export function copyLevels(packed: PackedDescriptors, calibration: LevelCalibration, pairs: Int32Array, cosines: Float64Array): Float64Array<ArrayBuffer> {
  return Float64Array.from(cosines, (cosine, m) => similarityLevel(calibration, cosine, descriptorCosine(packed, pairs[2 * m]!, pairs[2 * m + 1]!)));
}

/**
 * Pairs per message: a few seconds of local checks at most (~2.3 ms a pair), so the thread's
 * queue stays short and the last batch does not keep the stage waiting long.
 */
const batchSize = 1024;

const copyLevelThreads = reusableThreads(new URL('./copy-levels.entry.mjs', import.meta.url));

/** Levels computed in a worker thread, each written back through `write` on arrival. */
export interface CopyLevelsThread {
  /** The level of nodes i and j, whose embeddings' cosine is `cosine`, for `slot`. */
  queue(slot: number, i: number, j: number, cosine: number): void;
  /** Once every queued level has been written. */
  settled(): Promise<void>;
  /** Hands the thread back for reuse (or ends it if it failed or is still busy); safe more than once. */
  close(): Promise<void>;
}

/**
 * copyLevels in a worker thread: the local copy check costs ~2.3 ms a pair, so a dataset with
 * many candidate pairs kept the event loop (API requests, event streams) busy for seconds at a
 * time. The descriptors are handed over, not copied: the caller must not use them afterwards.
 * Pairs go in batches of their own typed arrays, transferred both ways.
 */
export function startCopyLevelsThread(packed: PackedDescriptors, calibration: LevelCalibration, write: (slot: number, level: number) => void): CopyLevelsThread {
  const worker = copyLevelThreads.acquire();
  const request = (r: CopyLevelsRequest, transfer: ArrayBuffer[] = []) => worker.postMessage(r, transfer);
  request({ packed, calibration }, [packed.data, packed.mean, packed.invNorm, packed.low, packed.spread].map((a) => a.buffer as ArrayBuffer));
  let failure: Error | null = null;
  let waiting: { resolve(): void; reject(e: Error): void } | null = null;
  /** Slots of the batches sent and not answered yet, oldest first (the thread answers in order). */
  const sent: Int32Array[] = [];
  let slots = new Int32Array(batchSize);
  let pairs = new Int32Array(2 * batchSize);
  let cosines = new Float64Array(batchSize);
  let count = 0;

  const fail = (err: Error) => {
    failure ??= err;
    waiting?.reject(failure);
  };
  worker.on('message', (levels: Float64Array) => {
    const answered = sent.shift()!;
    for (let m = 0; m < answered.length; m++) write(answered[m]!, levels[m]!);
    if (sent.length === 0) waiting?.resolve();
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`copy levels worker exited with code ${code} before answering`)));

  const flush = () => {
    if (count === 0) return;
    sent.push(slots.subarray(0, count));
    request({ pairs: pairs.subarray(0, 2 * count), cosines: cosines.subarray(0, count) }, [pairs.buffer, cosines.buffer]);
    slots = new Int32Array(batchSize);
    pairs = new Int32Array(2 * batchSize);
    cosines = new Float64Array(batchSize);
    count = 0;
  };
  let closed = false;
  return {
    queue(slot, i, j, cosine) {
      slots[count] = slot;
      pairs[2 * count] = i;
      pairs[2 * count + 1] = j;
      cosines[count] = cosine;
      if (++count === batchSize) flush();
    },
    settled() {
      flush();
      if (failure) return Promise.reject(failure);
      if (sent.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiting = { resolve, reject };
      }).finally(() => {
        waiting = null;
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const reusable = failure === null && sent.length === 0;
      failure = new Error('copy levels thread: closed');
      // The thread lets go of the descriptors before the next user's arrive.
      if (reusable) {
        request({ packed: null });
        copyLevelThreads.release(worker);
      } else await copyLevelThreads.discard(worker);
    },
  };
}
