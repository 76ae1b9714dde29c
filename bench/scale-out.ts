/**
 * Scale-out benchmark (npm run bench:scale-out).
 *
 * Part 1, indexing throughput: one `api` process and 1, 2 and 4 `worker` processes
 * (STRATA_WORKERS=1 each) on PostgreSQL + pg-boss index the same folder of real photos
 * (hard links to the cached test photos, repeated under new names); images/s from POST to
 * READY as a polling client sees it. The embedded default (one process, SQLite, in-process
 * queue) with STRATA_WORKERS=1 and =nproc is measured the same way as the reference.
 * Storage: local disk shared by the processes (one data dir) by default; BENCH_STORAGE=s3 puts
 * the source and the media in s3rver (which then runs in this process and takes CPU too).
 *
 * Part 2, status endpoint: GET /api/v1/dataset/{id} of a READY dataset under autocannon
 * (10 connections, 10 s after a 2 s warm-up) on an idle `api` process over PostgreSQL, and on
 * the embedded server over SQLite. That endpoint is served from an in-memory view revalidated
 * at most once a second, so it mostly measures HTTP + auth; GET /api/v1/datasets (which reads
 * the database on every request) is measured the same way to show the databases themselves.
 *
 * Only prints figures. Env knobs (defaults in brackets): BENCH_IMAGES [300],
 * BENCH_WORKER_COUNTS [1,2,4], BENCH_STORAGE [local] (local|s3), BENCH_DURATION [10],
 * BENCH_WARMUP [2], BENCH_CONNECTIONS [10], BENCH_KEEP=1 keeps the temp dirs.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../src/media/s3-client.ts';
import { getJson } from '../test/helpers/client.ts';
import { startPostgres, type TestPostgres } from '../test/helpers/postgres.ts';
import { startS3Server, type S3TestServer } from '../test/helpers/s3-server.ts';
import { startServerProcess, type WorkerProcess } from '../test/helpers/server-process.ts';
import { buildFolder, createDataset, fmt, load, machineLine, photoFiles, removeDirs, sleep, startStrata, table, tempDir, type LoadResult, type Strata } from './lib.ts';

const envNum = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? '');
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const IMAGES = envNum('BENCH_IMAGES', 300);
const WORKER_COUNTS = (process.env.BENCH_WORKER_COUNTS ?? '1,2,4').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
const STORAGE = process.env.BENCH_STORAGE === 's3' ? 's3' : 'local';
const DURATION = envNum('BENCH_DURATION', 10);
const WARMUP = envNum('BENCH_WARMUP', 2);
const CONNECTIONS = envNum('BENCH_CONNECTIONS', 10);
const BUCKET = 'strata-bench';
const PREFIX = 'photos/';

interface IndexRun {
  label: string;
  processes: string;
  seconds: number;
  imagesPerSec: number;
  nImages: number;
  failed: number;
  /** CPU seconds of the api process (or the single embedded process) and of all workers. */
  apiCpu: number;
  workerCpu: number;
}

/** CPU seconds (user + system, all threads) a live process has used, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/**
 * Polls GET until the dataset is done (every 200 ms): a client of an `api` process polls,
 * since the event stream can miss the final change there (see bench/README.md).
 */
async function pollDone(s: Strata, id: string, timeoutMs = 30 * 60_000): Promise<{ dataset: any; doneAt: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await getJson(s.url, `/api/v1/dataset/${id}`, s.credentials.token);
    if (status !== 200) throw new Error(`GET dataset ${id}: ${status} ${JSON.stringify(body)}`);
    if (['READY', 'PARTIAL INDEX', 'ERROR'].includes(body.status_new)) return { dataset: body, doneAt: performance.now() };
    if (Date.now() > deadline) throw new Error(`dataset ${id} not done within ${timeoutMs} ms: ${JSON.stringify(body)}`);
    await sleep(200);
  }
}

