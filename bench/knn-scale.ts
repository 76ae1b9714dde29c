/**
 * kNN index at scale: node --import tsx bench/knn-scale.ts [--n 100000] [--d 1280] [--quant f16]
 * [--m 32] [--ef-add 128] [--ef-search 256] [--no-graph] [--no-save] [--cap-min 25] … (defaults
 * shown; index parameters default to src/index/usearch-index.ts's).
 *
 * Builds the usearch VectorIndex (src/index/usearch-index.ts, through the VectorIndex port, so
 * in its worker thread) over N synthetic clustered embeddings, then the full kNN graph
 * (src/index/knn-graph.ts, k = 10), and prints: build (index add) time, graph time, peak RSS,
 * single-query p50/p99, recall@10 against exact brute force, distance error of the quantised
 * vectors against exact f32 cosine, and how busy / late the event loop was while the index worked.
 *
 * Data: `--clusters` Gaussian clusters (default 10 000) on the unit sphere, their centres
 * grouped around 100 super-centres (coarse topics), each cluster with its own spread, plus 1 %
 * near-copies of the previous point (the duplicates Strata looks for). Generated from a seed in
 * fixed chunks, so any chunk can be regenerated and the data is never held whole (1M × 1280
 * f32 would be 5 GB); the graph pass streams the same data again, as Strata streams embeddings
 * back from its store.
 *
 * --cap-min (default 25) bounds the run: a phase still running at the cap stops and its full
 * time is projected from the rate so far (marked "proj.").
 * --index-file F saves the built index to F; when F exists, it is loaded instead of built (the
 * data is still streamed for the exact references), e.g. to time the graph alone at 1M.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { exactSearch, MetricKind } from 'usearch';
import { knnGraph, type VectorBatch } from '../src/index/knn-graph.ts';
import type { VectorIndex } from '../src/ports/vector-index.ts';
import { defaultUsearchParams, usearchBackend, type UsearchParams } from '../src/index/usearch-index.ts';
import { fmt, machineLine, percentile, sleep, table } from './lib.ts';
import { seededRandom as rng } from '../src/lib/seeded-random.ts';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    d: { type: 'string', default: '1280' },
    clusters: { type: 'string', default: '10000' },
    k: { type: 'string', default: '10' },
    quant: { type: 'string', default: defaultUsearchParams.quantization },
    m: { type: 'string', default: String(defaultUsearchParams.connectivity) },
    'ef-add': { type: 'string', default: String(defaultUsearchParams.expansionAdd) },
    'ef-search': { type: 'string', default: String(defaultUsearchParams.expansionSearch) },
    threads: { type: 'string', default: String(defaultUsearchParams.threads) },
    queries: { type: 'string', default: '1000' },
    'recall-queries': { type: 'string', default: '200' },
    'no-graph': { type: 'boolean', default: false },
    'no-save': { type: 'boolean', default: false },
    'cap-min': { type: 'string', default: '25' },
    'index-file': { type: 'string' },
    seed: { type: 'string', default: '7' },
  },
});
const N = Number(args.n);
const D = Number(args.d);
const K = Number(args.k);
const CHUNK = 4096;
const params: UsearchParams = {
  quantization: args.quant as UsearchParams['quantization'],
  connectivity: Number(args.m),
  expansionAdd: Number(args['ef-add']),
  expansionSearch: Number(args['ef-search']),
  threads: Number(args.threads),
};
const deadline = Date.now() + Number(args['cap-min']) * 60_000;

// ---------------------------------------------------------------------------------------------
// synthetic clustered embeddings


/** Fills `out` with N(0, sigma²) values (Box–Muller, both outputs used). */
function gaussians(rand: () => number, out: Float32Array, sigma: number): void {
  for (let i = 0; i < out.length; i += 2) {
    const r = sigma * Math.sqrt(-2 * Math.log(1 - rand()));
    const th = 2 * Math.PI * rand();
    out[i] = r * Math.cos(th);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(th);
  }
}

function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

interface Model {
  centres: Float32Array;
  spreads: Float32Array;
}

