import { qualityIssue } from '../domain/similarity/issues.ts';
import type { KnnGraph } from '../domain/similarity/knn-graph.ts';
import { duplicateLevels } from '../domain/similarity/levels.ts';
import type { ClusterRow, DuplicateMember, EmbeddedItem, ItemScores } from '../ports/store.ts';
import type { PipelineDeps } from './deps.ts';
import type { GraphAnalysisThread } from './graph-analysis.ts';

const WRITE_BATCH = 5000;

/** Datasets smaller than this have no outliers: "far from the rest" needs a rest. */
const outlierMinItems = 20;
/** Neighbours averaged in the outlier score. */
const outlierNeighbours = 5;

/**
 * Derives every dataset-level result from the graph (which it consumes, on `thread`: sorting
 * edges and clusters of a million items would stall the event loop for seconds) and replaces
 * the stored ones.
 */
export async function writeSimilarityResults(deps: PipelineDeps, datasetId: string, items: readonly EmbeddedItem[], g: KnnGraph, thread: GraphAnalysisThread): Promise<void> {
  const cfg = deps.similarity;
  const { groups, clusters, clusterTables, scores } = await thread.analyze(
    g,
    { clusterThresholds: cfg.clusterThresholds, scores: { outlierNeighbours, outlierZ: cfg.outlierZ, outlierMinItems } },
    videoOfItems(items),
  );
  const lowest = groups[0]!;

  const store = deps.store.similarity;
  await store.clearResults(datasetId);
  // Rows are built one batch at a time, between writes: at a million items, the whole table of
  // score objects would hold hundreds of MB and stall the event loop while it was built.
  const scoreRow = (i: number): ItemScores => {
    const q = items[i]!.quality;
    const group = lowest[i]!;
    const outlier = scores.outlierConfidence[i]!;
    return {
      itemId: items[i]!.itemId,
      uniqueness: scores.uniqueness[i]!,
      maxSimilarity: scores.maxSimilarity[i]!,
      nnCosine: scores.nnCosine[i]!,
      outlierScore: scores.outlierScore[i]!,
      issues: {
        duplicates: group >= 0 ? scores.maxSimilarity[i]! : null,
        outliers: outlier >= 0 ? outlier : null,
        blur: q ? qualityIssue(q.blur, cfg.qualityIssueScore) : null,
        dark: q ? qualityIssue(q.dark, cfg.qualityIssueScore) : null,
        bright: q ? qualityIssue(q.bright, cfg.qualityIssueScore) : null,
        mislabels: null,
      },
      dupGroup: group >= 0 ? group : null,
      clusters: [clusters[0]![i]!, clusters[1]![i]!, clusters[2]![i]!, clusters[3]![i]!, clusters[4]![i]!],
    };
  };
  for (let s = 0; s < items.length; s += WRITE_BATCH) {
    const rows: ItemScores[] = [];
    for (let i = s; i < Math.min(items.length, s + WRITE_BATCH); i++) rows.push(scoreRow(i));
    await store.insertScores(datasetId, rows);
  }

  let members: DuplicateMember[] = [];
  for (const [l, level] of duplicateLevels.entries()) {
    const ids = groups[l]!;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i]! < 0) continue;
      members.push({ level, groupId: ids[i]!, itemId: items[i]!.itemId });
      if (members.length === WRITE_BATCH) {
        await store.insertDuplicateMembers(datasetId, members);
        members = [];
      }
    }
  }
  if (members.length > 0) await store.insertDuplicateMembers(datasetId, members);

  for (const [granularity, table] of clusterTables.entries()) {
    for (let s = 0; s < table.clusterId.length; s += WRITE_BATCH) {
      const rows: ClusterRow[] = [];
      for (let rank = s; rank < Math.min(table.clusterId.length, s + WRITE_BATCH); rank++) {
        rows.push({
          granularity,
          clusterId: table.clusterId[rank]!,
          rank,
          size: table.size[rank]!,
          nImages: table.nImages[rank]!,
          nFrames: table.nFrames[rank]!,
          nVideos: table.nVideos[rank]!,
        });
      }
      await store.insertClusters(datasetId, rows);
    }
  }
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
