/**
 * The similarity step's kNN graph with its calibrated levels (src/pipeline/levelled-graph.ts)
 * on synthetic items in groups of near-copies: every pair inside a group passes the coarse
 * layout check and gets the local copy check (copy-verification.ts, ~2.3 ms a pair), as on a
 * dataset full of edited copies. Prints the wall time and the longest event-loop stall meanwhile
 * (perf_hooks.monitorEventLoopDelay): what an API request or an event stream of the same
 * process would wait. CPU time is printed beside the wall time, which a loaded machine inflates.
 *
 *   node --import tsx bench/copy-checks.ts [--n 1000] [--group 5] [--k 10] [--threads nproc]
 */
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config/config.ts';
import { descriptorLength, fineOffset, patternLength, wholeOffset } from '../src/domain/similarity/copy-descriptor.ts';
import { fineSide } from '../src/domain/similarity/copy-verification.ts';
import { usearchBackend } from '../src/index/usearch-index.ts';
import { seededRandom } from '../src/lib/seeded-random.ts';
import { embedderModelOf, modelIdOf } from '../src/ml/embedders.ts';
import { levelledGraph } from '../src/pipeline/levelled-graph.ts';
import { fmt, machineLine } from './lib.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const n = arg('n', 1000);
const group = arg('group', 5);
const k = arg('k', 10);
const threads = arg('threads', availableParallelism());
const dimensions = 64;
const rnd = seededRandom(11);

/** A smooth random picture: a few plane waves. */
function picture(): (x: number, y: number) => number {
  const waves = Array.from({ length: 4 }, () => ({ fx: 1 + 4 * rnd(), fy: 1 + 4 * rnd(), phase: 2 * Math.PI * rnd(), weight: rnd() }));
  return (x, y) => waves.reduce((sum, w) => sum + w.weight * Math.sin(2 * Math.PI * (w.fx * x + w.fy * y) + w.phase), 0);
}

/** side × side samples of f, noised by ± noise gray levels, stretched to 0 … 255. */
function grid(f: (x: number, y: number) => number, side: number, noise: number): number[] {
  const v = Array.from({ length: side * side }, (_, c) => f(((c % side) + 0.5) / side, (Math.floor(c / side) + 0.5) / side));
  const [lo, hi] = [Math.min(...v), Math.max(...v)];
  return v.map((x) => Math.max(0, Math.min(255, Math.round((255 * (x - lo)) / (hi - lo) + noise * (2 * rnd() - 1)))));
}

const model = modelIdOf(embedderModelOf(loadConfig().embedder));
const vectors = new Float32Array(n * dimensions);
const descriptors: Uint8Array[] = [];
let base = picture();
let centre: number[] = [];
for (let i = 0; i < n; i++) {
  if (i % group === 0) {
    base = picture();
    centre = Array.from({ length: dimensions }, () => rnd() - 0.5);
  }
  for (let d = 0; d < dimensions; d++) vectors[i * dimensions + d] = centre[d]! + 0.05 * (rnd() - 0.5);
  const d = new Uint8Array(descriptorLength);
  d.set(grid(base, 16, 4));
  d.set([40, 200], patternLength);
  d.set(grid(base, fineSide, 4), fineOffset);
  d.set(grid(base, fineSide, 4), wholeOffset);
  descriptors.push(d);
}

console.log(machineLine());
console.log(`${n} items in groups of ${group} near-copies, k = ${k}, ${threads} copy-check threads, model ${model}`);
const index = await usearchBackend().create(dimensions);
const seqs = Array.from({ length: n }, (_, i) => i + 1);
await index.add(seqs, vectors);
async function* batches() {
  yield { keys: seqs, vectors };
}
const nodes = { seqs, exactOf: Int32Array.from(seqs, (_, i) => i), descriptors };
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const g = await levelledGraph(index, batches(), nodes, model, k, threads, async () => {});
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await new Promise((r) => setTimeout(r, 50)); // a stall is recorded when the loop next turns
delay.disable();
await index.close();
let copies = 0;
for (const level of g.level) if (level >= 0.96) copies++;
console.log(`graph with levels: ${fmt(ms / 1000, 2)} s (process CPU ${fmt((cpu.user + cpu.system) / 1e6, 2)} s, all threads), longest event-loop stall ${fmt(delay.max / 1e6, 0)} ms, p99 ${fmt(delay.percentile(99) / 1e6, 0)} ms; ${copies} of ${n * k} edges at 0.96 or above`);
console.log(machineLine());
