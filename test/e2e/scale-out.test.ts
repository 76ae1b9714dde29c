import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/media/s3-client.ts';
import { createPostgresStore } from '../../src/store/create-store.ts';
import { createDatasetFrom, credentialsFor, getJson, waitForDatasetStatus, waitUntilIndexing, type Credentials } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { waitForExport } from '../helpers/exports.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.ts';
import { startServerProcess, type ServerProcess, type WorkerProcess } from '../helpers/server-process.ts';
import { photosDir } from '../helpers/test-media.ts';
import { readZip } from '../helpers/zip.ts';
import { itemJobsPerWorker } from '../../src/run-server.ts';

/**
 * Scale-out (SPEC §11) end to end: PostgreSQL + pg-boss, media in S3 (s3rver), one `api`
 * process and two `worker` processes that share nothing but the database and the bucket (each
 * has its own data directory). One worker is killed with SIGKILL in the middle of indexing an
 * s3:// prefix; the other must finish the dataset with exact counts.
 */

const ADMIN = { email: 'scale-admin@example.com', password: 'scale-admin-password-1' };
const BUCKET = 'strata-scale';
const PREFIX = 'incoming/batch-1/';
const PHOTOS = 40;
const MAX_PHOTO_BYTES = 1_500_000; // the largest wallpapers take seconds each
const BROKEN = ['empty.png', 'truncated.jpg'];
const UPLOADS = 5;

/**
 * A killed worker's claimed jobs come back as soon as another process sees that its session
 * lock is gone, not when pg-boss expires them. The expiry is set to an hour here, so a dataset
 * that finishes at all shows the jobs came back without it.
 */
const RECOVERY_ENV = { STRATA_JOB_EXPIRY_SECONDS: '3600' };
const READY_TIMEOUT_MS = 180_000;
const secretKey = randomBytes(32).toString('hex');

let root: string;
let postgres: TestPostgres;
let s3: S3TestServer;
let s3Client: S3Client;
let api: ServerProcess;
const workers: WorkerProcess[] = [];
const apiLog: string[] = [];
let admin: Credentials;
let photoFiles: string[];
const timings: Record<string, number> = {};

function sharedEnv(): Record<string, string> {
  return {
    STRATA_DATABASE_URL: postgres.url,
    ...s3.strataEnv(BUCKET),
    STRATA_SECRET_KEY: secretKey,
    STRATA_WORKERS: '1',
    ...RECOVERY_ENV,
  };
}

/**
 * Waits until more item jobs are active than one worker process takes at once (STRATA_WORKERS=1:
 * itemJobsPerWorker), so both hold some: a worker between two fetches holds none, and killing it
 * then would leave nothing to recover.
 */
