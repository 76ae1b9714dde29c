import { reusableThreads } from '../lib/reusable-threads.ts';
import { clusterTable, type ClusterTable } from '../domain/similarity/cluster-table.ts';
import { clusterLevels, duplicateGroups } from '../domain/similarity/groups.ts';
import type { KnnGraph } from '../domain/similarity/knn-graph.ts';
import { duplicateLevels } from '../domain/similarity/levels.ts';
import { neighbourScores, type NeighbourScores, type ScoreOptions } from '../domain/similarity/scores.ts';

export interface GraphAnalysisOptions {
  clusterThresholds: readonly number[];
  scores: ScoreOptions;
}

export interface GraphAnalysis {
  /** Duplicate group of every node at each of `duplicateLevels`, in that order (−1: none). */
  groups: Int32Array[];
  /** Cluster of every node at granularity 0 … 4. */
  clusters: Int32Array[];
  /** The clusters of each granularity with their counts, ranked. */
  clusterTables: ClusterTable[];
  scores: NeighbourScores;
}

/**
 * Duplicate groups, clusters (with their table) and per-item scores of a kNN graph (pure,
 * synchronous). `videoOf[i]` names the video node i is a frame of, −1 for an image;
 * `kindFigures` are the nodes' kind figures (kind-figures.ts), for the outlier rule.
 */
export function analyzeGraph(g: KnnGraph, o: GraphAnalysisOptions, videoOf: Int32Array, kindFigures: Float32Array): GraphAnalysis {
  const byLevel = duplicateGroups(g, duplicateLevels);
  const clusters = clusterLevels(g, o.clusterThresholds);
  return {
    groups: duplicateLevels.map((level) => byLevel.get(level)!),
    clusters,
    clusterTables: clusters.map((labels) => clusterTable(labels, videoOf)),
    scores: neighbourScores(g, o.scores, kindFigures),
  };
}

/** A worker thread that runs one analyzeGraph; see startGraphAnalysisThread. */
export interface GraphAnalysisThread {
  /** The graph's arrays, videoOf and kindFigures are handed over, not copied: the caller must not use them afterwards. */
  analyze(g: KnnGraph, o: GraphAnalysisOptions, videoOf: Int32Array, kindFigures: Float32Array): Promise<GraphAnalysis>;
  /** Hands the thread back for reuse (or ends it if it failed); safe at any point, and more than once. */
  close(): Promise<void>;
}

/** Analysis threads are kept between similarity steps (reusable-threads.ts). */
const analysisThreads = reusableThreads(new URL('./graph-analysis.entry.mjs', import.meta.url));

/**
 * analyzeGraph in a worker thread of its own: at a million items it sorts ten million edges
 * (seconds of CPU), which on the event loop would stall every API request of the process.
 * A new thread takes ~0.35 s to load its TypeScript, so the similarity stage starts it first
 * and the thread loads while the index is being built; a thread released by an earlier step is
 * reused.
 */
export function startGraphAnalysisThread(): GraphAnalysisThread {
  const worker = analysisThreads.acquire();
  let failure: Error | null = null;
  let answering: { resolve(a: GraphAnalysis): void; reject(e: Error): void } | null = null;
  const fail = (err: Error) => {
    failure ??= err;
    answering?.reject(failure);
  };
  worker.on('message', (a: GraphAnalysis) => answering?.resolve(a));
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`graph analysis worker exited with code ${code} before answering`)));
  let closed = false;
  return {
    analyze(g, o, videoOf, kindFigures) {
      if (failure) return Promise.reject(failure);
      return new Promise<GraphAnalysis>((resolve, reject) => {
        answering = { resolve, reject };
        worker.postMessage({ graph: g, options: o, videoOf, kindFigures }, [g.neighbors.buffer, g.cosine.buffer, g.level.buffer, g.exactOf.buffer, videoOf.buffer, kindFigures.buffer] as ArrayBuffer[]);
      }).finally(() => {
        answering = null;
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const reusable = failure === null && answering === null;
      failure = new Error('graph analysis thread: closed');
      // A thread still analysing (its caller gave up) or one that failed is not reused.
      if (reusable) analysisThreads.release(worker);
      else await analysisThreads.discard(worker);
    },
  };
}

/** startGraphAnalysisThread for one analysis, thread started on the spot. */
export async function analyzeGraphOffThread(g: KnnGraph, o: GraphAnalysisOptions, videoOf: Int32Array, kindFigures: Float32Array): Promise<GraphAnalysis> {
  const thread = startGraphAnalysisThread();
  try {
    return await thread.analyze(g, o, videoOf, kindFigures);
  } finally {
    await thread.close();
  }
}
