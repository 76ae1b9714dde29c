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
import { reembedStale } from './similarity-reembed.ts';
import { startGraphAnalysisThread } from './graph-analysis.ts';
import { writeSimilarityResults } from './similarity-results.ts';

const PAGE = 2048;

export const vectorIndexKeyOf = (datasetId: string): string => `datasets/${datasetId}/vectors.usearch`;

/**
 * The dataset-level half of SPEC §5, run once every item is embedded: builds the ANN index over
 * the embeddings, streams the kNN graph out of it (never an N×N matrix), and derives duplicate
 * groups, clusters, uniqueness, outliers and issues from that graph. Re-running it replaces
 * every result, so a retried or repeated run converges to the same state.
 */
export async function similarityStage(deps: PipelineDeps, dataset: Dataset, task: Task): Promise<void> {
  const model = deps.media.embeddingModel;
  // Building the index and searching every item take about the same time; writing is quick.
  const report = stageReporter(deps, task);
  const expected = Math.max(1, dataset.nImages + dataset.nFrames);
  const analysis = startGraphAnalysisThread();
  try {
    await reembedStale(deps, dataset.id, model);
    const built = await buildIndex(deps, dataset.id, model, (n) => report(0.45 * (n / expected)));
    if (built === null) {
      await deps.store.similarity.clearResults(dataset.id);
      return;
    }
    const { index, items } = built;
    try {
      const graph = await knnGraphOf(deps, dataset.id, model, built, (rows) => report(0.45 + 0.45 * (rows / items.length)));
      await writeSimilarityResults(deps, dataset.id, items, graph, analysis);
      await persistIndex(deps, dataset.id, model, index, items.length);
      await report(1);
    } finally {
      await index.close();
    }
  } finally {
    await analysis.close();
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

/**
 * Records the stage's share done (0 … 1) on the task, at most once a second and only when the
 * shown percentage moves, so that a long stage shows progress without flooding the store.
 */
function stageReporter(deps: PipelineDeps, task: Task): (fraction: number) => Promise<void> {
  let shown = -1;
  let at = 0;
  return async (fraction) => {
    const percent = Math.floor(100 * Math.min(1, Math.max(0, fraction)));
    if (percent <= shown || (percent < 100 && Date.now() - at < 1000)) return;
    shown = percent;
    at = Date.now();
    await deps.store.tasks.update(task.id, { progress: percent });
  };
}

async function buildIndex(deps: PipelineDeps, datasetId: string, model: string, progress: (added: number) => Promise<void>): Promise<BuiltIndex | null> {
  const items: EmbeddedItem[] = [];
  const descriptors: Uint8Array[] = [];
  let index: VectorIndex | null = null;
  try {
    for await (const page of embeddingPages(deps, datasetId, model)) {
      index ??= await deps.vectors.create(page.dimension);
      await index.add(page.items.map((i) => i.seq), page.vectors);
      items.push(...page.items);
      descriptors.push(...page.copyDescriptors);
      await progress(items.length);
    }
  } catch (err) {
    await index?.close();
    throw err;
  }
  return index === null ? null : { index, items, descriptors };
}

/** Node i of the graph is items[i]; neighbours come back as seqs and are mapped to nodes. */
async function knnGraphOf(
  deps: PipelineDeps,
  datasetId: string,
  model: string,
  { index, items, descriptors }: BuiltIndex,
  progress: (rows: number) => Promise<void>,
): Promise<KnnGraph> {
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
  let rows = 0;
  for await (const row of knnGraph(index, source, k)) {
    if (++rows % 1024 === 0) await progress(rows);
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
