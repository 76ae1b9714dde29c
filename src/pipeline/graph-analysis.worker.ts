import { parentPort } from 'node:worker_threads';
import type { KnnGraph } from '../domain/similarity/knn-graph.ts';
import { analyzeGraph, type GraphAnalysisOptions } from './graph-analysis.ts';

// One analysis per message; the thread is reused between similarity steps (see
// startGraphAnalysisThread). The results travel back without copies.
parentPort!.on('message', ({ graph, options, videoOf, kindFigures }: { graph: KnnGraph; options: GraphAnalysisOptions; videoOf: Int32Array; kindFigures: Float32Array }) => {
  const result = analyzeGraph(graph, options, videoOf, kindFigures);
  const tables = result.clusterTables.flatMap((t) => Object.values(t) as Int32Array[]);
  const arrays = [...result.groups, ...result.clusters, ...tables, ...Object.values(result.scores)] as Array<Int32Array | Float32Array>;
  // Equal cluster thresholds share one array: each buffer may be listed once.
  parentPort!.postMessage(result, [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))]);
});
