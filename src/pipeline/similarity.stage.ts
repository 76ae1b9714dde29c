import type { KnnGraph } from '../domain/similarity/knn-graph.ts';
import type { EntityType } from '../domain/entities.ts';
import type { Dataset, Task } from '../domain/types.ts';
import type { EmbeddedItem } from '../ports/similarity-repo.ts';
import type { VectorIndex } from '../ports/vector-index.ts';
import type { PipelineDeps } from './deps.ts';
import { reembedStale } from './similarity-reembed.ts';
import { startGraphAnalysisThread } from './graph-analysis.ts';
import { levelledGraph } from './levelled-graph.ts';
import { embeddingPages, loadSavedIndex, saveIndex } from './saved-index.ts';
import { writeSimilarityResults } from './similarity-results.ts';
import { stageReporter } from './stage-progress.ts';
import { buildTextIndexes } from './text-index.ts';

/**
 * The dataset-level half of SPEC §5, run once every item is embedded: builds the ANN index over
 * the embeddings, streams the kNN graph out of it (never an N×N matrix), and derives duplicate
 * groups, clusters, uniqueness, outliers and issues from that graph. Images (with frames) and
 * detected objects each get their own index and graph, and their text-aligned vectors (from
 * enrichment) an index of their own. Re-running it replaces every result, so
 * a retried or repeated run converges to the same state. The results of both entities are
 * written as a new generation that readers see only once all of it is written: until then,
 * and after a failure, abort or crash on the way, they see the previous results whole.
 */
export async function similarityStage(deps: PipelineDeps, dataset: Dataset, task: Task): Promise<void> {
  const model = deps.media.embeddingModel;
  const report = stageReporter(deps, task);
  const images = Math.max(1, dataset.nImages + dataset.nFrames);
  const share = images / (images + dataset.nObjects);
  await reembedStale(deps, dataset.id, model);
  const generation = await deps.store.similarity.startResults(dataset.id);
  await entitySimilarity(deps, dataset.id, generation, model, 'IMAGES', images, (f) => report(share * f));
  if (dataset.nObjects > 0) await entitySimilarity(deps, dataset.id, generation, model, 'OBJECTS', dataset.nObjects, (f) => report(share + (1 - share) * f));
  await deps.store.similarity.publishResults(dataset.id, generation);
  await buildTextIndexes(deps, dataset.id);
  await report(1);
}

/** Writes the entity's results as `generation`: none when it has no embeddings. */
async function entitySimilarity(deps: PipelineDeps, datasetId: string, generation: number, model: string, entity: EntityType, expected: number, report: (fraction: number) => Promise<void>): Promise<void> {
  const analysis = startGraphAnalysisThread();
  try {
    // Building the index and searching every item take about the same time; writing is quick.
    const built = await buildIndex(deps, datasetId, model, entity, (n) => report(0.45 * (n / expected)));
    if (built === null) return;
    const { index, items } = built;
    try {
      const graph = await knnGraphOf(deps, datasetId, model, entity, built, (rows) => report(0.45 + 0.45 * (rows / items.length)));
      await writeSimilarityResults(deps, datasetId, generation, items, graph, analysis, entity);
      await saveIndex(deps, datasetId, model, index, items.length, entity);
    } finally {
      await index.close();
    }
  } finally {
    await analysis.close();
  }
}

interface BuiltIndex {
  index: VectorIndex;
  items: EmbeddedItem[];
  descriptors: Uint8Array[];
}

/**
 * The index over every embedding of the dataset: the saved one when it holds exactly them (a
 * reindex, or a retry after the index was saved), otherwise a new build. The embeddings are
 * read either way, for the graph's nodes and copy descriptors.
 */
async function buildIndex(deps: PipelineDeps, datasetId: string, model: string, entity: EntityType, progress: (added: number) => Promise<void>, reuse = true): Promise<BuiltIndex | null> {
  const saved = reuse ? await loadSavedIndex(deps, datasetId, model, entity) : null;
  const items: EmbeddedItem[] = [];
  const descriptors: Uint8Array[] = [];
  let index: VectorIndex | null = null;
  let dimension = 0;
  try {
    for await (const page of embeddingPages(deps, datasetId, model, entity)) {
      dimension = page.dimension;
      if (saved === null) {
        index ??= await deps.vectors.create(page.dimension);
        await index.add(page.items.map((i) => i.seq), page.vectors);
      }
      items.push(...page.items);
      descriptors.push(...page.copyDescriptors);
      await progress(items.length);
    }
  } catch (err) {
    await Promise.all([index?.close(), saved?.close()]);
    throw err;
  }
  if (saved === null) return index === null ? null : { index, items, descriptors };
  if (items.length > 0 && saved.dimensions === dimension && (await saved.size()) === items.length) {
    deps.logger.info({ datasetId, size: items.length }, 'reusing the saved vector index');
    return { index: saved, items, descriptors };
  }
  await saved.close();
  return buildIndex(deps, datasetId, model, entity, progress, false);
}

/** Node i of the graph is items[i]; neighbours come back as seqs and are mapped to nodes. */
function knnGraphOf(deps: PipelineDeps, datasetId: string, model: string, entity: EntityType, { index, items, descriptors }: BuiltIndex, progress: (rows: number) => Promise<void>): Promise<KnnGraph> {
  const vectors = (async function* () {
    for await (const page of embeddingPages(deps, datasetId, model, entity)) yield { keys: page.items.map((i) => i.seq), vectors: page.vectors };
  })();
  const nodes = { seqs: items.map((it) => it.seq), exactOf: exactCopies(items), descriptors };
  return levelledGraph(index, vectors, nodes, model, deps.similarity.neighbours, deps.similarity.copyCheckThreads, progress);
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
