/**
 * Benchmark of the status endpoint, GET /api/v1/dataset/{id} (npm run bench:status).
 *
 * Phase 1, idle server: throughput and p99 of Strata's endpoint against a bare Fastify server
 * (bench/bare-server.ts, its own process) returning the same JSON body, measured in the same
 * run with the same autocannon settings. Target: Strata ≥ 0.7 × bare throughput.
 *
 * Phase 2, while indexing: a 500-image folder is indexed and, while it runs, the status of
 * that dataset is polled by autocannon (4 connections) until READY or 20 s. Target: p99 < 100 ms.
 * Also prints the images/s of that indexing (POST → READY as seen by the client).
 *
 * Only prints figures; nothing fails on a missed target. Env knobs (defaults in brackets):
 * BENCH_DURATION [10] s per measured run, BENCH_WARMUP [2] s, BENCH_CONNECTIONS [10],
 * BENCH_INDEX_CONNECTIONS [4], BENCH_INDEX_MAX [20] s, BENCH_INDEX_IMAGES [500],
 * STRATA_WORKERS (passed to the server), BENCH_KEEP=1 keeps the temp dirs.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getJson } from '../test/helpers/client.ts';
import {
  buildFolder,
  createDataset,
  fmt,
  freePort,
  load,
  machineLine,
  photoFiles,
  removeDirs,
  startNodeServer,
  startStrata,
  table,
  tempDir,
  waitDone,
  type ChildServer,
  type LoadResult,
} from './lib.ts';

const envNum = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? '');
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const DURATION = envNum('BENCH_DURATION', 10);
const WARMUP = envNum('BENCH_WARMUP', 2);
const CONNECTIONS = envNum('BENCH_CONNECTIONS', 10);
const INDEX_CONNECTIONS = envNum('BENCH_INDEX_CONNECTIONS', 4);
const INDEX_MAX = envNum('BENCH_INDEX_MAX', 20);
const INDEX_IMAGES = envNum('BENCH_INDEX_IMAGES', 500);
const SMALL_IMAGES = 20;
const RATIO_TARGET = 0.7;
const P99_TARGET_MS = 100;

function describe(label: string, r: LoadResult): string {
  return `${label}: ${fmt(r.reqPerSec, 0)} req/s, p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms (autocannon p99 ${r.acP99} ms), max ${fmt(r.max, 1)} ms, ${r.total} requests in ${r.durationS} s, non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}`;
}

async function measure(label: string, url: string, token: string, connections: number, durationS: number): Promise<LoadResult> {
  if (WARMUP > 0) await load(url, token, { connections, durationS: WARMUP }).result;
  const r = await load(url, token, { connections, durationS }).result;
  console.log(`  ${describe(label, r)}`);
  if (r.non2xx > 0 || r.errors > 0) console.log(`  !! ${label}: some requests failed; the figures above are not valid`);
  return r;
}

async function main(): Promise<void> {
  console.log('Strata status-endpoint benchmark');
  console.log(machineLine());
  console.log(`settings: ${CONNECTIONS} connections × ${DURATION} s (after ${WARMUP} s warm-up) idle; ${INDEX_CONNECTIONS} connections while indexing ${INDEX_IMAGES} images (≤ ${INDEX_MAX} s); STRATA_WORKERS=${process.env.STRATA_WORKERS ?? 'default (nproc)'}`);

  const importRoot = await tempDir('strata-bench-import-');
  const dataDir = await tempDir('strata-bench-data-');
  const photos = await photoFiles();
  const smallDir = join(importRoot, 'small');
  const bigDir = join(importRoot, 'big');
  await buildFolder(smallDir, photos, SMALL_IMAGES);
  const big = await buildFolder(bigDir, photos, INDEX_IMAGES);
  console.log(`folders: ${SMALL_IMAGES} photos for phase 1; ${INDEX_IMAGES} images for phase 2 (${photos.length} distinct photos repeated, ${big.linked} hard links, ${big.copied} copies)`);

  const servers: ChildServer[] = [];
  try {
    const strata = await startStrata({ dataDir, importRoots: [importRoot], env: process.env.STRATA_WORKERS ? { STRATA_WORKERS: process.env.STRATA_WORKERS } : {} });
    servers.push(strata);
    const token = strata.credentials.token;

    // ---- phase 1: idle server vs bare Fastify -------------------------------------------
    const small = await createDataset(strata.url, token, 'bench small', smallDir);
    const smallDone = await waitDone(strata.url, token, small.id, 5 * 60_000);
    if (smallDone.dataset.status_new !== 'READY') throw new Error(`small dataset ended ${smallDone.dataset.status_new}`);
    const { status, body } = await getJson(strata.url, `/api/v1/dataset/${small.id}`, token);
    if (status !== 200) throw new Error(`GET dataset: ${status}`);
    const bodyFile = join(dataDir, 'bench-body.json');
    await writeFile(bodyFile, JSON.stringify(body));
    const barePort = await freePort();
    const bare = await startNodeServer('bare fastify', 'bench/bare-server.ts', { BENCH_BODY_FILE: bodyFile, BENCH_PORT: String(barePort) }, barePort, '/health');
    servers.push(bare);
    console.log(`\nphase 1: idle, GET /api/v1/dataset/{id} (${JSON.stringify(body).length}-byte JSON body)`);
    const strataIdle = await measure('strata', `${strata.url}/api/v1/dataset/${small.id}`, token, CONNECTIONS, DURATION);
    const bareIdle = await measure('bare  ', `${bare.url}/api/v1/dataset/${small.id}`, token, CONNECTIONS, DURATION);
    const ratio = strataIdle.reqPerSec / bareIdle.reqPerSec;
    console.log(`  throughput ratio strata/bare = ${fmt(ratio, 2)} (target ≥ ${RATIO_TARGET})`);
    // The same number of connections as phase 2, on the idle server: its reference p99.
    const strataIdleFew = await measure(`strata, ${INDEX_CONNECTIONS} conn`, `${strata.url}/api/v1/dataset/${small.id}`, token, INDEX_CONNECTIONS, Math.min(DURATION, 5));
    await bare.stop();

    // ---- phase 2: status while indexing ---------------------------------------------------
    console.log(`\nphase 2: GET /api/v1/dataset/{id} of a dataset while it indexes ${INDEX_IMAGES} images`);
    const bigDs = await createDataset(strata.url, token, 'bench 500', bigDir);
    const done = waitDone(strata.url, token, bigDs.id, 30 * 60_000);
    const run = load(`${strata.url}/api/v1/dataset/${bigDs.id}`, token, { connections: INDEX_CONNECTIONS, durationS: INDEX_MAX });
    let indexedWithinWindow = false;
    void done.then(
      () => {
        indexedWithinWindow = true;
        run.stop();
      },
      () => run.stop(),
    );
    const during = await run.result;
    // Read now: once `done` is awaited below the flag is always true.
    const doneWithinLoad = indexedWithinWindow;
    const { dataset, doneAt } = await done;
    const indexSeconds = (doneAt - bigDs.postedAt) / 1000;
    const imagesPerSec = (dataset.n_images as number) / indexSeconds;
    console.log(`  ${describe('strata while indexing', during)}`);
    console.log(
      `  load ran ${during.durationS} s ${doneWithinLoad ? 'until the dataset was done' : `(the ${INDEX_MAX} s cap; indexing went on after it)`}; dataset ${dataset.status_new}: ${dataset.n_images} images, ${dataset.processing?.failed ?? '?'} failed, in ${fmt(indexSeconds, 2)} s = ${fmt(imagesPerSec, 1)} images/s (with the status load running ${doneWithinLoad ? 'throughout' : 'for the first ' + during.durationS + ' s'})`,
    );
    console.log(`  p99 while indexing = ${fmt(during.p99, 2)} ms (target < ${P99_TARGET_MS} ms), idle p99 at ${INDEX_CONNECTIONS} connections = ${fmt(strataIdleFew.p99, 2)} ms`);

    // ---- summary --------------------------------------------------------------------------
    console.log('\nsummary');
    console.log(
      table([
        ['run', 'conn', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors'],
        ...(
          [
            ['bare fastify, idle', CONNECTIONS, bareIdle],
            ['strata, idle', CONNECTIONS, strataIdle],
            ['strata, idle', INDEX_CONNECTIONS, strataIdleFew],
            ['strata, while indexing', INDEX_CONNECTIONS, during],
          ] as const
        ).map(([name, c, r]) => [name, String(c), fmt(r.reqPerSec, 0), fmt(r.p50, 2), fmt(r.p99, 2), fmt(r.max, 1), String(r.non2xx), String(r.errors)]),
      ]),
    );
    console.log(
      table([
        ['figure', 'value', 'target', 'met'],
        ['throughput ratio strata/bare (idle)', fmt(ratio, 2), `≥ ${RATIO_TARGET}`, ratio >= RATIO_TARGET ? 'yes' : 'NO'],
        ['p99 status while indexing (ms)', fmt(during.p99, 2), `< ${P99_TARGET_MS}`, during.p99 < P99_TARGET_MS ? 'yes' : 'NO'],
        [`indexing ${dataset.n_images} images (images/s)`, fmt(imagesPerSec, 1), '-', '-'],
      ]),
    );
    console.log(machineLine());
  } catch (err) {
    for (const s of servers) console.error(`--- ${s.name} output tail ---\n${s.tail()}`);
    throw err;
  } finally {
    for (const s of servers.reverse()) await s.stop();
    await removeDirs([importRoot, dataDir]);
  }
}

await main();
