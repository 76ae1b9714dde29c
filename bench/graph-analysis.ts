/**
 * The similarity step's graph analysis (duplicate groups, clusters, scores) on a synthetic kNN
 * graph, run on the event loop and then in its worker thread, with the longest event-loop stall
 * seen meanwhile (what an API request in the same process would wait).
 *
 *   node --import tsx bench/graph-analysis.ts [--n 1000000] [--k 10]
 */
import { seededRandom } from '../src/lib/seeded-random.ts';
import { analyzeGraph, analyzeGraphOffThread } from '../src/pipeline/graph-analysis.ts';
import { kindFigureCount } from '../src/domain/similarity/kind-figures.ts';
import type { KnnGraph } from '../src/domain/similarity/knn-graph.ts';
import { machineLine } from './lib.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const n = arg('n', 1_000_000);
const k = arg('k', 10);
const options = { clusterThresholds: [0.9, 0.8, 0.7, 0.6, 0.55], scores: { outlierNeighbours: 5, outlierZ: 3, outlierMinItems: 20 } };

function randomGraph(seed: number): KnnGraph {
  const rnd = seededRandom(seed);
  const g: KnnGraph = { n, k, neighbors: new Int32Array(n * k), cosine: new Float32Array(n * k), level: new Float32Array(n * k), exactOf: Int32Array.from({ length: n }, (_, i) => i) };
  for (let s = 0; s < n * k; s++) {
    g.neighbors[s] = Math.floor(rnd() * n);
    g.cosine[s] = rnd();
    g.level[s] = 0.9 + 0.1 * rnd();
  }
  return g;
}

/** Kind figures spread like a varied photo set's (entropy, mode fraction, bright share, log sharpness, log Laplacian variance). */
function randomKindFigures(seed: number): Float32Array {
  const rnd = seededRandom(seed);
  return Float32Array.from({ length: n * kindFigureCount }, (_, s) => [7 - 3 * rnd() ** 3, 0.7 * rnd() ** 4, 0.2 * rnd() ** 2, 0.4 + 0.3 * rnd(), 4 + 4 * rnd()][s % kindFigureCount]!);
}

/** Runs `work` while a 10 ms timer measures how late it fires; returns wall ms and the worst lateness. */
async function withStallProbe(work: () => unknown): Promise<{ ms: number; stall: number }> {
  let stall = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last - 10);
    last = now;
  }, 10);
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 20)); // let a stalled timer report
  clearInterval(timer);
  return { ms, stall };
}

console.log(machineLine());
console.log(`graph: ${n} items × ${k} neighbours`);
// Each graph is built before its probe starts: only the analysis is measured.
const first = randomGraph(3);
const inThread = await withStallProbe(() => analyzeGraph(first, options, new Int32Array(n).fill(-1), randomKindFigures(4)));
console.log(`on the event loop: ${Math.round(inThread.ms)} ms, longest stall ${Math.round(inThread.stall)} ms`);
const second = randomGraph(3);
const offThread = await withStallProbe(() => analyzeGraphOffThread(second, options, new Int32Array(n).fill(-1), randomKindFigures(4)));
console.log(`in its worker thread: ${Math.round(offThread.ms)} ms, longest stall ${Math.round(offThread.stall)} ms`);
console.log(machineLine());
