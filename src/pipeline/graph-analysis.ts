import { Worker } from 'node:worker_threads';
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
  scores: NeighbourScores;
}

/** Duplicate groups, clusters and per-item scores of a kNN graph (pure, synchronous). */
export function analyzeGraph(g: KnnGraph, o: GraphAnalysisOptions): GraphAnalysis {
  const byLevel = duplicateGroups(g, duplicateLevels);
  return {
    groups: duplicateLevels.map((level) => byLevel.get(level)!),
    clusters: clusterLevels(g, o.clusterThresholds),
    scores: neighbourScores(g, o.scores),
  };
}

/** A worker thread that runs one analyzeGraph; see startGraphAnalysisThread. */
export interface GraphAnalysisThread {
  /** The graph's arrays are handed over, not copied: the caller must not use them afterwards. */
  analyze(g: KnnGraph, o: GraphAnalysisOptions): Promise<GraphAnalysis>;
  /** Ends the thread; safe to call at any point, and more than once. */
  close(): Promise<void>;
}

/**
 * analyzeGraph in a worker thread of its own: at a million items it sorts ten million edges
 * (seconds of CPU), which on the event loop would stall every API request of the process.
 * A thread takes ~0.35 s to load its TypeScript, so the similarity stage starts it first and
 * the thread loads while the index is being built.
 */
export function startGraphAnalysisThread(): GraphAnalysisThread {
  const worker = new Worker(new URL('./graph-analysis.entry.mjs', import.meta.url));
  const ended = new Promise<never>((_, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`graph analysis worker exited with code ${code} before answering`)));
  });
  // Until it is asked (and if it never is), a failure is only reported by analyze().
  ended.catch(() => {});
  return {
    analyze(g, o) {
      const answered = new Promise<GraphAnalysis>((resolve) => worker.once('message', resolve));
      worker.postMessage({ graph: g, options: o }, [g.neighbors.buffer, g.cosine.buffer, g.level.buffer, g.exactOf.buffer] as ArrayBuffer[]);
      return Promise.race([answered, ended]);
    },
    close: async () => {
      await worker.terminate();
    },
  };
}

/** startGraphAnalysisThread for one analysis, thread started on the spot. */
export async function analyzeGraphOffThread(g: KnnGraph, o: GraphAnalysisOptions): Promise<GraphAnalysis> {
  const thread = startGraphAnalysisThread();
  try {
    return await thread.analyze(g, o);
  } finally {
    await thread.close();
  }
}