async function indexOnce(label: string, processes: string, s: Strata, source: string, workerPids: number[]): Promise<{ run: IndexRun; datasetId: string }> {
  const cpu0 = { api: cpuSeconds(s.pid), workers: workerPids.map(cpuSeconds) };
  const ds = await createDataset(s.url, s.credentials.token, `bench ${label}`, source);
  const { dataset, doneAt } = await pollDone(s, ds.id);
  if (dataset.status_new !== 'READY') throw new Error(`${label}: dataset ended ${dataset.status_new}: ${JSON.stringify(dataset)}`);
  const seconds = (doneAt - ds.postedAt) / 1000;
  const run: IndexRun = {
    label,
    processes,
    seconds,
    imagesPerSec: dataset.n_images / seconds,
    nImages: dataset.n_images,
    failed: dataset.processing?.failed ?? NaN,
    apiCpu: cpuSeconds(s.pid) - cpu0.api,
    workerCpu: workerPids.reduce((sum, pid, i) => sum + cpuSeconds(pid) - cpu0.workers[i]!, 0),
  };
  console.log(
    `  ${label}: ${run.nImages} images (${run.failed} failed) in ${fmt(seconds, 1)} s = ${fmt(run.imagesPerSec, 2)} images/s; CPU s: api/server ${fmt(run.apiCpu, 1)}, workers ${fmt(run.workerCpu, 1)}`,
  );
  return { run, datasetId: ds.id };
}

async function measureStatus(label: string, s: Strata, path: string): Promise<LoadResult> {
  const url = `${s.url}${path}`;
  if (WARMUP > 0) await load(url, s.credentials.token, { connections: CONNECTIONS, durationS: WARMUP }).result;
  const r = await load(url, s.credentials.token, { connections: CONNECTIONS, durationS: DURATION }).result;
  console.log(`  ${label}: ${fmt(r.reqPerSec, 0)} req/s, p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms, max ${fmt(r.max, 1)} ms, ${r.total} requests, non-2xx ${r.non2xx}, errors ${r.errors}`);
  if (r.non2xx > 0 || r.errors > 0) console.log(`  !! ${label}: some requests failed; the figures above are not valid`);
  return r;
}

