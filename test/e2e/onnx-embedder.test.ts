import { copyFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { similarityStage } from '../../src/pipeline/similarity.stage.ts';
import { createDatasetFrom, getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { writeMobileNetOnnx } from '../helpers/onnx-model.ts';
import { photosDir } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/** A dataset indexed with an operator-supplied ONNX encoder instead of the bundled one. */
const PHOTOS = 12;
let t: TestServer;
let id: string;
let names: string[];
let root: string;

beforeAll(async () => {
  root = await tempDir('strata-onnx-e2e-');
  const model = await writeMobileNetOnnx(await tempDir('strata-onnx-model-'));
  names = (await readdir(await photosDir())).sort().slice(20, 20 + PHOTOS);
  for (const n of names) await copyFile(join(await photosDir(), n), join(root, n));
  await copyFile(join(root, names[0]!), join(root, 'copy.jpg'));
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root, ...model.env });
  id = await createDatasetFrom(t.url, t.admin.token, 'onnx', root);
  await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'], 300_000);
}, 400_000);
afterAll(async () => t?.close());

describe('an operator-supplied ONNX embedder', () => {
  it('embeds every image in the media workers, labelled with the model', async () => {
    const index = await t.server.ctx.store.similarity.vectorIndex(id, 'IMAGES');
    expect(index).toMatchObject({ dimension: 576, size: PHOTOS + 1 });
    expect(index!.model).toMatch(/^onnx:encoder\.onnx@[0-9a-f]{12}\/160px\/nhwc\//);
  });

  it('serves similarity search and exact duplicates; without a calibration, 0.96 keeps identical files only', async () => {
    const media = (await getJson(t.url, `/api/v1/dataset/${id}/media?page_size=100`, t.admin.token)).body.media;
    const original = media.find((m: any) => m.file_name === names[0]);
    const copy = media.find((m: any) => m.file_name === 'copy.jpg');
    const similar = await getJson(t.url, `/api/v1/explore/${id}?anchor_media_id=${original.media_id}`, t.admin.token);
    expect(similar.body.clusters).toHaveLength(PHOTOS + 1);
    expect(similar.body.clusters.slice(0, 2).map((c: any) => c.previews[0].media_id).sort()).toEqual([original.media_id, copy.media_id].sort());
    expect(similar.body.clusters[1].relevance_score).toBeCloseTo(0, 4);
    for (const m of media) {
      const dups = (await getJson(t.url, `/api/v1/dataset/${id}/media/${m.media_id}/duplicates?threshold=0.96`, t.admin.token)).body;
      const expected = m.media_id === original.media_id ? [copy.media_id] : m.media_id === copy.media_id ? [original.media_id] : [];
      expect(dups, m.file_name).toEqual(expected);
    }
  });
});

describe('changing the embedder', () => {
  it('refuses to compare the new model with the old index, then re-embeds every item when the similarity step runs again', async () => {
    const before = (await getJson(t.url, `/api/v1/dataset/${id}/media?page_size=100`, t.admin.token)).body.media;
    await t.close({ keepData: true });
    t = await startTestServer({ STRATA_IMPORT_ROOTS: root }, { dataDir: t.dataDir }); // the bundled model now
    const ctx = t.server.ctx;
    const current = ctx.pipeline.media.embeddingModel;
    expect(current).toMatch(/^nsfwjs-mobilenet-v2@/);
    // An upload embedded by the new model cannot be ranked against the old index.
    const fd = new FormData();
    fd.set('file', new Blob([new Uint8Array(await readFile(join(root, names[3]!)))]), 'q.jpg');
    const anchor = await (await fetch(`${t.url}/api/v1/dataset/${id}/search-image-similarity`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}` }, body: fd })).json();
    const refused = await getJson(t.url, `/api/v1/explore/${id}?anchor_media_id=${anchor.anchor_media_id}&anchor_type=UPLOAD`, t.admin.token);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/indexed with the embedding model onnx:encoder\.onnx/);

    const dataset = (await ctx.store.datasets.get(id))!;
    const task = (await ctx.store.tasks.get(dataset.lastTaskId!))!;
    await similarityStage(ctx.pipeline, dataset, task);
    expect(await ctx.store.similarity.itemsToEmbed(id, current, '', 100)).toEqual([]);
    expect((await ctx.store.similarity.vectorIndex(id, 'IMAGES'))!.model).toBe(current);
    const found = await getJson(t.url, `/api/v1/explore/${id}?anchor_media_id=${anchor.anchor_media_id}&anchor_type=UPLOAD`, t.admin.token);
    expect(found.status).toBe(200);
    expect(found.body.clusters[0].previews[0].file_name).toBe(names[3]);
    const after = (await getJson(t.url, `/api/v1/dataset/${id}/media?page_size=100`, t.admin.token)).body.media;
    expect(after.map((m: any) => m.media_id).sort()).toEqual(before.map((m: any) => m.media_id).sort());
  });
});
