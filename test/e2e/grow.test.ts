import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/create-store.ts';
import { createDatasetFrom, credentialsFor, followDatasetEvents, getJson, waitForDatasetStatus, type Credentials } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { startRun, type ServerProcess } from '../helpers/server-process.ts';
import { copySmallPhotos } from '../helpers/test-media.ts';

/**
 * A dataset that grows, on real photos, with a kill -9 in each operation: add_media is killed
 * while its items are being indexed and reindex while its similarity stage runs; each restart on
 * the same data directory finishes the operation with exact counts. The added batch holds a byte copy
 * and a half-size copy of two old photos: both are found against the old items as soon as the
 * batch ends (PARTIAL INDEX), and still after the reindex (READY).
 */
const ADMIN = { email: 'grow-admin@example.com', password: 'grow-admin-password-1' };
const BASE = 24;
const ADDED = 24;
const MAX_PHOTO_BYTES = 600_000;

let root: string;
let dataDir: string;
let base: string;
let added: string;
let baseNames: string[];
const servers: ServerProcess[] = [];

beforeAll(async () => {
  root = await tempDir('strata-grow-');
  dataDir = join(root, 'data');
  const all = join(root, 'import', 'all');
  const names = await copySmallPhotos(all, BASE + ADDED, MAX_PHOTO_BYTES);
  base = join(root, 'import', 'base');
  added = join(root, 'import', 'added');
  baseNames = names.slice(0, BASE);
  await mkdir(base);
  for (const n of baseNames) await copyFile(join(all, n), join(base, n));
  await mkdir(added);
  for (const n of names.slice(BASE)) await copyFile(join(all, n), join(added, n));
  await copyFile(join(all, baseNames[0]!), join(added, 'exact-copy.jpg'));
  const meta = await sharp(join(all, baseNames[1]!)).metadata();
  await sharp(join(all, baseNames[1]!)).resize(Math.round(meta.width! / 2)).jpeg({ quality: 85 }).toFile(join(added, 'half-size-copy.jpg'));
  await rm(all, { recursive: true });
}, 600_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const start = (workers: string): Promise<ServerProcess> => startRun(servers, { dataDir, importRoot: join(root, 'import'), admin: ADMIN, workers });

async function post(url: string, token: string, body?: FormData): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body });
  return { status: res.status, body: await res.json() };
}