async function untilBothWorkersHoldJobs(datasetId: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 10))) {
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM pgboss.job WHERE name = 'item-stage' AND state = 'active' AND data->'payload'->>'datasetId' = $1`,
        [datasetId],
      );
      if (Number(rows[0]!.n) > itemJobsPerWorker) return;
    }
    throw new Error('the two workers never held jobs at the same time');
  } finally {
    await client.end();
  }
}

/** The upload rows the database holds for a dataset. */
async function uploadRows(datasetId: string): Promise<{ file_name: string; blob_key: string; size_bytes: string }[]> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    return (await client.query('SELECT file_name, blob_key, size_bytes FROM uploads WHERE dataset_id = $1 ORDER BY id', [datasetId])).rows;
  } finally {
    await client.end();
  }
}

/** What a failed upload check reports: the recorded uploads whose object the bucket does not list, and whether s3rver has its file. */
async function uploadsNotListed(datasetId: string, listed: readonly string[]): Promise<string> {
  const missing = (await uploadRows(datasetId)).filter((r) => !listed.includes(r.blob_key));
  const onDisk = await Promise.all(missing.map((r) => stat(s3.objectPath(BUCKET, r.blob_key)).then((s) => `${s.size} bytes on disk`, (e: Error) => e.message)));
  return `uploads not listed: ${JSON.stringify(missing.map((r, i) => ({ ...r, s3rver: onDisk[i] })))}`;
}

function startWorker(n: number): Promise<WorkerProcess> {
  return startServerProcess({ dataDir: join(root, `worker-${n}`), waitFor: 'worker', env: sharedEnv() }).then((w) => {
    workers.push(w);
    return w;
  });
}

async function putObject(key: string, body: Buffer): Promise<void> {
  await s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3Client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken }));
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return keys;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5) (utime, stime), counted after the command name; 100 ticks/s on Linux.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Whether libvips (sharp's decoder) is mapped into the process: any decode, on any thread, loads it. */
function hasLoadedDecoder(pid: number): boolean {
  return readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libvips');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const since = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;

/**
 * Polls the dataset as a Visual Layer client does (GET, as often as Retry-After allows, at least
 * every second) until it reaches one of `statuses`. The event stream is checked separately.
 */
async function pollUntilStatus(datasetId: string, statuses: readonly string[], timeoutMs: number): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await getJson(api.url, `/api/v1/dataset/${datasetId}`, admin.token);
    expect(res.status).toBe(200);
    if (statuses.includes(res.body.status_new)) return res.body;
    if (Date.now() > deadline) throw new Error(`dataset ${datasetId} still ${res.body.status_new} after ${timeoutMs} ms: ${JSON.stringify(res.body)}`);
    const retryAfter = Number(res.headers.get('retry-after') ?? 1);
    await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(250, retryAfter * 1000))));
  }
}

/**
 * Follows the event stream until `statuses`; resolves with the last event seen (null if none
 * matched within `timeoutMs` of settle() being called), so a stream that stalls is reported by
 * its own test instead of hanging the others.
 */
function watchEvents(datasetId: string, statuses: readonly string[]): { settle(timeoutMs: number): Promise<any | null> } {
  const reached = waitForDatasetStatus(api.url, admin.token, datasetId, statuses, READY_TIMEOUT_MS + 60_000).then(
    ({ dataset }) => dataset,
    () => null,
  );
  return {
    settle: (timeoutMs) => Promise.race([reached, new Promise<null>((r) => setTimeout(() => r(null), timeoutMs).unref())]),
  };
}

/** How long after a GET shows the final state the event stream may take to show it too. */
const EVENT_GRACE_MS = 5000;

beforeAll(async () => {
  const t0 = performance.now();
  root = await tempDir('strata-scale-');
  const source = await photosDir();
  [postgres, s3] = await Promise.all([startPostgres(), startS3Server({ buckets: [BUCKET] })]);
  s3Client = createS3Client(s3.connection);

  // The source: real photos and two broken files under a prefix, uploaded with the AWS SDK.
  const candidates: string[] = [];
  for (const name of (await readdir(source)).sort()) {
    if ((await stat(join(source, name))).size <= MAX_PHOTO_BYTES) candidates.push(name);
  }
  photoFiles = candidates.slice(0, PHOTOS + UPLOADS);
  expect(photoFiles).toHaveLength(PHOTOS + UPLOADS);
  const photos = photoFiles.slice(0, PHOTOS);
  for (let i = 0; i < photos.length; i += 8) {
    await Promise.all(photos.slice(i, i + 8).map(async (name) => putObject(`${PREFIX}${name}`, await readFile(join(source, name)))));
  }
  const jpeg = await readFile(join(source, photos.find((n) => n.endsWith('.jpg'))!));
  await putObject(`${PREFIX}truncated.jpg`, jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  await putObject(`${PREFIX}empty.png`, Buffer.alloc(0));
  timings.sourceReady = since(t0);

  // Started together, as a deployment would: migrations and pg-boss's schema must not race.
  const t1 = performance.now();
  [api] = await Promise.all([
    startServerProcess({
      dataDir: join(root, 'api'),
      env: { ...sharedEnv(), STRATA_ROLE: 'api', STRATA_ADMIN_EMAIL: ADMIN.email, STRATA_ADMIN_PASSWORD: ADMIN.password },
      onOutput: (line) => apiLog.push(line),
    }),
    startWorker(1),
    startWorker(2),
  ]);
  timings.processesStarted = since(t1);
  admin = await credentialsFor(api.url, ADMIN.email, ADMIN.password);
}, 180_000);

afterAll(async () => {
  s3Client?.destroy();
  await Promise.all([api?.stop(), ...workers.map((w) => w.stop())]);
  await s3?.stop();
  await postgres?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  console.log(`scale-out e2e timings (s): ${JSON.stringify(timings)}`);
});

describe('an s3:// dataset indexed by two workers, one killed with SIGKILL midway', () => {
  let id: string;
  const beforeKill: any[] = [];
  let final: any;
  let finalEvent: any;
  let victim: WorkerProcess;
  let survivor: WorkerProcess;

  beforeAll(async () => {
    const cpuBefore = { api: cpuSeconds(api.pid), survivor: cpuSeconds(workers[1]!.pid) };
    const t0 = performance.now();
    id = await createDatasetFrom(api.url, admin.token, 'from the bucket', `s3://${BUCKET}/${PREFIX}`);
    await waitUntilIndexing(api.url, admin.token, id, 0.2, beforeKill);
    await untilBothWorkersHoldJobs(id);
    timings.toTwentyPercent = since(t0);
    [victim, survivor] = [workers[0]!, workers[1]!];
    await victim.kill('SIGKILL');
    const t1 = performance.now();
    const events = watchEvents(id, ['READY', 'PARTIAL INDEX', 'ERROR']);
    final = await pollUntilStatus(id, ['READY', 'PARTIAL INDEX', 'ERROR'], READY_TIMEOUT_MS);
    timings.killToReady = since(t1);
    finalEvent = await events.settle(EVENT_GRACE_MS);
    timings.apiCpuSeconds = Math.round((cpuSeconds(api.pid) - cpuBefore.api) * 10) / 10;
    timings.survivorCpuSeconds = Math.round((cpuSeconds(survivor.pid) - cpuBefore.survivor) * 10) / 10;
  }, READY_TIMEOUT_MS + 60_000);

  it('was killed in the middle, and the other worker lived on', () => {
    const last = beforeKill.at(-1)!;
    expect(last.status_new).toBe('INDEXING');
    expect(last.processing.total).toBe(PHOTOS + BROKEN.length);
    expect(last.processing.done + last.processing.failed).toBeLessThan(last.processing.total);
    expect(isAlive(victim.pid)).toBe(false);
    expect(isAlive(survivor.pid)).toBe(true);
  });

  it('finishes READY with exact counts: every photo once, both broken files failed once', async () => {
    expect(final).toMatchObject({ status_new: 'READY', status: 'READY', progress: 100, n_images: PHOTOS, n_videos: 0, fatal_error_msg: null, source_type: 'BUCKET' });
    expect(final.processing).toMatchObject({ operation: 'CREATE', status: 'COMPLETED', total: PHOTOS + BROKEN.length, done: PHOTOS, failed: BROKEN.length });
    expect(final.processing.done + final.processing.failed).toBe(final.processing.total);
    const status = await getJson(api.url, `/api/v1/datasets/${id}/creation-status`, admin.token);
    expect(status.body).toEqual({ status: 'READY', progress: 100 });
  });

  it('sent the final state on the event stream too (workers write, the API process streams)', () => {
    expect(finalEvent, 'no READY event within 5 s of GET showing READY').not.toBeNull();
    expect(finalEvent).toMatchObject({ status_new: 'READY', progress: 100, n_images: PHOTOS });
  });

  it('lists exactly the two broken files as errors, with their s3:// URIs', async () => {
    const res = await getJson(api.url, `/api/v1/dataset/${id}/errors`, admin.token);
    expect(res.status).toBe(200);
    expect(res.body.map((e: { file_name: string }) => e.file_name).sort()).toEqual(BROKEN);
    for (const e of res.body) {
      expect(e.original_uri).toBe(`s3://${BUCKET}/${PREFIX}${e.file_name}`);
      expect(e.reason).toBeTruthy();
    }
  });

  it('holds one item per object and a thumbnail in the bucket for each photo', async () => {
    const store = await createPostgresStore(postgres.url);
    try {
      const items = await store.items.page(id, '', 10_000);
      expect(items.map((i) => i.fileName).sort()).toEqual([...photoFiles.slice(0, PHOTOS), ...BROKEN].sort());
      const done = items.filter((i) => i.state === 'done');
      expect(done).toHaveLength(PHOTOS);
      const thumbs = new Set(await listKeys(`datasets/${id}/thumbs/`));
      for (const item of done) expect(thumbs.has(item.thumbKey!), item.fileName).toBe(true);
      expect(thumbs.size).toBe(PHOTOS);
    } finally {
      await store.close();
    }
  });

  it("ran the killed worker's claimed jobs again elsewhere (pg-boss shows them retried)", async () => {
    // The victim held item jobs when it died (two in flight per thread); they come back when the
    // survivor finds their owner's lock gone, so a retried, completed item job is its doing.
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ state: string; n: string }>(
        `SELECT state, count(*) AS n FROM pgboss.job WHERE name = 'item-stage' AND data->'payload'->>'datasetId' = $1 AND retry_count > 0 GROUP BY state`,
        [id],
      );
      const byState = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
      expect(byState.completed ?? 0).toBeGreaterThanOrEqual(1);
      expect(Object.keys(byState).filter((s) => s !== 'completed')).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('answers explore and similarity search in the API process, from the index a worker saved in S3', async () => {
    expect(await listKeys(`datasets/${id}/vectors.usearch`)).toEqual([`datasets/${id}/vectors.usearch`]);
    const media = (await getJson(api.url, `/api/v1/dataset/${id}/media?page_size=1000`, admin.token)).body.media;
    expect(media).toHaveLength(PHOTOS);
    const clusters = (await getJson(api.url, `/api/v1/explore/${id}?threshold=4`, admin.token)).body.clusters;
    expect(clusters.reduce((n: number, c: { n_images: number }) => n + c.n_images, 0)).toBe(PHOTOS);
    // A JPEG photo: images with transparency get WebP thumbnails, and the listing's order among
    // items created together depends on their random ids.
    const anchor = media.find((m: { file_name: string }) => m.file_name.endsWith('.jpg'));
    const similar = await getJson(api.url, `/api/v1/explore/${id}?anchor_media_id=${anchor.media_id}&anchor_type=MEDIA`, admin.token);
    expect(similar.status).toBe(200);
    expect(similar.body.clusters).toHaveLength(PHOTOS);
    expect(similar.body.clusters[0].previews[0].media_id).toBe(anchor.media_id);
    expect(similar.body.clusters[0].relevance_score).toBeCloseTo(0, 4);
    const thumb = await fetch(`${api.url}${anchor.media_thumb_uri}`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect([...new Uint8Array(await thumb.arrayBuffer()).subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  });

  it('exports through a worker into S3 and downloads through the API process', async () => {
    const started = await getJson(api.url, `/api/v1/dataset/${id}/export_context_async?export_format=json`, admin.token);
    expect(started.status).toBe(200);
    const status = await waitForExport(api.url, admin.token, id, started.body.id, READY_TIMEOUT_MS);
    expect(status.status, status.result_message).toBe('COMPLETED');
    expect(await listKeys(`datasets/${id}/exports/`)).toEqual([`datasets/${id}/exports/${started.body.id}.zip`]);
    const zip = await fetch(`${api.url}${status.download_uri}`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(zip.status).toBe(200);
    const metadata = JSON.parse((await readZip(Buffer.from(await zip.arrayBuffer()))).get('metadata.json')!.toString());
    expect(metadata.media_items).toHaveLength(PHOTOS);
  });

  it('left all the decoding to the workers: the API process never loaded the decoder', () => {
    // Any decode in the API process, on any thread, would map libvips (sharp's decoder) into
    // it; the worker's map shows the check can see it. Its log has no job lines (workers log
    // job failures and resumed operations). CPU time is reported in the timings only: the API
    // process's own background (pg-boss polling, the status hub, these polls) over a long
    // recovery wait can add up to as much as decoding twenty small photos.
    expect(hasLoadedDecoder(survivor.pid)).toBe(true);
    expect(hasLoadedDecoder(api.pid)).toBe(false);
    const jobLines = apiLog.filter((l) => /"job"|"jobId"|resumed unfinished|"stage"/.test(l));
    expect(jobLines).toEqual([]);
  });
});

describe('the four-step upload flow through the api process, then media added', () => {
  let id: string;
  const auth = () => ({ authorization: `Bearer ${admin.token}` });

  it('stores the uploads in S3 and is indexed by the worker', async () => {
    const created = await getJson(api.url, `/api/v1/ingestion/new_dataset?dataset_name=uploaded`, admin.token);
    expect(created.status).toBe(200);
    id = created.body.dataset_id;
    const trans = await getJson(api.url, `/api/v1/ingestion/${id}/data_files`, admin.token);
    expect(trans.status).toBe(200);
    const transId: number = trans.body.trans_id;

    const names = photoFiles.slice(PHOTOS);
    const source = await photosDir();
    // Two calls: uploads may arrive in any number of requests.
    for (const batch of [names.slice(0, 2), [...names.slice(2), 'zero.jpg']]) {
      const fd = new FormData();
      for (const name of batch) {
        const data = name === 'zero.jpg' ? Buffer.alloc(0) : await readFile(join(source, name));
        fd.append('files', new Blob([new Uint8Array(data)]), name);
      }
      const res = await fetch(`${api.url}/api/v1/ingestion/${id}/data_files/${transId}`, { method: 'POST', headers: auth(), body: fd });
      const body = await res.text();
      expect(res.status, body).toBe(202);
      expect(JSON.parse(body), body).toMatchObject({ files_uploaded: batch.length, files_already_uploaded: 0 });
    }
    // s3rver acknowledges a PUT when the body has been read, before its file is written
    // (lib/stores/filesystem.js putObject resolves on the Transform's 'finish'), so a listing
    // right after the upload can miss the last object for a moment; real S3 lists it at once.
    let uploaded: string[] = [];
    for (let tries = 0; tries < 150 && uploaded.length < UPLOADS + 1; tries++) {
      if (tries > 0) await new Promise((r) => setTimeout(r, 100));
      uploaded = await listKeys(`datasets/${id}/uploads/${transId}/`);
    }
    expect(uploaded.sort(), await uploadsNotListed(id, uploaded)).toEqual((await uploadRows(id)).map((r) => r.blob_key).sort());
    expect(uploaded).toHaveLength(UPLOADS + 1);

    const events = watchEvents(id, ['READY', 'ERROR']);
    const go = await fetch(`${api.url}/api/v1/ingestion/${id}/process_files/${transId}`, { method: 'POST', headers: auth() });
    expect(go.status).toBe(202);
    const dataset = await pollUntilStatus(id, ['READY', 'ERROR'], 120_000);
    expect(dataset).toMatchObject({ status_new: 'READY', source_type: 'UPLOAD', n_images: UPLOADS, progress: 100 });
    expect(dataset.processing).toMatchObject({ total: UPLOADS + 1, done: UPLOADS, failed: 1 });
    const errors = await getJson(api.url, `/api/v1/dataset/${id}/errors`, admin.token);
    expect(errors.body.map((e: { file_name: string }) => e.file_name)).toEqual(['zero.jpg']);
    expect(await listKeys(`datasets/${id}/thumbs/`)).toHaveLength(UPLOADS);
    // Still nothing decoded in the API process.
    expect(hasLoadedDecoder(api.pid)).toBe(false);
    const finalEvent = await events.settle(EVENT_GRACE_MS);
    expect(finalEvent, 'no READY event within 5 s of GET showing READY').toMatchObject({ status_new: 'READY', n_images: UPLOADS });
  }, 150_000);

  it('adds an archive through the api process: extended in S3 by the worker, copies found, then reindexed', async () => {
    const source = await photosDir();
    const copy = await readFile(join(source, photoFiles[PHOTOS]!));
    const fresh = await readFile(join(source, photoFiles[0]!));
    const pack = tar.pack();
    const packed = buffer(pack);
    pack.entry({ name: 'batch/copy.jpg', size: copy.length } as tar.Header, copy);
    pack.entry({ name: `batch/${photoFiles[0]}`, size: fresh.length } as tar.Header, fresh);
    pack.finalize();
    const fd = new FormData();
    fd.append('archive', new Blob([new Uint8Array(gzipSync(await packed))]), 'batch.tar.gz');
    const added = await fetch(`${api.url}/api/v1/dataset/${id}/add_media`, { method: 'POST', headers: auth(), body: fd });
    expect(added.status, await added.clone().text()).toBe(202);
    const partial = await pollUntilStatus(id, ['PARTIAL INDEX', 'READY', 'ERROR'], 120_000);
    expect(partial).toMatchObject({ status_new: 'PARTIAL INDEX', n_images: UPLOADS + 2 });
    expect(partial.processing).toMatchObject({ operation: 'ADD_MEDIA', status: 'COMPLETED', total: 2, done: 2, failed: 0 });
    const media = (await getJson(api.url, `/api/v1/dataset/${id}/media?page_size=1000`, admin.token)).body.media;
    const byName = (name: string) => media.find((m: { file_name: string }) => m.file_name === name);
    const dups = await getJson(api.url, `/api/v1/dataset/${id}/media/${byName('batch/copy.jpg').media_id}/duplicates?threshold=1`, admin.token);
    expect(dups.body).toEqual([byName(photoFiles[PHOTOS]!).media_id]);

    const reindex = await fetch(`${api.url}/api/v1/dataset/${id}/reindex`, { method: 'POST', headers: auth() });
    expect(reindex.status).toBe(202);
    const ready = await pollUntilStatus(id, ['READY', 'ERROR'], 120_000);
    expect(ready).toMatchObject({ status_new: 'READY', n_images: UPLOADS + 2, processing: { operation: 'REINDEX', status: 'COMPLETED' } });
    const clusters = (await getJson(api.url, `/api/v1/explore/${id}?threshold=4`, admin.token)).body.clusters;
    expect(clusters.reduce((n: number, c: { n_images: number }) => n + c.n_images, 0)).toBe(UPLOADS + 2);
    // Unpacking the archive read no image: still nothing decoded in the API process.
    expect(hasLoadedDecoder(api.pid)).toBe(false);
  }, 150_000);
});
