import { describe, expect, it } from 'vitest';
import { clusterTable } from '../domain/similarity/cluster-table.ts';
import type { KnnGraph } from '../domain/similarity/knn-graph.ts';
import { duplicateLevels } from '../domain/similarity/levels.ts';
import type { ClusterRow, DuplicateMember, EmbeddedItem, ItemScores } from '../ports/similarity-repo.ts';
import type { PipelineDeps } from './deps.ts';
import type { GraphAnalysis, GraphAnalysisThread } from './graph-analysis.ts';
import { writeSimilarityResults } from './similarity-results.ts';

// The writing logic alone, over a store that records what it is given and an analysis fixed in
// advance: enough items to cross several write batches (5000 rows).
describe('writeSimilarityResults', () => {
  const n = 12_345;
  const items: EmbeddedItem[] = Array.from({ length: n }, (_, i) => ({
    seq: i + 1,
    itemId: `item-${i}`,
    // Items 990–999 of every thousand: frames of one video per two thousand items.
    kind: i % 1000 >= 990 ? 'video_frame' : 'image',
    parentId: i % 1000 >= 990 ? `video-${Math.floor(i / 2000)}` : null,
    byteHash: null,
    phash: null,
    quality: i % 3 === 0 ? { blurVariance: 10, brightnessMean: 100, darkFraction: 0, brightFraction: 0, blur: 0.9, dark: 0, bright: 0, grayscale: 1 } : null,
    // Every hundredth item is a 4000 × 500 strip among 2000 × 1500 photos: odd in shape, not in size.
    // Every 101st is a 64 × 48 thumbnail: odd in size.
    ...(i % 100 === 0 ? { width: 4000, height: 500 } : i % 101 === 0 ? { width: 64, height: 48 } : { width: 2000, height: 1500 }),
  }));
  // Level l groups every item whose index is divisible by l + 2, in pairs.
  const groups = duplicateLevels.map((_, l) => Int32Array.from({ length: n }, (_, i) => (i % (l + 2) === 0 ? Math.floor(i / (2 * (l + 2))) : -1)));
  const clusters = [1, 10, 100, 1000, 5000].map((size) => Int32Array.from({ length: n }, (_, i) => Math.floor(i / size)));
  const scores = {
    nnCosine: Float32Array.from({ length: n }, (_, i) => (i % 100) / 100),
    maxSimilarity: Float32Array.from({ length: n }, (_, i) => 0.9 + (i % 10) / 100),
    uniqueness: Float32Array.from({ length: n }, (_, i) => 1 - (i % 100) / 100),
    outlierScore: Float32Array.from({ length: n }, (_, i) => (i % 7) / 7),
    outlierConfidence: Float32Array.from({ length: n }, (_, i) => (i % 50 === 0 ? 0.75 : -1)),
  };

  it('writes one score row per item, every duplicate membership and every cluster, in bounded batches', async () => {
    const written = { scores: [] as ItemScores[][], members: [] as DuplicateMember[][], clusters: [] as ClusterRow[][], generations: new Set<number>() };
    const deps = {
      similarity: { neighbours: 10, clusterThresholds: [0.9, 0.8, 0.7, 0.6, 0.55], outlierZ: 3, copyCheckThreads: 2, qualityIssueScore: 0.5 },
      store: {
        similarity: {
          insertScores: async (_: string, g: number, rows: ItemScores[]) => void (written.generations.add(g), written.scores.push(rows)),
          insertDuplicateMembers: async (_: string, g: number, rows: DuplicateMember[]) => void (written.generations.add(g), written.members.push(rows)),
          insertClusters: async (_: string, g: number, rows: ClusterRow[]) => void (written.generations.add(g), written.clusters.push(rows)),
        },
        enrichment: { labelsOfDataset: async () => new Map() },
      },
    } as unknown as PipelineDeps;
    const thread: GraphAnalysisThread = {
      analyze: async (_g, _o, videoOf) => ({ groups, clusters, clusterTables: clusters.map((labels) => clusterTable(labels, videoOf)), scores }) satisfies GraphAnalysis,
      close: async () => {},
    };

    await writeSimilarityResults(deps, 'd', 7, items, {} as KnnGraph, thread, 'IMAGES');

    // Every row as the generation the stage started.
    expect([...written.generations]).toEqual([7]);
    for (const batches of [written.scores, written.members, written.clusters]) {
      expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(5000);
      expect(batches.every((b) => b.length > 0)).toBe(true);
    }
    const rows = written.scores.flat();
    expect(rows.map((r) => r.itemId)).toEqual(items.map((it) => it.itemId));
    expect(rows[6]).toMatchObject({
      itemId: 'item-6',
      dupGroup: 1,
      uniqueness: scores.uniqueness[6],
      issues: { duplicates: scores.maxSimilarity[6], outliers: null, blur: expect.any(Number), dark: null, bright: null },
      clusters: [6, 0, 0, 0, 0],
    });
    expect(rows[7]).toMatchObject({ dupGroup: null, issues: { duplicates: null, blur: null, grayscale: null, odd_size: null, odd_aspect_ratio: null } });
    // Items analysed before the newer figures existed have none of their issues.
    expect(rows[6]!.issues).toMatchObject({ grayscale: 1, low_information: null });
    expect(rows[200]!.issues).toMatchObject({ odd_aspect_ratio: 1, odd_size: null });
    expect(rows[202]!.issues).toMatchObject({ odd_aspect_ratio: null, odd_size: 1 });
    expect(rows[50]!.issues.outliers).toBeCloseTo(0.75);

    const members = written.members.flat();
    const expected = duplicateLevels.flatMap((level, l) => items.flatMap((it, i) => (groups[l]![i]! >= 0 ? [{ level, groupId: groups[l]![i]!, itemId: it.itemId }] : [])));
    expect(members).toEqual(expected);

    const clusterRows = written.clusters.flat();
    expect(clusterRows.filter((r) => r.granularity === 0)).toHaveLength(n);
    expect(clusterRows.filter((r) => r.granularity === 4)).toEqual([
      { granularity: 4, clusterId: 0, rank: 0, size: 5000, nImages: 4950, nFrames: 50, nVideos: 3 },
      { granularity: 4, clusterId: 1, rank: 1, size: 5000, nImages: 4950, nFrames: 50, nVideos: 3 },
      { granularity: 4, clusterId: 2, rank: 2, size: 2345, nImages: 2325, nFrames: 20, nVideos: 1 },
    ]);
  });
});
