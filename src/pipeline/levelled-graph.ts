import { calibrationFor } from '../domain/similarity/calibration.ts';
import { packDescriptors } from '../domain/similarity/copy-descriptor.ts';
import type { KnnGraph } from '../domain/similarity/knn-graph.ts';
import { knnGraph, type VectorBatch } from '../index/knn-graph.ts';
import type { VectorIndex } from '../ports/vector-index.ts';
import { startCopyLevelsThread } from './copy-levels.ts';

/** The graph's nodes: node i is the vector of key seqs[i]. */
export interface GraphNodes {
  seqs: readonly number[];
  /** exactOf[i] = the first node with i's bytes. */
  exactOf: Int32Array;
  /** Copy descriptors by node; emptied once packed. */
  descriptors: Uint8Array[];
}

/**
 * The kNN graph of every node against the index, each edge with its calibrated similarity
 * level (1 for identical bytes, 0 without a calibration for `model`). `vectors` gives the
 * nodes' vectors again, in any order, as the store pages them. The copy checks run in their
 * thread (copy-levels.ts) while the rows stream in.
 */
export async function levelledGraph(
  index: VectorIndex,
  vectors: AsyncIterable<VectorBatch>,
  { seqs, exactOf, descriptors }: GraphNodes,
  model: string,
  neighbours: number,
  progress: (rows: number) => Promise<void>,
): Promise<KnnGraph> {
  const n = seqs.length;
  const k = Math.min(neighbours, Math.max(1, n - 1));
  const nodeOfSeq = new Map<number, number>(seqs.map((seq, i) => [seq, i]));
  const calibration = calibrationFor(model);
  const g: KnnGraph = { n, k, neighbors: new Int32Array(n * k).fill(-1), cosine: new Float32Array(n * k), level: new Float32Array(n * k), exactOf };
  const levels = calibration === null ? null : startCopyLevelsThread(packDescriptors(descriptors), calibration, (s, level) => (g.level[s] = level));
  descriptors.length = 0; // the thread's packed copy is all that is needed from here on
  try {
    let rows = 0;
    for await (const row of knnGraph(index, vectors, k)) {
      if (++rows % 1024 === 0) await progress(rows);
      const i = nodeOfSeq.get(Number(row.key))!;
      let s = i * k;
      for (const nb of row.neighbors) {
        const j = nodeOfSeq.get(Number(nb.key));
        if (j === undefined) continue;
        const cosine = 1 - nb.distance;
        g.neighbors[s] = j;
        g.cosine[s] = cosine;
        // Levels without a calibration stay 0.
        if (exactOf[i] === exactOf[j]) g.level[s] = 1;
        else levels?.queue(s, i, j, cosine);
        s++;
      }
    }
    await levels?.settled();
  } finally {
    await levels?.close();
  }
  return g;
}
