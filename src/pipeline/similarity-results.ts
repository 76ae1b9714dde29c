import { setImmediate } from 'node:timers/promises';
import { qualityIssue } from '../domain/similarity/issues.ts';
import { kindFiguresOf } from '../domain/similarity/kind-figures.ts';
import { mislabelScores } from '../domain/similarity/mislabels.ts';
import { oddAspectRatioScore, oddSizeScores } from '../domain/similarity/size-issues.ts';
import type { KnnGraph } from '../domain/similarity/knn-graph.ts';
import { duplicateLevels } from '../domain/similarity/levels.ts';
import type { ClusterRow, DuplicateMember, EmbeddedItem, ItemScores } from '../ports/similarity-repo.ts';
import { objectIdBase, type EntityType } from '../domain/entities.ts';
import type { PipelineDeps } from './deps.ts';
import type { GraphAnalysisThread } from './graph-analysis.ts';

const WRITE_BATCH = 5000;

/** Datasets smaller than this have no outliers: "far from the rest" needs a rest. */
const outlierMinItems = 5;
/** Neighbours averaged in the outlier score. */
const outlierNeighbours = 5;

/**
 * Derives every dataset-level result from the graph (which it consumes, on `thread`: sorting
 * edges and clusters of a million items would stall the event loop for seconds) and writes
 * them as `generation` (see SimilarityRepo.startResults).
 */
export async function writeSimilarityResults(
  deps: PipelineDeps,
  datasetId: string,
  generation: number,
  items: readonly EmbeddedItem[],
  g: KnnGraph,
  thread: GraphAnalysisThread,
  entity: EntityType,
): Promise<void> {
  const cfg = deps.similarity;
  // Read before the graph is handed to the analysis thread.
  const mislabels = entity === 'IMAGES' ? await mislabelsOf(deps, datasetId, items, g) : null;
  const { groups, clusters, clusterTables, scores } = await thread.analyze(
    g,
    { clusterThresholds: cfg.clusterThresholds, scores: { outlierNeighbours, outlierZ: cfg.outlierZ, outlierMinItems } },
    videoOfItems(items),
    kindFiguresOf(items.map((item) => item.quality)),
  );
  const lowest = groups[0]!;
  const oddSize = oddSizeOf(items);

  const store = deps.store.similarity;
  // Objects' cluster and group ids are shifted past any image's (both are written as one generation).
  const base = entity === 'OBJECTS' ? objectIdBase : 0;
  // Rows are made one batch at a time, between writes: at a million items, whole tables of
  // row objects would hold hundreds of MB and stall the event loop while they were built.
  await writeInBatches(scoreRows(), (rows) => store.insertScores(datasetId, generation, rows));
  await writeInBatches(memberRows(), (rows) => store.insertDuplicateMembers(datasetId, generation, rows));
  await writeInBatches(clusterRows(), (rows) => store.insertClusters(datasetId, generation, rows, entity));

  function* scoreRows(): Generator<ItemScores> {
    for (let i = 0; i < items.length; i++) {
      const { quality: q, width, height } = items[i]!;
      const issue = (score: number | undefined) => (score === undefined ? null : qualityIssue(score, cfg.qualityIssueScore));
      const group = lowest[i]!;
      const outlier = scores.outlierConfidence[i]!;
      yield {
        itemId: items[i]!.itemId,
        uniqueness: scores.uniqueness[i]!,
        maxSimilarity: scores.maxSimilarity[i]!,
        nnCosine: scores.nnCosine[i]!,
        outlierScore: scores.outlierScore[i]!,
        issues: {
          duplicates: group >= 0 ? scores.maxSimilarity[i]! : null,
          outliers: outlier >= 0 ? outlier : null,
          blur: issue(q?.blur),
          dark: issue(q?.dark),
          bright: issue(q?.bright),
          mislabels: mislabels !== null && mislabels[i]! >= 0 ? mislabels[i]! : null,
          low_information: issue(q?.lowInformation),
          grayscale: issue(q?.grayscale),
          odd_aspect_ratio: width && height ? issue(oddAspectRatioScore(width, height)) : null,
          odd_size: oddSize[i] === null ? null : issue(oddSize[i]!),
        },
        dupGroup: group >= 0 ? base + group : null,
        clusters: [base + clusters[0]![i]!, base + clusters[1]![i]!, base + clusters[2]![i]!, base + clusters[3]![i]!, base + clusters[4]![i]!],
      };
    }
  }

  function* memberRows(): Generator<DuplicateMember> {
    for (const [l, level] of duplicateLevels.entries()) {
      const ids = groups[l]!;
      for (let i = 0; i < ids.length; i++) if (ids[i]! >= 0) yield { level, groupId: base + ids[i]!, itemId: items[i]!.itemId };
    }
  }

  function* clusterRows(): Generator<ClusterRow> {
    for (const [granularity, t] of clusterTables.entries()) {
      for (let rank = 0; rank < t.clusterId.length; rank++) {
        yield { granularity, clusterId: base + t.clusterId[rank]!, rank, size: t.size[rank]!, nImages: t.nImages[rank]!, nFrames: t.nFrames[rank]!, nVideos: t.nVideos[rank]! };
      }
    }
  }
}

/** Label-based mislabel candidates of the images, when the dataset has labels (null otherwise). */
async function mislabelsOf(deps: PipelineDeps, datasetId: string, items: readonly EmbeddedItem[], g: KnnGraph): Promise<Float32Array | null> {
  const labelled = await deps.store.enrichment.labelsOfDataset(datasetId);
  if (labelled.size === 0) return null;
  return mislabelScores(g, items.map((it) => labelled.get(it.itemId) ?? []));
}

/**
 * Writes `rows` in batches of WRITE_BATCH, taking each batch from the generator only when it is
 * due. SQLite's writes never wait on I/O, so without a turn given between batches the whole
 * write would hold the event loop (and every API request) for as long as it takes.
 */
async function writeInBatches<T>(rows: Iterable<T>, write: (batch: T[]) => Promise<void>): Promise<void> {
  let batch: T[] = [];
  for (const row of rows) {
    batch.push(row);
    if (batch.length === WRITE_BATCH) {
      await write(batch);
      batch = [];
      await setImmediate();
    }
  }
  if (batch.length > 0) await write(batch);
}

/** The odd_size score of each item with a size, against the others with one (null for none). */
function oddSizeOf(items: readonly EmbeddedItem[]): Array<number | null> {
  const sized = items.flatMap((item, i) => (item.width && item.height ? [{ i, width: item.width, height: item.height }] : []));
  const { scores } = oddSizeScores(sized);
  const byItem = new Array<number | null>(items.length).fill(null);
  sized.forEach(({ i }, k) => (byItem[i] = scores[k]!));
  return byItem;
}

/** For each item, a number naming the video it is a frame of (−1 for an image). */
function videoOfItems(items: readonly EmbeddedItem[]): Int32Array {
  const videos = new Map<string, number>();
  return Int32Array.from(items, ({ kind, parentId }) => {
    if (kind !== 'video_frame' || parentId === null) return -1;
    let v = videos.get(parentId);
    if (v === undefined) videos.set(parentId, (v = videos.size));
    return v;
  });
}
