import { setImmediate } from 'node:timers/promises';
import { calibrationFor } from '../domain/similarity/calibration.ts';
import { slotOf, type KnnGraph } from '../domain/similarity/knn-graph.ts';
import { knnGraph, type VectorBatch } from '../index/knn-graph.ts';
import type { VectorIndex } from '../ports/vector-index.ts';
import { startCopyLevelsThreads, type CopyLevelsThreads } from './copy-levels.ts';

/** The graph's nodes: node i is the vector of key seqs[i]. */
export interface GraphNodes {
  seqs: readonly number[];
  /** exactOf[i] = the first node with i's bytes. */
  exactOf: Int32Array;
  /** Copy descriptors by node; emptied once handed to the copy-check threads. */
  descriptors: Uint8Array[];
}

/**
 * The kNN graph of every node against the index, each edge with its calibrated similarity
 * level (1 for identical bytes, 0 without a calibration for `model`). `vectors` gives the
 * nodes' vectors again, in any order, as the store pages them. The copy checks run in up to
 * `threads` worker threads (copy-levels.ts), which pack the descriptors while the rows stream in.
 */
export async function levelledGraph(
  index: VectorIndex,
  vectors: AsyncIterable<VectorBatch>,
  { seqs, exactOf, descriptors }: GraphNodes,
  model: string,
  neighbours: number,
  threads: number,
  progress: (rows: number) => Promise<void>,
): Promise<KnnGraph> {
  const n = seqs.length;
  const k = Math.min(neighbours, Math.max(1, n - 1));
  const nodeOfSeq = new Map<number, number>(seqs.map((seq, i) => [seq, i]));
  const calibration = calibrationFor(model);
  const g: KnnGraph = { n, k, neighbors: new Int32Array(n * k).fill(-1), cosine: new Float32Array(n * k), level: new Float32Array(n * k), exactOf };
  const levels = calibration === null ? null : startCopyLevelsThreads(descriptors, calibration, threads, (s, level) => (g.level[s] = level));
  descriptors.length = 0; // the threads' shared copy is all that is needed from here on
  try {
    let rows = 0;
    for await (const row of knnGraph(index, vectors, k)) {
      if (++rows % 1024 === 0) await progress(rows);
      const i = nodeOfSeq.get(Number(row.key))!;
      let s = i * k;
      for (const nb of row.neighbors) {
        const j = nodeOfSeq.get(Number(nb.key));
        if (j === undefined) continue;
        g.neighbors[s] = j;
        g.cosine[s] = 1 - nb.distance;
        s++;
      }
    }
    for (let i = 0; i < n; i++) {
      if (i % 4096 === 4095) await setImmediate(); // API requests get a turn at a million nodes
      for (let s = i * k; s < (i + 1) * k && g.neighbors[s]! >= 0; s++) {
        const j = g.neighbors[s]!;
        // Levels without a calibration stay 0.
        if (exactOf[i] === exactOf[j]) g.level[s] = 1;
        else if (levels !== null) queuePair(levels, g, seqs, i, j, s);
      }
    }
    await levels?.settled();
  } finally {
    await levels?.close();
  }
  return g;
}

/**
 * One local check for both edges of a pair when the graph has both, queued from the lower
 * node's edge, or from the only edge there is. The check is not exactly symmetric, so the
 * earlier-added item always comes first.
 */
function queuePair(levels: CopyLevelsThreads, g: KnnGraph, seqs: readonly number[], i: number, j: number, s: number): void {
  const t = slotOf(g, j, i);
  if (t >= 0 && j < i) return;
  const [a, b] = seqs[i]! < seqs[j]! ? [i, j] : [j, i];
  levels.queue(a, b, s, g.cosine[s]!, t, t < 0 ? NaN : g.cosine[t]!);
}
