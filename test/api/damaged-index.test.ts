import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../src/lib/seeded-random.ts';
import { createDatasetFrom, getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { copySmallPhotos } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * A dataset's saved index file damaged in storage (garbage of the same size, a truncated copy)
 * would crash the process inside usearch's loader. The server (this test's own process) must
 * stay up: similarity search answers from an index built from the stored embeddings, add_media
 * and reindex build a new index, and the damage is logged. An addition that could not extend
 * the index ran the full similarity pass instead: its results are complete, and it ends READY.
 */
let t: TestServer;
let root: string;
let id: string;
let warn: ReturnType<typeof vi.spyOn>;

const get = (path: string) => getJson(t.url, path, t.admin.token);
const post = async (path: string, body?: FormData) => {
  const res = await fetch(`${t.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}` }, body });
  return { status: res.status, body: await res.json() };
};
const settle = async () => (await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'], 300_000)).dataset.status_new;
const indexFile = () => join(t.dataDir, 'blobs', 'datasets', id, 'vectors.usearch');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The similarity search from the first image: [media id, distance] nearest first. */
async function similarToFirst(): Promise<Array<[string, number]>> {
  const media = (await get(`/api/v1/dataset/${id}/media?page_size=1000`)).body.media;
  const anchor = media.map((m: any) => m.media_id).sort()[0];
  const res = await get(`/api/v1/explore/${id}?anchor_media_id=${anchor}&anchor_type=MEDIA`);
  expect(res.status).toBe(200);
  const hits: Array<[string, number]> = res.body.clusters.map((c: any) => [c.previews[0].media_id, c.relevance_score]);
  expect(hits).toHaveLength(media.length);
  // The anchor is nearest, possibly tied with an identical copy of it (either may come first).
  expect(hits.find(([m]) => m === anchor)![1]).toBeCloseTo(hits[0]![1], 6);
  return hits;
}

/** Every media at the same distance (copies tie at 0, in either order). */
function expectSameAnswer(after: Array<[string, number]>, before: Array<[string, number]>): void {
  const distances = new Map(before);
  expect(new Set(after.map(([m]) => m))).toEqual(new Set(distances.keys()));
  for (const [m, d] of after) expect(d).toBeCloseTo(distances.get(m)!, 4);
}

/** Damages the stored file, and drops the index the server has open so that it loads it again. */
async function damage(bytes: (saved: Buffer) => Buffer): Promise<void> {
  await writeFile(indexFile(), bytes(await readFile(indexFile())));
  await t.server.ctx.vectorSearch.close();
  warn.mockClear();
}

const warnedDamage = (detail: RegExp) =>
  expect(warn).toHaveBeenCalledWith(expect.objectContaining({ datasetId: id, damage: expect.stringMatching(detail) }), 'the saved vector index file is damaged: not loading it');

/** The record of the saved index matches the file in storage again. */
async function expectSoundIndex(): Promise<void> {
  const record = await t.server.ctx.store.similarity.vectorIndex(id, 'IMAGES');
  const file = await readFile(indexFile());
  expect(record!.file).toEqual({ bytes: file.length, sha256: sha256(file) });
}

beforeAll(async () => {
  root = await tempDir('strata-damaged-index-');
  await copySmallPhotos(join(root, 'base'), 6, 400_000);
  await copySmallPhotos(join(root, 'more'), 2, 400_000);
  await copySmallPhotos(join(root, 'later'), 1, 400_000);
  await copySmallPhotos(join(root, 'auto'), 1, 400_000);
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root });
  warn = vi.spyOn(t.server.ctx.logger, 'warn');
  id = await createDatasetFrom(t.url, t.admin.token, 'damaged-index', join(root, 'base'));
  expect(await settle()).toBe('READY');
  await expectSoundIndex();
}, 400_000);
afterAll(async () => t?.close());

describe('a damaged saved index', () => {
  it('garbage of the same size: search still answers, add_media builds a new index and ends READY', async () => {
    const before = await similarToFirst();
    const random = seededRandom(11);
    await damage((saved) => Buffer.from(Array.from({ length: saved.length }, () => Math.floor(random() * 256))));

    expectSameAnswer(await similarToFirst(), before);
    warnedDamage(/^SHA-256 /);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ datasetId: id, size: 6 }), 'searching an index built from the stored embeddings in place of the damaged saved one');

    // add_media extends the saved index: damaged, the full similarity pass rebuilds it from every
    // embedding instead, and recomputes every dataset-level result with it.
    warn.mockClear();
    const started = await post(`/api/v1/dataset/${id}/add_media`, formOf({ s3_uri: join(root, 'more') }));
    expect(started.status).toBe(202);
    expect(await settle()).toBe('READY');
    const [added] = (await get(`/api/v1/tasks?dataset_id=${id}&task_type=MEDIA_ADDITION`)).body.tasks;
    expect(added).toMatchObject({ task_id: started.body.task_id, status: 'COMPLETED', done: 2, dataset_status: 'READY' });
    warnedDamage(/^SHA-256 /);
    await expectSoundIndex();
    expect(await similarToFirst()).toHaveLength(8);
  }, 300_000);

  it('a truncated copy: search still answers, reindex builds a new index', async () => {
    // An addition that extends the sound index leaves the dataset PARTIAL INDEX, to reindex.
    expect((await post(`/api/v1/dataset/${id}/add_media`, formOf({ s3_uri: join(root, 'later') }))).status).toBe(202);
    expect(await settle()).toBe('PARTIAL INDEX');
    const before = await similarToFirst();
    await damage((saved) => saved.subarray(0, saved.length >> 1));

    expectSameAnswer(await similarToFirst(), before);
    warnedDamage(/bytes, \d+ saved$/);

    // A reindex reuses the saved index when it holds every embedding: damaged, it builds anew.
    warn.mockClear();
    expect((await post(`/api/v1/dataset/${id}/reindex`)).status).toBe(202);
    expect(await settle()).toBe('READY');
    warnedDamage(/bytes, \d+ saved$/);
    await expectSoundIndex();
    expectSameAnswer(await similarToFirst(), before);
  }, 300_000);

  it('with auto_reindex: the full similarity pass runs once, not in the extend stage and again after it', async () => {
    await damage((saved) => saved.subarray(0, saved.length >> 1));
    const writes = vi.spyOn(t.server.ctx.store.similarity, 'insertScores');
    try {
      expect((await post(`/api/v1/dataset/${id}/add_media`, formOf({ s3_uri: join(root, 'auto'), auto_reindex: 'true' }))).status).toBe(202);
      expect(await settle()).toBe('READY');
      // One batch of scores per similarity pass at this size.
      expect(writes).toHaveBeenCalledTimes(1);
    } finally {
      writes.mockRestore();
    }
    await expectSoundIndex();
    expect(await similarToFirst()).toHaveLength(10);
  }, 300_000);
});

function formOf(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
}
