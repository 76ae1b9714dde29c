import { openAsBlob } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataApiError, StrataClient, type DatasetJson } from '../../src/client/index.ts';
import { tempDir } from '../helpers/folders.ts';
import { photosDir } from '../helpers/test-media.ts';
import { ADMIN, startTestServer, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let client: StrataClient;
let photos: string;
let importRoot: string;
beforeAll(async () => {
  photos = await photosDir();
  importRoot = await tempDir('strata-client-');
  t = await startTestServer({ STRATA_IMPORT_ROOTS: importRoot });
  client = new StrataClient({ baseUrl: t.url, auth: { apiKey: t.admin.apiKey, apiSecret: t.admin.apiSecret } });
});
afterAll(async () => {
  await t?.close();
  await rm(importRoot, { recursive: true, force: true });
});

const PHOTOS = ['darknet-dog.jpg', 'darknet-eagle.jpg', 'darknet-horses.jpg', 'darknet-kite.jpg'];
const photo = async (name: string) => ({ name, data: await openAsBlob(join(photos, name)) });

async function rejection(promise: Promise<unknown>): Promise<StrataApiError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StrataApiError);
  return err as StrataApiError;
}

describe('the typed client against a running server', () => {
  let datasetId: string;

  it('uploads files in the four steps and follows indexing to the end', async () => {
    const { dataset_id } = await client.newDataset('client upload');
    datasetId = dataset_id;
    const { trans_id } = await client.openTransaction(dataset_id);
    const first = await client.uploadFiles(dataset_id, trans_id, [await photo(PHOTOS[0]!), await photo(PHOTOS[1]!)]);
    expect(first).toMatchObject({ trans_id, files_uploaded: 2, files_already_uploaded: 0 });
    await client.uploadFiles(dataset_id, trans_id, [await photo(PHOTOS[2]!), await photo(PHOTOS[3]!), { name: 'notes.txt', data: new Blob(['not an image']) }]);
    expect(await client.processFiles(dataset_id, trans_id)).toEqual({ dataset_id, trans_id, status: 'INDEXING' });
    const held = await client.listTransactionFiles(dataset_id, trans_id);
    expect(held.state).toBe('submitted');
    expect(held.files.map((f) => f.file_name).sort()).toEqual([...PHOTOS, 'notes.txt'].sort());

    const seen: DatasetJson[] = [];
    const done = await client.waitForStatus(dataset_id, { onProgress: (d) => seen.push(d) });
    expect(['READY', 'PARTIAL INDEX']).toContain(done.status_new);
    expect(seen.at(-1)).toEqual(done);
    expect(done).toMatchObject({ id: dataset_id, display_name: 'client upload', n_images: 4, progress: 100 });
    expect(await client.creationStatus(dataset_id)).toEqual({ status: done.status_new, progress: 100 });
  });

  it('reads the results: datasets, failures, media, duplicates, thumbnails, clusters', async () => {
    expect((await client.listDatasets({ sortBy: 'name' })).map((d) => d.id)).toContain(datasetId);
    const { errors, total } = await client.listErrors(datasetId);
    expect(total).toBe(1);
    expect(errors[0]).toMatchObject({ file_name: 'notes.txt' });

    const page = await client.listMedia(datasetId, { pageSize: 10 });
    expect(page.total).toBe(4);
    expect(page.media.map((m) => m.file_name).sort()).toEqual(PHOTOS);
    const one = await client.getMedia(datasetId, page.media[0]!.media_id);
    expect(one).toMatchObject({ media_id: page.media[0]!.media_id, type: 'IMAGE', width: expect.any(Number) });
    expect(one.exif).not.toBeUndefined();
    expect(Array.isArray(await client.mediaDuplicates(datasetId, one.media_id, { threshold: 0.96 }))).toBe(true);
    const groups = await client.duplicateGroups(datasetId, { threshold: 0.97 });
    expect(groups).toMatchObject({ level: 0.97, total: groups.groups.length });
    const thumb = await client.mediaThumbnail(datasetId, one.media_id);
    expect(thumb.type).toMatch(/^image\/(jpeg|webp)$/);
    expect((await client.mediaImage(datasetId, one.media_id)).size).toBeGreaterThan(thumb.size);

    const clusters = await client.explore(datasetId, { threshold: 0 });
    expect(clusters.clusters.reduce((n, c) => n + c.n_images, 0)).toBe(4);
    const anchor = await client.searchImageSimilarity(datasetId, await photo(PHOTOS[0]!));
    const similar = await client.explore(datasetId, { anchorMediaId: anchor.anchor_media_id, anchorType: 'UPLOAD' });
    expect(similar.clusters[0]!.previews[0]!.file_name).toBe(PHOTOS[0]);
  });

  it('polls with the ETag when asked to, and returns at once on a settled dataset', async () => {
    const first = await client.pollDataset(datasetId, null);
    expect(first.dataset?.id).toBe(datasetId);
    expect(await client.pollDataset(datasetId, first.etag)).toEqual({ dataset: null, etag: first.etag, retryAfterSeconds: null });
    expect((await client.waitForStatus(datasetId, { via: 'polling' })).status_new).toBe(first.dataset!.status_new);
  });

  it('stops waiting when its signal aborts', async () => {
    const { dataset_id } = await client.newDataset('never submitted');
    const ac = new AbortController();
    const waiting = client.waitForStatus(dataset_id, { signal: ac.signal, onProgress: () => ac.abort() });
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('creates a dataset from a server-side folder', async () => {
    const folder = join(importRoot, 'two');
    await mkdir(folder);
    for (const name of PHOTOS.slice(0, 2)) await copyFile(join(photos, name), join(folder, name));
    const { dataset_id } = await client.createDataset({ name: 'from folder', bucketPath: folder });
    expect((await client.getDataset(dataset_id)).display_name).toBe('from folder');
    expect((await client.waitForStatus(dataset_id)).n_images).toBe(2);
    expect(await client.deleteDataset(dataset_id)).toEqual({ dataset_id, deleted: true });
  });

  it('throws StrataApiError with the status and the detail the server sent', async () => {
    const missing = await rejection(client.getDataset('no-such-dataset'));
    expect(missing).toMatchObject({ status: 404, detail: 'Dataset not found', method: 'GET' });
    expect(missing.requestId).toMatch(/./);
    const invalid = await rejection(client.listMedia(datasetId, { pageSize: 0 }));
    expect(invalid.status).toBe(422);
    expect(invalid.detail).toEqual([expect.objectContaining({ loc: ['query', 'page_size'] })]);
    expect(invalid.message).toMatch(/query\.page_size/);
    const deleted = await client.deleteDataset(datasetId);
    expect(deleted.deleted).toBe(true);
    expect((await rejection(client.waitForStatus(datasetId))).status).toBe(404);
    const nowhere = new StrataClient({ baseUrl: 'http://127.0.0.1:1', auth: { session: true } });
    expect((await rejection(nowhere.health())).status).toBe(0);
  });

  it('creates and revokes API keys; a revoked key is refused', async () => {
    const creds = await client.createApiCredentials();
    const other = new StrataClient({ baseUrl: t.url, auth: { apiKey: creds.api_key, apiSecret: creds.api_secret } });
    expect(Array.isArray(await other.listDatasets())).toBe(true);
    expect(await client.revokeApiKey(creds.api_key)).toEqual({ message: 'API key revoked' });
    expect((await rejection(other.listDatasets())).status).toBe(401);
  });

  it('uses the session cookie, without a token, when told to', async () => {
    // A browser keeps the cookie itself; this fetch plays that part and records what is sent.
    let cookie = '';
    const sent: Array<Record<string, string>> = [];
    const browserLike: typeof fetch = async (input, init) => {
      const headers = { ...(init?.headers as Record<string, string>), ...(cookie && { cookie }) };
      sent.push(headers);
      expect(init?.credentials).toBe('include');
      const res = await fetch(input, { ...init, headers });
      const set = res.headers.get('set-cookie');
      if (set) cookie = set.split(';')[0]!;
      return res;
    };
    const session = new StrataClient({ baseUrl: t.url, auth: { session: true }, fetch: browserLike });
    expect(await session.login(ADMIN.email, ADMIN.password)).toMatchObject({ email: ADMIN.email, role: 'admin' });
    expect((await session.listDatasets()).length).toBeGreaterThanOrEqual(0);
    expect(await session.logout()).toEqual({ message: 'Logged out' });
    expect(sent.every((h) => h.authorization === undefined)).toBe(true);
    cookie = '';
    expect((await rejection(session.listDatasets())).status).toBe(401);
  });
});