describe('add_media and reindex, each interrupted by kill -9', () => {
  const total = ADDED + 2;
  let admin: Credentials;
  let id: string;
  let server: ServerProcess;
  const seenBeforeKill: any[] = [];
  const seenBeforeReindexKill: any[] = [];
  let partial: any;
  const atPartial: { exact?: string[]; half?: string[]; nearestToOriginal?: string[]; media?: Map<string, any> } = {};
  let resumedAdd: any;
  let resumedReindex: any;
  let ready: any;

  const get = (path: string) => getJson(server.url, path, admin.token);
  const mediaByName = async () => new Map<string, any>((await get(`/api/v1/dataset/${id}/media?page_size=1000`)).body.media.map((m: any) => [m.file_name, m]));

  beforeAll(async () => {
    server = await start('2');
    admin = await credentialsFor(server.url, ADMIN.email, ADMIN.password);
    id = await createDatasetFrom(server.url, admin.token, 'grows', base);
    expect((await waitForDatasetStatus(server.url, admin.token, id, ['READY', 'ERROR'], 300_000)).dataset.status_new).toBe('READY');
    await server.stop();

    // One worker, so the batch is slow enough to be caught with a fifth of it done.
    server = await start('1');
    const fd = new FormData();
    fd.set('s3_uri', added);
    expect((await post(`${server.url}/api/v1/dataset/${id}/add_media`, admin.token, fd)).status).toBe(202);
    await followDatasetEvents(server.url, admin.token, id, (ds) => {
      seenBeforeKill.push(ds);
      if (ds.status_new !== 'READ ONLY') throw new Error(`add_media ended (${ds.status_new}) before it could be interrupted`);
      const p = ds.processing;
      return p.operation === 'ADD_MEDIA' && p.total !== null && p.done >= Math.ceil(0.2 * p.total);
    });
    await server.kill('SIGKILL');

    server = await start('2');
    const afterAdd = await waitForDatasetStatus(server.url, admin.token, id, ['PARTIAL INDEX', 'READY', 'ERROR'], 300_000);
    resumedAdd = afterAdd.events[0];
    partial = afterAdd.dataset;
    const media = await mediaByName();
    atPartial.media = media;
    atPartial.exact = (await get(`/api/v1/dataset/${id}/media/${media.get('exact-copy.jpg').media_id}/duplicates?threshold=1`)).body;
    atPartial.half = (await get(`/api/v1/dataset/${id}/media/${media.get('half-size-copy.jpg').media_id}/duplicates?threshold=0.96`)).body;
    const search = await get(`/api/v1/explore/${id}?anchor_media_id=${media.get(baseNames[1]!).media_id}&anchor_type=MEDIA`);
    atPartial.nearestToOriginal = search.body.clusters.slice(0, 3).map((c: any) => c.previews[0].file_name);

    // Killed once the similarity stage (index, kNN graph, groups, clusters) is under way.
    const following = followDatasetEvents(server.url, admin.token, id, (ds) => {
      seenBeforeReindexKill.push(ds);
      if (ds.status_new !== 'READ ONLY' && ds.processing?.operation === 'REINDEX') throw new Error(`reindex ended (${ds.status_new}) before it could be interrupted`);
      return ds.processing?.operation === 'REINDEX' && ds.processing.status === 'RUNNING' && ds.processing.stage === 'similarity';
    });
    const started = await post(`${server.url}/api/v1/dataset/${id}/reindex`, admin.token);
    expect(started.status).toBe(202);
    await following;
    await server.kill('SIGKILL');
    server = await start('2');
    const afterReindex = await waitForDatasetStatus(server.url, admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'], 300_000);
    resumedReindex = afterReindex.events[0];
    ready = afterReindex.dataset;
  }, 900_000);

  it('was killed in the middle of the batch, and resumed it after the restart', () => {
    const last = seenBeforeKill.at(-1)!;
    expect(last.processing).toMatchObject({ operation: 'ADD_MEDIA', total });
    expect(resumedAdd.status_new).toBe('READ ONLY');
    expect(resumedAdd.processing.operation).toBe('ADD_MEDIA');
    expect(resumedAdd.processing.done).toBeGreaterThanOrEqual(last.processing.done);
  });

  it('ends the batch PARTIAL INDEX with exact counts', () => {
    expect(partial).toMatchObject({ status_new: 'PARTIAL INDEX', status: 'READY', progress: 100, n_images: BASE + total, fatal_error_msg: null });
    expect(partial.processing).toMatchObject({ operation: 'ADD_MEDIA', status: 'COMPLETED', total, done: total, failed: 0 });
  });

  it('finds the new copies against the old items as soon as the batch ends, before any reindex', () => {
    const media = atPartial.media!;
    expect(media.size).toBe(BASE + total);
    expect(atPartial.exact).toEqual([media.get(baseNames[0]!).media_id]);
    expect(atPartial.half).toContain(media.get(baseNames[1]!).media_id);
    // The new items are in the search index: the half-size copy is next to its original.
    expect(atPartial.nearestToOriginal!.slice(0, 2)).toContain('half-size-copy.jpg');
  });

  it('was killed during the similarity stage of the reindex, which the restart finished: READY, same counts', async () => {
    expect(seenBeforeReindexKill.at(-1)).toMatchObject({ status_new: 'READ ONLY', processing: { operation: 'REINDEX', status: 'RUNNING', stage: 'similarity' } });
    expect(resumedReindex.status_new).toBe('READ ONLY');
    expect(resumedReindex.processing).toMatchObject({ operation: 'REINDEX', stage: 'similarity' });
    expect(ready).toMatchObject({ status_new: 'READY', progress: 100, n_images: BASE + total, n_videos: 0, fatal_error_msg: null });
    expect(ready.processing).toMatchObject({ operation: 'REINDEX', status: 'COMPLETED', stage: 'summarize', done: 0, failed: 0 });
    // One task per operation: the restart resumed the reindex rather than starting another.
    const { tasks } = (await get(`/api/v1/tasks?dataset_id=${id}&sort_order=asc`)).body;
    expect(tasks.map((x: any) => [x.task_type, x.status])).toEqual([['DATASET_CREATION', 'COMPLETED'], ['MEDIA_ADDITION', 'COMPLETED'], ['REINDEX', 'COMPLETED']]);
    expect(tasks[1]).toMatchObject({ done: total, failed: 0, total });
  });

  it('scores every item, old and new, and keeps the copies grouped with their originals', async () => {
    const media = await mediaByName();
    expect(media.size).toBe(BASE + total);
    for (const [name, m] of media) expect(m.uniqueness_score, name).not.toBeNull();
    const exact = await get(`/api/v1/dataset/${id}/media/${media.get('exact-copy.jpg').media_id}/duplicates?threshold=1`);
    expect(exact.body).toEqual([media.get(baseNames[0]!).media_id]);
    const half = await get(`/api/v1/dataset/${id}/media/${media.get('half-size-copy.jpg').media_id}/duplicates?threshold=0.96`);
    expect(half.body).toContain(media.get(baseNames[1]!).media_id);
  });

  it('holds one item per source file in the store: nothing added twice by the re-runs', async () => {
    await servers.at(-1)!.stop();
    const store = await createSqliteStore(dataDir);
    try {
      const items = await store.items.page(id, '', 10_000);
      expect(items).toHaveLength(BASE + total);
      expect(items.filter((i) => i.state === 'done')).toHaveLength(BASE + total);
      const addedNames = items.filter((i) => i.taskId !== items.find((x) => x.fileName === baseNames[0])!.taskId).map((i) => i.fileName).sort();
      expect(addedNames).toEqual((await readdir(added)).sort());
    } finally {
      await store.close();
    }
  });
});

describe('add_media killed with -9 while its files stream in', () => {
  const STORED = 3;
  let server: ServerProcess;
  let admin: Credentials;
  let id: string;
  let uploadsDir: string;
  let transId: string;
  let orphansAfterKill: string[];
  let photos: string[];

  const uploadsOf = async () => (await readdir(uploadsDir, { recursive: true }).catch(() => [] as string[])).filter((f) => f.includes('/'));

  beforeAll(async () => {
    const small = join(root, 'import', 'small');
    await mkdir(small);
    for (const n of baseNames.slice(0, 3)) await copyFile(join(base, n), join(small, n));
    photos = (await readdir(added)).filter((n) => n.endsWith('.jpg')).slice(0, STORED + 1);
    const streamDataDir = join(root, 'stream-data');
    const startHere = (workers: string) => startRun(servers, { dataDir: streamDataDir, importRoot: join(root, 'import'), admin: ADMIN, workers });
    server = await startHere('1');
    admin = await credentialsFor(server.url, ADMIN.email, ADMIN.password);
    id = await createDatasetFrom(server.url, admin.token, 'streamed into', small);
    expect((await waitForDatasetStatus(server.url, admin.token, id, ['READY', 'ERROR'], 300_000)).dataset.status_new).toBe('READY');
    uploadsDir = join(streamDataDir, 'blobs', 'datasets', id, 'uploads');

    // A multipart body sent as it is made: STORED whole photos, then half of one more, then nothing.
    const boundary = 'strata-kill-test';
    const head = (name: string) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\nContent-Type: image/jpeg\r\n\r\n`);
    let send!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (send = c) });
    const request = fetch(`${server.url}/api/v1/dataset/${id}/add_media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
      duplex: 'half',
    } as RequestInit).catch((err: unknown) => err);
    for (const name of photos.slice(0, STORED)) {
      send.enqueue(head(name));
      send.enqueue(await readFile(join(added, name)));
      send.enqueue(Buffer.from('\r\n'));
    }
    const last = await readFile(join(added, photos[STORED]!));
    send.enqueue(head(photos[STORED]!));
    send.enqueue(last.subarray(0, last.length >> 1));
    for (let i = 0; (await uploadsOf()).length < STORED; i++) {
      if (i > 600) throw new Error(`the server stored ${(await uploadsOf()).length} of ${STORED} files in 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await server.kill('SIGKILL');
    await request;
    orphansAfterKill = await uploadsOf();
    transId = orphansAfterKill[0]!.split('/')[0]!;

    server = await startHere('1');
  }, 600_000);

  it('left the stored files of the cut request behind when it was killed', () => {
    expect(orphansAfterKill).toHaveLength(STORED);
  });

  it('reclaims them once the request is known dead: no file, no row, the dataset as it was', async () => {
    const deadline = Date.now() + 150_000;
    while ((await uploadsOf()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    expect(await uploadsOf()).toEqual([]);
    const { body } = await getJson(server.url, `/api/v1/dataset/${id}`, admin.token);
    expect(body).toMatchObject({ status_new: 'READY', n_images: 3 });
    expect((await getJson(server.url, `/api/v1/dataset/${id}/media?page_size=100`, admin.token)).body.total).toBe(3);
    const files = await getJson(server.url, `/api/v1/ingestion/${id}/data_files/${transId}`, admin.token);
    expect(files.status).toBe(404);
  }, 200_000);

  it('takes the same files again in a new request, counted once', async () => {
    const fd = new FormData();
    for (const name of photos) fd.append('files', new Blob([new Uint8Array(await readFile(join(added, name)))]), name);
    expect((await post(`${server.url}/api/v1/dataset/${id}/add_media`, admin.token, fd)).status).toBe(202);
    const { dataset } = await waitForDatasetStatus(server.url, admin.token, id, ['PARTIAL INDEX', 'READY', 'ERROR'], 300_000);
    expect(dataset).toMatchObject({ status_new: 'PARTIAL INDEX', n_images: 3 + STORED + 1 });
    expect(await uploadsOf()).toHaveLength(STORED + 1);
  }, 300_000);
});