/** x = normalize(a + s·g), g ~ N(0, I/d): cos(x, a) ≈ 1/√(1 + s²). */
function makeModel(seed: number, clusters: number, d: number): Model {
  const rand = rng(seed);
  const supers = Array.from({ length: 100 }, () => {
    const v = new Float32Array(d);
    gaussians(rand, v, 1);
    return normalize(v);
  });
  const centres = new Float32Array(clusters * d);
  const spreads = new Float32Array(clusters);
  const g = new Float32Array(d);
  for (let c = 0; c < clusters; c++) {
    gaussians(rand, g, 1 / Math.sqrt(d));
    const row = centres.subarray(c * d, (c + 1) * d);
    const sup = supers[c % supers.length]!;
    for (let j = 0; j < d; j++) row[j] = sup[j]! + g[j]!;
    normalize(row);
    spreads[c] = 0.25 + 0.5 * rand();
  }
  return { centres, spreads };
}

/** Rows [chunk × CHUNK, …) of the stream `stream` (0 = the dataset, 1 = held-out queries). */
/** `copies`, when given, receives the rows (within the chunk) that are near-copies of the row before. */
function chunkOf(model: Model, seed: number, stream: number, chunk: number, rows: number, copies?: number[]): Float32Array {
  const rand = rng(seed * 1_000_003 + stream * 7_919_009 + chunk * 2_654_435_761);
  const out = new Float32Array(rows * D);
  const g = new Float32Array(D);
  const clusters = model.spreads.length;
  for (let i = 0; i < rows; i++) {
    const row = out.subarray(i * D, (i + 1) * D);
    const copy = i > 0 && rand() < 0.01;
    if (copy) copies?.push(i);
    const c = Math.floor(rand() * clusters);
    gaussians(rand, g, (copy ? 0.02 : model.spreads[c]!) / Math.sqrt(D));
    const base = copy ? out.subarray((i - 1) * D, i * D) : model.centres.subarray(c * D, (c + 1) * D);
    for (let j = 0; j < D; j++) row[j] = base[j]! + g[j]!;
    normalize(row);
  }
  return out;
}

function* dataset(model: Model, seed: number, n: number, timer: { ms: number }, copies?: number[]): Generator<VectorBatch & { offset: number }> {
  for (let chunk = 0; chunk * CHUNK < n; chunk++) {
    const t = performance.now();
    const rows = Math.min(CHUNK, n - chunk * CHUNK);
    const inChunk: number[] = [];
    const vectors = chunkOf(model, seed, 0, chunk, rows, inChunk);
    for (const i of inChunk) copies?.push(chunk * CHUNK + i);
    const keys = BigUint64Array.from({ length: rows }, (_, i) => BigInt(chunk * CHUNK + i));
    timer.ms += performance.now() - t;
    yield { keys, vectors, offset: chunk * CHUNK };
  }
}

// ---------------------------------------------------------------------------------------------
// measuring

/** CPU seconds (user + system, every thread of the process) since `since`. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
}

/** Running exact top-k of each query over the chunks seen so far. */
class ExactTopK {
  keys: number[][];
  dists: number[][];
  constructor(
    private readonly queries: Float32Array,
    private readonly k: number,
  ) {
    const q = queries.length / D;
    this.keys = Array.from({ length: q }, () => []);
    this.dists = Array.from({ length: q }, () => []);
  }
  feed(vectors: Float32Array, offset: number): void {
    const rows = vectors.length / D;
    const r = exactSearch(vectors, this.queries, D, Math.min(this.k, rows), MetricKind.Cos, params.threads);
    const per = Math.min(this.k, rows);
    for (let q = 0; q < this.keys.length; q++) {
      const ks = this.keys[q]!;
      const ds = this.dists[q]!;
      for (let j = 0; j < per; j++) {
        ks.push(Number(r.keys[q * per + j]!) + offset);
        ds.push(r.distances[q * per + j]!);
      }
      const order = ds.map((_, i) => i).sort((a, b) => ds[a]! - ds[b]!).slice(0, this.k);
      this.keys[q] = order.map((i) => ks[i]!);
      this.dists[q] = order.map((i) => ds[i]!);
    }
  }
}

const results: string[][] = [['measure', 'value', 'target', 'ok']];
function report(measure: string, value: string, target = '', ok?: boolean): void {
  results.push([measure, value, target, ok === undefined ? '' : ok ? 'yes' : 'NO']);
  process.stdout.write(`  ${measure}: ${value}\n`);
}

// ---------------------------------------------------------------------------------------------
// the run

