import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { calibrationFor } from '../domain/similarity/calibration.ts';
import type { KnnGraph } from '../domain/similarity/knn-graph.ts';
import { descriptorCosine, packDescriptors } from '../domain/similarity/copy-descriptor.ts';
import { similarityLevel } from '../domain/similarity/levels.ts';
import type { Dataset, Task } from '../domain/types.ts';
import type { EmbeddedItem } from '../ports/store.ts';
import type { VectorIndex } from '../ports/vector-index.ts';
import { knnGraph } from '../index/knn-graph.ts';
import { isoMicros } from '../lib/time.ts';
import type { PipelineDeps } from './deps.ts';
import { writeSimilarityResults } from './similarity-results.ts';

const PAGE = 2048;

export const vectorIndexKeyOf = (datasetId: string): string => `datasets/${datasetId}/vectors.usearch`;

/**
 * The dataset-level half of SPEC §5, run once every item is embedded: builds the ANN index over
 * the embeddings, streams the kNN graph out of it (never an N×N matrix), and derives duplicate
 * groups, clusters, uniqueness, outliers and issues from that graph. Re-running it replaces
 * every result, so a retried or repeated run converges to the same state.
 */
export async function similarityStage(deps: PipelineDeps, dataset: Dataset, _task: Task): Promise<void> {
  const model = deps.media.embeddingModel;
  const built = await buildIndex(deps, dataset.id, model);
  if (built === null) {
    await deps.store.similarity.clearResults(dataset.id);
    return;
  }
  const { index, items } = built;
  try {
    const graph = await knnGraphOf(deps, dataset.id, model, built);
    await writeSimilarityResults(deps, dataset.id, items, graph);
    await persistIndex(deps, dataset.id, model, index, items.length);
  } finally {
    await index.close();
  }
}

async function* embeddingPages(deps: PipelineDeps, datasetId: string, model: string) {
  for (let after = 0; ; ) {
    const page = await deps.store.similarity.embeddingPage(datasetId, model, after, PAGE);
    if (page.items.length === 0) return;
    yield page;
    after = page.items[page.items.length - 1]!.seq;
  }
}

interface BuiltIndex {
  index: VectorIndex;
  items: EmbeddedItem[];
  descriptors: Uint8Array[];
}

async function buildIndex(deps: PipelineDeps, datasetId: string, model: string): Promise<BuiltIndex | null> {
  const items: EmbeddedItem[] = [];
  const descriptors: Uint8Array[] = [];
  let index: VectorIndex | null = null;
  try {
    for await (const page of embeddingPages(deps, datasetId, model)) {
      index ??= await deps.vectors.create(page.dimension);
      await index.add(page.items.map((i) => i.seq), page.vectors);
      items.push(...page.items);
      descriptors.push(...page.copyDescriptors);
    }
  } catch (err) {
    await index?.close();
    throw err;
  }
  return index === null ? null : { index, items, descriptors };
}

/** Node i of the graph is items[i]; neighbours come back as seqs and are mapped to nodes. */
async function knnGraphOf(deps: PipelineDeps, datasetId: string, model: string, { index, items, descriptors }: BuiltIndex): Promise<KnnGraph> {
  const n = items.length;
  const k = Math.min(deps.similarity.neighbours, Math.max(1, n - 1));
  const nodeOfSeq = new Map<number, number>(items.map((it, i) => [it.seq, i]));
  const exactOf = exactCopies(items);
  const packed = packDescriptors(descriptors);
  descriptors.length = 0; // the packed copy is all that is needed from here on
  const calibration = calibrationFor(model);
  const g: KnnGraph = { n, k, neighbors: new Int32Array(n * k).fill(-1), cosine: new Float32Array(n * k), level: new Float32Array(n * k), exactOf };
  const source = (async function* () {
    for await (const page of embeddingPages(deps, datasetId, model)) yield { keys: page.items.map((i) => i.seq), vectors: page.vectors };
  })();
  for await (const row of knnGraph(index, source, k)) {
    const i = nodeOfSeq.get(Number(row.key))!;
    let s = i * k;
    for (const nb of row.neighbors) {
      const j = nodeOfSeq.get(Number(nb.key));
      if (j === undefined) continue;
      const cosine = 1 - nb.distance;
      g.neighbors[s] = j;
      g.cosine[s] = cosine;
      g.level[s] = exactOf[i] === exactOf[j] ? 1 : calibration === null ? 0 : similarityLevel(calibration, cosine, descriptorCosine(packed, i, j));
      s++;
    }
  }
  return g;
}

/** exactOf[i] = the first item with i's bytes. */
function exactCopies(items: readonly EmbeddedItem[]): Int32Array {
  const first = new Map<string, number>();
  return Int32Array.from(items, (it, i) => {
    if (it.byteHash === null) return i;
    const seen = first.get(it.byteHash);
    if (seen !== undefined) return seen;
    first.set(it.byteHash, i);
    return i;
  });
}

/** Saves the index where every process can load it for similarity search (SPEC §7, §11). */
async function persistIndex(deps: PipelineDeps, datasetId: string, model: string, index: VectorIndex, size: number): Promise<void> {
  const file = join(deps.tmpDir, `vectors-${datasetId}-${Date.now()}.usearch`);
  try {
    await index.save(file);
    const blobKey = vectorIndexKeyOf(datasetId);
    await deps.blobs.put(blobKey, createReadStream(file));
    await deps.store.similarity.setVectorIndex({ datasetId, blobKey, model, dimension: index.dimensions, size, builtAt: isoMicros() });
  } finally {
    await rm(file, { force: true });
  }
}