async function main(): Promise<void> {
  console.log('Strata scale-out benchmark');
  console.log(machineLine());
  console.log(`settings: ${IMAGES} images; worker processes ${WORKER_COUNTS.join(', ')} (STRATA_WORKERS=1 each); storage ${STORAGE}; status load ${CONNECTIONS} connections × ${DURATION} s after ${WARMUP} s warm-up`);

  const root = await tempDir('strata-bench-scale-');
  const importRoot = join(root, 'import');
  const folder = join(importRoot, 'photos');
  const built = await buildFolder(folder, await photoFiles(), IMAGES);
  console.log(`folder: ${IMAGES} images (${built.linked} hard links, ${built.copied} copies)`);

  const databases: TestPostgres[] = [];
  let s3: S3TestServer | null = null;
  let source = folder;
  let storageEnv: Record<string, string> = {};
  if (STORAGE === 's3') {
    s3 = await startS3Server({ buckets: [BUCKET] });
    const client = createS3Client(s3.connection);
    const names = (await readdir(folder)).sort();
    for (let i = 0; i < names.length; i += 16) {
      await Promise.all(names.slice(i, i + 16).map(async (n) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}${basename(n)}`, Body: await readFile(join(folder, n)) }))));
    }
    client.destroy();
    source = `s3://${BUCKET}/${PREFIX}`;
    storageEnv = s3.strataEnv(BUCKET);
    console.log(`s3rver at ${s3.endpoint}: ${names.length} objects under ${source}`);
  }

  const runs: IndexRun[] = [];
  const status: { label: string; r: LoadResult }[] = [];
  const list: { label: string; r: LoadResult }[] = [];
  const running: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  };
  try {
    // ---- embedded reference: one process, SQLite, in-process queue -----------------------
    console.log('\nindexing, embedded (SQLite, in-process queue, one process)');
    for (const threads of [...new Set([1, availableParallelism()])]) {
      const dataDir = join(root, `embedded-${threads}`);
      const s = await startStrata({ dataDir, importRoots: [importRoot], env: { STRATA_WORKERS: String(threads), ...storageEnv } });
      running.push(s);
      const { run, datasetId } = await indexOnce(`embedded, STRATA_WORKERS=${threads}`, '1 (all)', s, source, []);
      runs.push(run);
      if (threads === 1) {
        // Part 2's SQLite side, measured now on this idle server.
        status.push({ label: 'SQLite, embedded (role all)', r: await measureStatus('status, SQLite embedded', s, `/api/v1/dataset/${datasetId}`) });
        list.push({ label: 'SQLite, embedded (role all)', r: await measureStatus('list, SQLite embedded', s, '/api/v1/datasets') });
      }
      await stopAll();
    }

    // ---- scale-out: api + N workers on PostgreSQL + pg-boss --------------------------------
    console.log('\nindexing, scale-out (PostgreSQL + pg-boss; one api process, N worker processes)');
    for (const n of WORKER_COUNTS) {
      const pg = await startPostgres();
      databases.push(pg);
      const dataDir = join(root, `scale-${n}`); // shared by the processes of this run, as a shared volume would be
      const env = { STRATA_DATABASE_URL: pg.url, STRATA_SECRET_KEY: randomBytes(32).toString('hex'), STRATA_WORKERS: '1', ...storageEnv };
      const api = await startStrata({ dataDir, importRoots: [importRoot], env: { ...env, STRATA_ROLE: 'api' } });
      running.push(api);
      const workers: WorkerProcess[] = await Promise.all(
        Array.from({ length: n }, () => startServerProcess({ dataDir, importRoots: [importRoot], waitFor: 'worker', env })),
      );
      running.push(...workers);
      const { run, datasetId } = await indexOnce(`scale-out, ${n} worker process${n > 1 ? 'es' : ''}`, `1 api + ${n}`, api, source, workers.map((w) => w.pid));
      runs.push(run);
      if (n === WORKER_COUNTS[0]) {
        // Part 2's PostgreSQL side: the api process alone, workers stopped (idle, like SQLite's).
        await Promise.all(workers.map((w) => w.stop()));
        status.push({ label: 'PostgreSQL, api process', r: await measureStatus('status, PostgreSQL api', api, `/api/v1/dataset/${datasetId}`) });
        list.push({ label: 'PostgreSQL, api process', r: await measureStatus('list, PostgreSQL api', api, '/api/v1/datasets') });
      }
      await stopAll();
    }

    // ---- summary ---------------------------------------------------------------------------
    const base = runs.find((r) => r.label.startsWith('scale-out'))?.imagesPerSec ?? NaN;
    console.log('\nsummary: indexing');
    console.log(
      table([
        ['setup', 'processes', 'images', 'failed', 'seconds', 'images/s', 'vs 1 worker', 'api CPU s', 'worker CPU s'],
        ...runs.map((r) => [
          r.label,
          r.processes,
          String(r.nImages),
          String(r.failed),
          fmt(r.seconds, 1),
          fmt(r.imagesPerSec, 2),
          r.label.startsWith('scale-out') ? `${fmt(r.imagesPerSec / base, 2)}×` : '-',
          fmt(r.apiCpu, 1),
          r.label.startsWith('scale-out') ? fmt(r.workerCpu, 1) : '-',
        ]),
      ]),
    );
    const loadRows = (title: string, rows: { label: string; r: LoadResult }[]) => {
      console.log(`\nsummary: ${title}, idle server`);
      console.log(
        table([
          ['backend', 'conn', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors'],
          ...rows.map(({ label, r }) => [label, String(CONNECTIONS), fmt(r.reqPerSec, 0), fmt(r.p50, 2), fmt(r.p99, 2), fmt(r.max, 1), String(r.non2xx), String(r.errors)]),
        ]),
      );
    };
    loadRows('status endpoint, GET /api/v1/dataset/{id}', status);
    loadRows('dataset list, GET /api/v1/datasets (reads the database every time)', list);
    console.log(machineLine());
  } finally {
    await stopAll();
    for (const db of databases) await db.stop();
    await s3?.stop();
    await removeDirs([root]);
  }
}

await main();
