import { calibrationFor } from '../domain/similarity/calibration.ts';
import { mergeIntoGroups, type LevelEdge } from '../domain/similarity/group-merge.ts';
import type { Dataset, Task } from '../domain/types.ts';
import type { EmbeddingPage } from '../ports/similarity-repo.ts';
import type { VectorIndex } from '../ports/vector-index.ts';
import { knnGraph } from '../index/knn-graph.ts';
import { startCopyLevelsThreads } from './copy-levels.ts';
import type { PipelineDeps } from './deps.ts';
import { pipelineOptionsOf } from './graph.ts';
import { embeddingPages, loadSavedIndex, saveIndex } from './saved-index.ts';
import { similarityStage } from './similarity.stage.ts';
import { stageReporter } from './stage-progress.ts';
import { enrichmentOutputsOf } from './detect.stage.ts';
import { buildTextIndexes } from './text-index.ts';

/**
 * After media were added: the new items join the dataset's saved ANN index (no rebuild) and
 * are checked against every item for duplicates — their nearest neighbours' calibrated levels
 * and identical bytes are folded into the existing duplicate groups; text-aligned indexes are
 * rebuilt when the new items have such vectors. Clusters, uniqueness and outliers stay as they
 * were until a reindex. Re-running converges: adding a key again
 * replaces it, and merging edges already merged changes nothing.
 *
 * Without a saved index of the current model (none yet, another model's, or a damaged one)
 * there is nothing to extend, and the full similarity stage runs instead: its results cover
 * every item, so the addition ends READY rather than PARTIAL INDEX (recorded on the task as
 * `fullSimilarityPass`, set on every run so that a retry that extends clears it). With
 * auto_reindex it runs next anyway, as the addition's own similarity stage.
 */
export async function extendStage(deps: PipelineDeps, dataset: Dataset, task: Task): Promise<void> {
  const model = deps.media.embeddingModel;
  const index = await loadSavedIndex(deps, dataset.id, model);
  if (index === null) return fullPass(deps, dataset, task);
  const report = stageReporter(deps, task);
  const expected = Math.max(1, task.done);
  let indexClosed = false;
  try {
    let added = 0;
    for await (const page of embeddingPages(deps, dataset.id, model, 'IMAGES', task.id)) {
      if (page.dimension !== index.dimensions) {
        await index.close();
        indexClosed = true;
        return fullPass(deps, dataset, task);
      }
      await index.add(page.items.map((i) => i.seq), page.vectors);
      added += page.items.length;
      await report(0.3 * Math.min(1, added / expected));
    }
    let searched = 0;
    const edges: LevelEdge[] = [];
    for await (const page of embeddingPages(deps, dataset.id, model, 'IMAGES', task.id)) {
      edges.push(...(await neighbourEdges(deps, dataset.id, model, index, page)), ...(await identicalEdges(deps, dataset.id, page)));
      searched += page.items.length;
      await report(0.3 + 0.6 * Math.min(1, searched / expected));
    }
    const existing = await deps.store.media.groupsOfItems(dataset.id, [...new Set(edges.flatMap((e) => [e.a, e.b]))]);
    const merge = mergeIntoGroups(edges, existing, await deps.store.similarity.nextDuplicateGroupId(dataset.id));
    await deps.store.similarity.mergeDuplicateGroups(dataset.id, merge);
    await saveIndex(deps, dataset.id, model, index, await index.size());
    // Media added to a copy with text-aligned vectors: text search finds them from now on.
    if (enrichmentOutputsOf(task.params).textVectors) await buildTextIndexes(deps, dataset.id);
    deps.logger.info({ datasetId: dataset.id, added, edges: edges.length, groupsMerged: merge.relabels.length }, 'extended the vector index with the added media');
    await recordFullPass(deps, task, false);
    await report(1);
  } finally {
    if (!indexClosed) await index.close();
  }
}

/** With auto_reindex the similarity stage that follows is that full pass: running it here too would do it twice. */
async function fullPass(deps: PipelineDeps, dataset: Dataset, task: Task): Promise<void> {
  if (pipelineOptionsOf(task.params).autoReindex === true) return recordFullPass(deps, task, false);
  await similarityStage(deps, dataset, task);
  await recordFullPass(deps, task, true);
}

function recordFullPass(deps: PipelineDeps, task: Task, fullSimilarityPass: boolean): Promise<void> {
  return deps.store.tasks.update(task.id, { params: { ...task.params, fullSimilarityPass } });
}

/** Each new item's nearest neighbours (old and new), with their calibrated similarity levels (copy checks in their threads). */
async function neighbourEdges(deps: PipelineDeps, datasetId: string, model: string, index: VectorIndex, page: EmbeddingPage): Promise<LevelEdge[]> {
  const k = deps.similarity.neighbours;
  const rows = [];
  for await (const row of knnGraph(index, [{ keys: page.items.map((i) => i.seq), vectors: page.vectors }], k)) rows.push(row);
  const neighbourSeqs = [...new Set(rows.flatMap((r) => r.neighbors.map((n) => Number(n.key))))];
  const neighbours = await deps.store.similarity.embeddingsOfSeqs(datasetId, model, neighbourSeqs);
  const nodeOfNeighbour = new Map(neighbours.items.map((it, j) => [it.seq, j + page.items.length]));
  const calibration = calibrationFor(model);
  const edges: LevelEdge[] = [];
  // Descriptors of the page's items first, then of their neighbours; levels without a calibration stay 0.
  const descriptors = [...page.copyDescriptors, ...neighbours.copyDescriptors];
  const levels = calibration === null ? null : startCopyLevelsThreads(descriptors, calibration, deps.similarity.copyCheckThreads, (e, level) => (edges[e]!.level = level));
  try {
    rows.forEach((row, i) => {
      const item = page.items[i]!;
      for (const nb of row.neighbors) {
        const j = nodeOfNeighbour.get(Number(nb.key));
        if (j === undefined) continue;
        const other = neighbours.items[j - page.items.length]!;
        const identical = item.byteHash !== null && item.byteHash === other.byteHash;
        edges.push({ a: item.itemId, b: other.itemId, level: identical ? 1 : 0 });
        // The earlier-added item first, as the similarity stage checks the pair.
        if (!identical) levels?.queue(item.seq < other.seq ? i : j, item.seq < other.seq ? j : i, edges.length - 1, 1 - nb.distance);
      }
    });
    await levels?.settled();
  } finally {
    await levels?.close();
  }
  return edges;
}

/**
 * Identical bytes join at 1.0 whatever the ANN index returned (more than k copies of a file
 * would push some out of each other's rows): each new item is linked to the first item, in id
 * order, with its bytes.
 */
async function identicalEdges(deps: PipelineDeps, datasetId: string, page: EmbeddingPage): Promise<LevelEdge[]> {
  const hashes = [...new Set(page.items.flatMap((i) => (i.byteHash === null ? [] : [i.byteHash])))];
  const firstOf = new Map<string, string[]>();
  for (const { itemId, byteHash } of await deps.store.similarity.itemsWithByteHashes(datasetId, hashes)) {
    const ids = firstOf.get(byteHash) ?? [];
    if (ids.length < 2) firstOf.set(byteHash, [...ids, itemId]);
  }
  return page.items.flatMap((item) => {
    const [first, second] = item.byteHash === null ? [] : (firstOf.get(item.byteHash) ?? []);
    const other = first === item.itemId ? second : first;
    return other === undefined ? [] : [{ a: item.itemId, b: other, level: 1 }];
  });
}
