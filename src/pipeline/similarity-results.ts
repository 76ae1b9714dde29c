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
 * Derives every dataset-level result from the graph (which it consumes, on `thread`) and
 * replaces the stored ones.
 */
export async function writeSimilarityResults(deps: PipelineDeps, datasetId: string, items: readonly EmbeddedItem[], g: KnnGraph, thread: GraphAnalysisThread): Promise<void> {
  const cfg = deps.similarity;
  const { groups, clusters, scores } = await thread.analyze(g, {
    clusterThresholds: cfg.clusterThresholds,
    scores: { outlierNeighbours, outlierZ: cfg.outlierZ, outlierMinItems },
  });
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

  const clusterRows = clusters.flatMap((ids, granularity) => clusterTable(ids, items, granularity));
  for (let s = 0; s < clusterRows.length; s += WRITE_BATCH) await store.insertClusters(datasetId, clusterRows.slice(s, s + WRITE_BATCH));
}

/** One row per cluster with its counts, ranked biggest first (ties by id) for paging. */
function clusterTable(ids: Int32Array, items: readonly EmbeddedItem[], granularity: number): ClusterRow[] {
  const byId = new Map<number, ClusterRow>();
  const videos = new Map<number, Set<string>>();
  ids.forEach((clusterId, i) => {
    let row = byId.get(clusterId);
    if (!row) byId.set(clusterId, (row = { granularity, clusterId, rank: 0, size: 0, nImages: 0, nFrames: 0, nVideos: 0 }));
    row.size++;
    const { kind, parentId } = items[i]!;
    if (kind !== 'video_frame') row.nImages++;
    else {
      row.nFrames++;
      if (parentId !== null) videos.set(clusterId, (videos.get(clusterId) ?? new Set()).add(parentId));
    }
  });
  for (const [clusterId, parents] of videos) byId.get(clusterId)!.nVideos = parents.size;
  const rows = [...byId.values()].sort((a, b) => b.size - a.size || a.clusterId - b.clusterId);
  rows.forEach((r, rank) => (r.rank = rank));
  return rows;
}