async function main(): Promise<void> {
  process.stdout.write(`${machineLine()}\n`);
  process.stdout.write(`knn-scale: N=${N} d=${D} clusters=${args.clusters} k=${K} params=${JSON.stringify(params)}\n`);
  const seed = Number(args.seed);
  const model = makeModel(seed, Number(args.clusters), D);
  const nRecall = Number(args['recall-queries']);
  const nLatency = Number(args.queries);
  const queries = chunkOf(model, seed, 1, 0, Math.max(nRecall, nLatency + 50));
  const exact = new ExactTopK(queries.slice(0, nRecall * D), K);

  // Members whose graph rows are checked against brute force: the first rows of evenly spaced
  // chunks (HNSW recall differs between early and late insertions, so not just the first
  // chunk). Generated up front, so their exact neighbours come from the build pass.
  const chunks = Math.ceil(N / CHUNK);
  const memberChunks = Math.min(chunks, nRecall);
  const perChunk = Math.ceil(nRecall / Math.max(1, memberChunks));
  const memberKeys: number[] = [];
  const memberRows: Float32Array[] = [];
  for (let i = 0; i < memberChunks && memberKeys.length < nRecall; i++) {
    const chunk = Math.floor((i * chunks) / memberChunks);
    const rows = Math.min(perChunk, N - chunk * CHUNK, nRecall - memberKeys.length);
    memberRows.push(chunkOf(model, seed, 0, chunk, rows));
    for (let j = 0; j < rows; j++) memberKeys.push(chunk * CHUNK + j);
  }
  const memberVectors = new Float32Array(memberKeys.length * D);
  let at = 0;
  for (const rows of memberRows) {
    memberVectors.set(rows, at);
    at += rows.length;
  }
  const exactMembers = new ExactTopK(memberVectors, K + 1);

  const indexFile = args['index-file'];
  const reuse = indexFile !== undefined && existsSync(indexFile);
  // With a reused index, the exact neighbours of the previous run are reused too (same seed).
  const exactFile = indexFile === undefined ? undefined : `${indexFile}.exact-${seed}-${nRecall}.json`;
  const cached = reuse && exactFile !== undefined && existsSync(exactFile);
  if (cached) {
    const saved = JSON.parse(readFileSync(exactFile, 'utf8')) as { queries: ExactTopK; members: ExactTopK };
    Object.assign(exact, { keys: saved.queries.keys, dists: saved.queries.dists });
    Object.assign(exactMembers, { keys: saved.members.keys, dists: saved.members.dists });
  }
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  // The same stall measure with nothing running: what the machine itself adds (other load).
  const idle: number[] = [];
  for (let i = 0; i < 10; i++) {
    await sleep(15);
    loop.reset();
    await sleep(300);
    idle.push(loop.max / 1e6);
  }
  idle.sort((a, b) => a - b);
  let t0 = performance.now();
  const index = reuse ? await usearchBackend(params).load(indexFile) : await usearchBackend(params).create(D);
  if (reuse) report('load index file (no build)', `${fmt((performance.now() - t0) / 1000)} s, ${await index.size()} vectors`);

  // build: generation and the exact references are timed apart from index.add
  const gen = { ms: 0 };
  let addMs = 0;
  let added = 0;
  let exactMs = 0;
  const stalls: number[] = [];
  let loopActiveMs = 0;
  let addCpu = 0;
  for (const batch of cached ? [] : dataset(model, seed, N, gen)) {
    if (!reuse) {
      // Only the stalls while the index works count. Generating data here blocks by design, and
      // the monitor records that block when its timer next fires: let it fire, then reset.
      await sleep(15);
      loop.reset();
      const t = performance.now();
      const cpu = process.cpuUsage();
      const elu = performance.eventLoopUtilization();
      await index.add(batch.keys, batch.vectors);
      const used = performance.eventLoopUtilization(elu);
      addMs += performance.now() - t;
      loopActiveMs += used.active;
      addCpu += cpuSeconds(cpu);
      stalls.push(loop.max / 1e6);
    }
    added += batch.keys.length;
    const t = performance.now();
    if (nRecall > 0) {
      exact.feed(batch.vectors, batch.offset);
      exactMembers.feed(batch.vectors, batch.offset);
    }
    exactMs += performance.now() - t;
    if (!reuse && Date.now() > deadline) break;
  }
  if (cached) added = N;
  const buildComplete = added === N;
  if (exactFile !== undefined && !cached && buildComplete) {
    writeFileSync(exactFile, JSON.stringify({ queries: { keys: exact.keys, dists: exact.dists }, members: { keys: exactMembers.keys, dists: exactMembers.dists } }));
  }
  if (!reuse) {
    const buildMs = buildComplete ? addMs : (addMs * N) / added;
    report('build: index add', `${fmt(buildMs / 1000)} s${buildComplete ? '' : ` proj. (${added} of ${N} added)`} = ${fmt((added / addMs) * 1000, 0)} vectors/s`, '< 900 s', buildMs < 900_000);
    report('build: CPU time of index add (all threads)', `${fmt(addCpu)} CPU-s${buildComplete ? '' : ' (part)'} → ${fmt((buildComplete ? addCpu : (addCpu * N) / added) / params.threads)} s on ${params.threads} idle cores`);
    stalls.sort((a, b) => a - b);
    // Time the main thread spent running (not waiting) while adds were in flight: a blocked
    // event loop shows here, a merely late one (CPU contention) does not.
    report('event loop busy while index.add ran', `${fmt((100 * loopActiveMs) / addMs, 2)} % of ${fmt(addMs / 1000)} s`);
    report('event loop stall per index.add call, p50 / max', `${fmt(percentile(stalls, 50))} / ${fmt(stalls.at(-1) ?? NaN)} ms (idle, no index work: ${fmt(percentile(idle, 50))} / ${fmt(idle.at(-1)!)} ms)`);
  }
  report('data generation / exact reference (not in build)', `${fmt(gen.ms / 1000)} s / ${fmt(exactMs / 1000)} s`);
  report('peak RSS after build', `${fmt(peakRssMiB(), 0)} MiB`, '< 6144 MiB', peakRssMiB() < 6144);
  if (indexFile !== undefined && !reuse && buildComplete) {
    t0 = performance.now();
    await index.save(indexFile);
    report('save index file', `${fmt((performance.now() - t0) / 1000)} s, ${fmt((await stat(indexFile)).size / 2 ** 20, 0)} MiB → ${indexFile}`);
  }

  // single queries, one at a time, through the port (includes the worker round trip)
  const lat: number[] = [];
  for (let q = 0; q < nLatency + 50; q++) {
    const v = queries.subarray(q * D, (q + 1) * D);
    const t = performance.now();
    await index.search(v, K);
    if (q >= 50) lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  report('single query p50', `${fmt(percentile(lat, 50), 2)} ms`, '< 50 ms', percentile(lat, 50) < 50);
  report('single query p99', `${fmt(percentile(lat, 99), 2)} ms`);

  if (nRecall > 0 && buildComplete) await recall(index, queries, exact, nRecall);

  if (nRecall > 0 && buildComplete) await graphRecall(index, memberKeys, memberVectors, exactMembers);
  if (!args['no-graph'] && buildComplete) await graph(index, model, seed);

  if (!args['no-save'] && buildComplete && indexFile === undefined) await saveLoad(index, queries.subarray(0, 10 * D));
  else await index.close();
  loop.disable();
  process.stdout.write(`\n${table(results)}\n${machineLine()}\n`);
}

async function recall(index: VectorIndex, queries: Float32Array, exact: ExactTopK, n: number): Promise<void> {
  const found = await index.searchBatch(queries.subarray(0, n * D), K);
  let hits = 0;
  const errors: number[] = [];
  for (let q = 0; q < n; q++) {
    const truth = new Map(exact.keys[q]!.map((key, i) => [key, exact.dists[q]![i]!]));
    const { keys, distances } = found[q]!;
    for (let j = 0; j < keys.length; j++) {
      const d = truth.get(Number(keys[j]));
      if (d === undefined) continue;
      hits++;
      errors.push(Math.abs(distances[j]! - Math.max(0, d)));
    }
  }
  errors.sort((a, b) => a - b);
  const r = hits / (n * K);
  report(`recall@${K} vs exact (${n} held-out queries)`, fmt(r, 4), '>= 0.95', r >= 0.95);
  report('|index distance − exact f32 cosine distance| p50 / p99 / max', errors.length ? `${percentile(errors, 50).toExponential(1)} / ${percentile(errors, 99).toExponential(1)} / ${errors.at(-1)!.toExponential(1)}` : 'n/a');
}

/** The graph rows of the sampled members, made by knnGraph exactly as in the full pass. */
async function graphRecall(index: VectorIndex, keys: number[], vectors: Float32Array, exactMembers: ExactTopK): Promise<void> {
  let hits = 0;
  let i = 0;
  for await (const row of knnGraph(index, [{ keys, vectors }], K)) {
    const truth = new Set(exactMembers.keys[i]!.filter((nb) => nb !== keys[i]).slice(0, K));
    for (const nb of row.neighbors) if (truth.has(Number(nb.key))) hits++;
    i++;
  }
  const r = hits / (keys.length * K);
  report(`graph recall@${K} vs exact (${keys.length} members, self excluded)`, fmt(r, 4), '>= 0.95', r >= 0.95);
}

async function graph(index: VectorIndex, model: Model, seed: number): Promise<void> {
  // Edges kept as N × k u32 (O(N·k), the size the store will hold) to check reciprocity.
  const edges = new Uint32Array(N * K).fill(0xffffffff);
  const gen = { ms: 0 };
  let rows = 0;
  const t = performance.now();
  const cpu = process.cpuUsage();
  let stopped = false;
  const copies: number[] = [];
  for await (const row of knnGraph(index, dataset(model, seed, N, gen, copies), K, { batch: 1024 })) {
    const from = Number(row.key);
    row.neighbors.forEach((nb, j) => (edges[from * K + j] = Number(nb.key)));
    rows++;
    if (rows % 8192 === 0 && Date.now() > deadline) {
      stopped = true;
      break;
    }
  }
  const ms = performance.now() - t - gen.ms;
  const total = stopped ? (ms * N) / rows : ms;
  // Generation runs on one thread, so its wall time is its CPU time.
  const graphCpu = cpuSeconds(cpu) - gen.ms / 1000;
  report(`kNN graph (k=${K}), excl. generation ${fmt(gen.ms / 1000)} s`, `${fmt(total / 1000)} s${stopped ? ` proj. (${rows} of ${N} rows)` : ''} = ${fmt((rows / ms) * 1000, 0)} rows/s`);
  report('kNN graph: CPU time (all threads, excl. generation)', `${fmt(graphCpu)} CPU-s${stopped ? ' (part)' : ''} → ${fmt((stopped ? (graphCpu * N) / rows : graphCpu) / params.threads)} s on ${params.threads} idle cores`);
  let reciprocal = 0;
  let counted = 0;
  for (let a = 0; a < rows; a++) {
    for (let j = 0; j < K; j++) {
      const b = edges[a * K + j]!;
      if (b === 0xffffffff || b >= rows) continue;
      counted++;
      for (let i = 0; i < K; i++) if (edges[b * K + i] === a) { reciprocal++; break; }
    }
  }
  // The 1 % near-copies (cosine distance ~2e-4 from the row before): what duplicate detection needs.
  const reachedCopies = copies.filter((c) => c < rows);
  let found = 0;
  for (const c of reachedCopies) if (edges.subarray(c * K, (c + 1) * K).includes(c - 1)) found++;
  report('near-copies with their original among their k neighbours', `${fmt((100 * found) / Math.max(1, reachedCopies.length), 2)} % of ${reachedCopies.length}`);
  report('graph edges reciprocated (a→b and b→a)', `${fmt((100 * reciprocal) / Math.max(1, counted))} % of ${counted}`);
  report('peak RSS after graph', `${fmt(peakRssMiB(), 0)} MiB`, '< 6144 MiB', peakRssMiB() < 6144);
}

async function saveLoad(index: VectorIndex, probe: Float32Array): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-knn-'));
  try {
    const file = join(dir, 'vectors.usearch');
    const before = await index.searchBatch(probe, K);
    let t = performance.now();
    await index.save(file);
    const saveMs = performance.now() - t;
    await index.close();
    t = performance.now();
    const loaded = await usearchBackend(params).load(file);
    const loadMs = performance.now() - t;
    const after = await loaded.searchBatch(probe, K);
    await loaded.close();
    const same = before.every((r, i) => String(r.keys) === String(after[i]!.keys) && String(r.distances) === String(after[i]!.distances));
    report('save / load', `${fmt(saveMs / 1000)} s / ${fmt(loadMs / 1000)} s, file ${fmt((await stat(file)).size / 2 ** 20, 0)} MiB, same results: ${same}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
