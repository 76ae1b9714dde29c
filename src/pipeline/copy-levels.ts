import type { Worker } from 'node:worker_threads';
import { descriptorCosine, packDescriptors, type PackedDescriptors } from '../domain/similarity/copy-descriptor.ts';
import { similarityLevel, type LevelCalibration } from '../domain/similarity/levels.ts';
import { reusableThreads } from '../lib/reusable-threads.ts';

/** Copy descriptors end to end in shared memory, descriptor i ending at ends[i]. */
export interface SharedDescriptors {
  bytes: Uint8Array;
  ends: Float64Array;
}

/** What a copy-levels thread is told: pack, then its descriptors, then batches of pairs. */
export type CopyLevelsRequest = { pack: SharedDescriptors } | { packed: PackedDescriptors; calibration: LevelCalibration } | { packed: null } | { pairs: Int32Array; cosines: Float64Array };
/** What it answers, in the order it was asked. */
export type CopyLevelsReply = { packed: PackedDescriptors } | { levels: Float64Array };

/** The descriptors copied into one shared buffer: every thread reads them there, none gets a copy. */
export function shareDescriptors(descriptors: readonly Uint8Array[]): SharedDescriptors {
  const ends = new Float64Array(descriptors.length);
  let end = 0;
  descriptors.forEach((d, i) => (ends[i] = end += d.length));
  const bytes = new Uint8Array(new SharedArrayBuffer(end));
  descriptors.forEach((d, i) => bytes.set(d, ends[i]! - d.length));
  return { bytes, ends };
}

/**
 * packDescriptors on shared descriptors (in a thread: ~5 s at a million items). The packed data
 * are the descriptors end to end again, so they go back into the shared buffer, which all
 * threads then read; the caller must not use `bytes` afterwards.
 */
export function packShared({ bytes, ends }: SharedDescriptors): PackedDescriptors {
  const packed = packDescriptors(Array.from(ends, (end, i) => bytes.subarray(i === 0 ? 0 : ends[i - 1]!, end)));
  bytes.set(packed.data);
  return { ...packed, data: bytes.subarray(0, packed.data.length) };
}

/**
 * The calibrated levels of candidate pairs (pairs[2m], pairs[2m + 1]), one local check each:
 * levels[2m] for the edge whose embeddings' cosine is cosines[2m], levels[2m + 1] for the
 * edge the other way with cosines[2m + 1] (NaN when the graph has no such edge). What the
 * similarity and extend stages compute for every candidate pair.
 */
export function copyLevels(packed: PackedDescriptors, calibration: LevelCalibration, pairs: Int32Array, cosines: Float64Array): Float64Array<ArrayBuffer> {
  const levels = new Float64Array(cosines.length).fill(NaN);
  for (let m = 0; 2 * m < pairs.length; m++) {
    const descriptor = descriptorCosine(packed, pairs[2 * m]!, pairs[2 * m + 1]!);
    levels[2 * m] = similarityLevel(calibration, cosines[2 * m]!, descriptor);
    if (!Number.isNaN(cosines[2 * m + 1])) levels[2 * m + 1] = similarityLevel(calibration, cosines[2 * m + 1]!, descriptor);
  }
  return levels;
}

/**
 * Pairs per message: ~0.25 s of local checks at most (~2 ms a pair), so that the threads share
 * the work evenly to the end.
 */
const batchSize = 128;
/** Batches a thread holds at once; the others wait in this thread for the first one free. */
const inFlight = 2;

const copyLevelThreads = reusableThreads(new URL('./copy-levels.entry.mjs', import.meta.url));

/** Levels computed in worker threads, each written back through `write` on arrival. */
export interface CopyLevelsThreads {
  /**
   * The levels of the graph's edges between items i and j — `slot` with its embeddings' cosine,
   * and `otherSlot` (the edge the other way, −1 when the graph has none) with its own — from
   * one local check of i against j. The check is not exactly symmetric: callers give a pair's
   * items in one order (the earlier-added item first) whichever edge they come from.
   */
  queue(i: number, j: number, slot: number, cosine: number, otherSlot?: number, otherCosine?: number): void;
  /** Once every queued level has been written. */
  settled(): Promise<void>;
  /** Hands the threads back for reuse (or ends them if one failed or is still busy); safe more than once. */
  close(): Promise<void>;
}

interface Batch {
  slots: Int32Array;
  pairs: Int32Array;
  cosines: Float64Array;
}

