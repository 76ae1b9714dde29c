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

/**
 * analyzeGraph in a worker thread of its own: at a million items it sorts ten million edges
 * (seconds of CPU), which on the event loop would stall every API request of the process.
 * The graph's arrays are handed over, not copied; the caller must not use them afterwards.
 */
export function analyzeGraphOffThread(g: KnnGraph, o: GraphAnalysisOptions): Promise<GraphAnalysis> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./graph-analysis.entry.mjs', import.meta.url), {
      workerData: { graph: g, options: o },
      transferList: [g.neighbors.buffer, g.cosine.buffer, g.level.buffer, g.exactOf.buffer] as ArrayBuffer[],
    });
    worker.once('message', (result: GraphAnalysis) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`graph analysis worker exited with code ${code} before answering`)));
  });
}
