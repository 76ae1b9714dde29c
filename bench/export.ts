/**
 * Export benchmark (node --import tsx bench/export.ts [sizes…]).
 *
 * For each dataset size (default 2 500, 10 000, 40 000 items), in a fresh process:
 * seeds an embedded store (SQLite, local blobs) with that many indexed images — facts, scores,
 * clusters, duplicate groups at every level — then runs one export job (the real handler, as
 * a worker runs it) in json and in parquet, and prints its time, the process's peak RSS while
 * it ran (sampled every 10 ms) and the zip's size. The export reads 500 items at a time and
 * streams to disk, so peak RSS should stay flat as the dataset grows. Images are not included
 * (their copy is disk-bound, one file at a time). Only prints figures.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportJobHandler } from '../src/app/export/export-job.ts';
import { loadConfig } from '../src/config/config.ts';
import { createContainer } from '../src/container.ts';
import type { ExportFormat } from '../src/domain/export.ts';
import { duplicateLevels } from '../src/domain/similarity/levels.ts';
import type { NewItem, Store } from '../src/ports/store.ts';
import type { ItemScores } from '../src/ports/similarity-repo.ts';
import { fmt, machineLine, repoDir, table, tempDir } from './lib.ts';

interface ChildResult {
  format: ExportFormat;
  seconds: number;
  peakRssMiB: number;
  /** RSS just before the export: the seeded process, SQLite's page cache included. */
  beforeRssMiB: number;
  zipMiB: number;
}

/** `n` indexed images with results, written through the store as the pipeline writes them. */
async function seed(store: Store, n: number): Promise<string> {
  const owner = await store.users.create({ email: 'bench@strata.local', passwordHash: 'x', role: 'admin' });
  const ds = await store.datasets.create({ displayName: `bench ${n}`, description: '', sourceType: 'BUCKET', sourceUri: '/bench', ownerId: owner.id });
  const task = await store.tasks.start({ datasetId: ds.id, operation: 'CREATE', stage: 'items', createdBy: owner.id }, { from: 'DRAFT', to: 'INDEXING' });
  for (let start = 0; start < n; start += 1000) {
    const batch: NewItem[] = [];
    for (let i = start; i < Math.min(n, start + 1000); i++) {
      batch.push({ datasetId: ds.id, taskId: task.id, kind: 'image', sourceKey: `k${i}`, fileName: `photo-${i}.jpg`, originalUri: `file:///bench/photo-${i}.jpg`, location: `file:/bench/photo-${i}.jpg`, sizeBytes: 2_000_000 + i, stage: 'analyze' });
    }
    await store.items.insertMany(batch);
  }
  const scores: ItemScores[] = [];
  const members: Array<{ level: number; groupId: number; itemId: string }> = [];
  let after = '';
  let i = 0;
  for (;;) {
    const items = await store.items.page(ds.id, after, 1000);
    if (items.length === 0) break;
    for (const item of items) {
      const q = { blurVariance: 100 + (i % 50), brightnessMean: 0.5, darkFraction: 0.01, brightFraction: 0.01, blur: (i % 10) / 10, dark: (i % 7) / 7, bright: 0 };
      const embedding = { model: 'bench@1', vector: new Float32Array(8).fill(i % 3), copyDescriptor: new Uint8Array(256) };
      await store.items.completeImage(item.id, 'analyze', { format: 'jpeg', width: 4000, height: 3000, exif: { Make: 'Bench' }, byteHash: `h${i}`, phash: 'ff00ff00ff00ff00', quality: q, thumbKey: `t/${i}.jpg`, embedding });
      // A duplicate group of three every ten items, at every level up to a point.
      const dup = i % 10 < 3;
      scores.push({ itemId: item.id, uniqueness: (i % 100) / 100, maxSimilarity: dup ? 0.99 : 0.8, nnCosine: 0.8, outlierScore: 0.2, issues: { duplicates: dup ? 0.99 : null, outliers: i % 97 === 0 ? 0.7 : null, blur: q.blur >= 0.5 ? q.blur : null, dark: q.dark >= 0.5 ? q.dark : null, bright: null, mislabels: null, low_information: null, odd_aspect_ratio: null, odd_size: null, grayscale: null }, dupGroup: dup ? Math.floor(i / 10) : null, clusters: [i % 500, i % 200, i % 50, i % 10, i % 3] });
      if (dup) for (const level of duplicateLevels.slice(0, 5)) members.push({ level, groupId: Math.floor(i / 10), itemId: item.id });
      i++;
    }
    after = items[items.length - 1]!.id;
  }
  const generation = await store.similarity.startResults(ds.id);
  for (let s = 0; s < scores.length; s += 1000) await store.similarity.insertScores(ds.id, generation, scores.slice(s, s + 1000));
  for (let s = 0; s < members.length; s += 1000) await store.similarity.insertDuplicateMembers(ds.id, generation, members.slice(s, s + 1000));
  await store.similarity.publishResults(ds.id, generation);
  await store.tasks.finish(task.id, { taskStatus: 'COMPLETED', errorMessage: null, datasetStatus: 'READY', fatalErrorMsg: null });
  return ds.id;
}

async function child(n: number): Promise<void> {
  const dataDir = await tempDir('strata-bench-export-');
  const ctx = await createContainer(loadConfig({ STRATA_DATA_DIR: dataDir, STRATA_LOG_LEVEL: 'warn' }));
  const datasetId = await seed(ctx.store, n);
  const owner = (await ctx.store.users.findByEmail('bench@strata.local'))!;
  const results: ChildResult[] = [];
  for (const format of ['json', 'parquet'] as const) {
    global.gc?.();
    const task = await ctx.store.exports.create({ datasetId, createdBy: owner.id, format, includeImages: false, fileName: 'bench.zip', selection: null });
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const started = performance.now();
    const outcome = await exportJobHandler(ctx)({ exportId: task.id }, { jobId: '1', attempt: 0, isLastAttempt: true });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const done = (await ctx.store.exports.get(task.id))!;
    if (outcome.status !== 'done') throw new Error(`export ${format} failed: ${JSON.stringify(outcome)}`);
    results.push({ format, seconds, peakRssMiB: peak / 2 ** 20, beforeRssMiB: before / 2 ** 20, zipMiB: done.sizeBytes! / 2 ** 20 });
  }
  await ctx.pipeline.media.close();
  await ctx.store.close();
  await rm(dataDir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

if (process.argv[2] === '--child') {
  await child(Number(process.argv[3]));
} else {
  const sizes = process.argv.slice(2).map(Number);
  console.log(machineLine());
  const rows = [['items', 'format', 'export s', 'items/s', 'RSS before MiB', 'peak RSS MiB', 'zip MiB']];
  for (const n of sizes.length > 0 ? sizes : [2500, 10_000, 40_000]) {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', join(repoDir, 'bench/export.ts'), '--child', String(n)], { maxBuffer: 16 << 20 });
    for (const r of JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult[]) {
      rows.push([String(n), r.format, fmt(r.seconds, 2), fmt(n / r.seconds, 0), fmt(r.beforeRssMiB, 0), fmt(r.peakRssMiB, 0), fmt(r.zipMiB, 2)]);
    }
  }
  console.log(table(rows));
  console.log(machineLine());
}