/**
 * copyLevels in up to `threads` worker threads: the local copy check costs ~2 ms a pair, which
 * on the event loop kept API requests and event streams waiting for seconds, and on one thread
 * left the other cores idle. The descriptors are shared, not copied: the first thread packs
 * them (that too would hold the event loop for seconds at a million items), and a further
 * thread starts only when batches wait for one.
 */
export function startCopyLevelsThreads(descriptors: readonly Uint8Array[], calibration: LevelCalibration, threads: number, write: (slot: number, level: number) => void): CopyLevelsThreads {
  const workers: Worker[] = [];
  /** Per thread, the slots of its batches not answered yet, oldest first (a thread answers in order). */
  const sent: Int32Array[][] = [];
  /** Batches no thread holds yet: held[nextHeld] onwards (a million items queue tens of thousands). */
  const held: Batch[] = [];
  let nextHeld = 0;
  let packed: PackedDescriptors | null = null;
  let failure: Error | null = null;
  let waiting: { resolve(): void; reject(e: Error): void } | null = null;

  const idle = () => packed !== null && nextHeld === held.length && sent.every((s) => s.length === 0);
  const fail = (err: Error) => {
    failure ??= err;
    waiting?.reject(failure);
  };
  const answer = (t: number) => (reply: CopyLevelsReply) => {
    if ('packed' in reply) {
      packed = reply.packed;
      for (const w of workers) w.postMessage({ packed, calibration } satisfies CopyLevelsRequest);
    } else {
      const slots = sent[t]!.shift()!;
      for (let m = 0; m < slots.length; m++) if (slots[m]! >= 0) write(slots[m]!, reply.levels[m]!);
    }
    dispatch();
    if (idle()) waiting?.resolve();
  };
  const start = () => {
    const worker = copyLevelThreads.acquire();
    worker.on('message', answer(workers.length));
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`copy levels worker exited with code ${code} before answering`)));
    workers.push(worker);
    sent.push([]);
    return worker;
  };
  /** Held batches to the threads with room, least busy first; a new thread while all are full. */
  const dispatch = () => {
    if (packed === null || failure !== null) return;
    while (nextHeld < held.length) {
      const t = sent.reduce((best, s, u) => (s.length < sent[best]!.length ? u : best), 0);
      if (sent[t]!.length >= inFlight) {
        if (workers.length >= threads) return;
        start().postMessage({ packed, calibration } satisfies CopyLevelsRequest);
        continue;
      }
      const batch = held[nextHeld]!;
      held[nextHeld++] = undefined!;
      sent[t]!.push(batch.slots);
      workers[t]!.postMessage({ pairs: batch.pairs, cosines: batch.cosines } satisfies CopyLevelsRequest, [batch.pairs.buffer, batch.cosines.buffer] as ArrayBuffer[]);
    }
  };

  start().postMessage({ pack: shareDescriptors(descriptors) } satisfies CopyLevelsRequest);

  let batch: Batch | null = null;
  let count = 0;
  const flush = () => {
    if (batch === null) return;
    held.push({ slots: batch.slots.subarray(0, 2 * count), pairs: batch.pairs.subarray(0, 2 * count), cosines: batch.cosines.subarray(0, 2 * count) });
    batch = null;
    count = 0;
    dispatch();
  };
  let closed = false;
  return {
    queue(i, j, slot, cosine, otherSlot = -1, otherCosine = NaN) {
      batch ??= { slots: new Int32Array(2 * batchSize), pairs: new Int32Array(2 * batchSize), cosines: new Float64Array(2 * batchSize) };
      const at = 2 * count;
      batch.slots[at] = slot;
      batch.slots[at + 1] = otherSlot;
      batch.pairs[at] = i;
      batch.pairs[at + 1] = j;
      batch.cosines[at] = cosine;
      batch.cosines[at + 1] = otherSlot < 0 ? NaN : otherCosine;
      if (++count === batchSize) flush();
    },
    settled() {
      flush();
      if (failure) return Promise.reject(failure);
      if (idle()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiting = { resolve, reject };
      }).finally(() => {
        waiting = null;
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const reusable = failure === null && idle();
      failure = new Error('copy levels threads: closed');
      // Each thread lets go of the descriptors before the next user's arrive.
      if (reusable) {
        for (const w of workers) {
          w.postMessage({ packed: null } satisfies CopyLevelsRequest);
          copyLevelThreads.release(w);
        }
      } else await Promise.all(workers.map((w) => copyLevelThreads.discard(w)));
    },
  };
}
