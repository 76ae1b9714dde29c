import { copyFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaProcessor } from '../../src/ports/media-processor.ts';
import { createDatasetFrom, getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { waitForExport } from '../helpers/exports.ts';
import { holdCalls } from '../helpers/held-calls.ts';
import { readZip } from '../helpers/zip.ts';
import { testMediaDir, videosDir } from '../helpers/test-media.ts';
import { startPostgres } from '../helpers/postgres.ts';
import { startS3Server } from '../helpers/s3-server.ts';
import { createS3Client } from '../../src/media/s3-client.ts';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Enrichment (SPEC §8) over a real indexed folder of darknet's sample photos: the copy shares
 * the source's files and vectors, the source stays as it was (READ ONLY while the copy is
 * processed), and the copy's objects and labels are what the photos show.
 */
const PHOTOS = ['dog.jpg', 'horses.jpg', 'person.jpg', 'kite.jpg', 'eagle.jpg', 'giraffe.jpg', 'scream.jpg'];
const BUCKET = 'media';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

/** Both backends; `keys` lists every stored blob (to see that enrichment stores no byte twice). */
const backends = [
  {
    name: 'SQLite, in-process queue, local blobs',
    start: async () => ({ env: {}, keys: (t: TestServer) => filesUnder(join(t.dataDir, 'blobs')), stop: async () => {} }),
  },
  {
    name: 'PostgreSQL, pg-boss, S3 blobs',
    start: async () => {
      const [postgres, s3] = await Promise.all([startPostgres(), startS3Server({ buckets: [BUCKET] })]);
      const client = createS3Client(s3.connection);
      return {
        env: { STRATA_DATABASE_URL: postgres.url, ...s3.strataEnv(BUCKET) },
        keys: async () => {
          const keys: string[] = [];
          for (let token: string | undefined; ; ) {
            const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: token }));
            keys.push(...(page.Contents ?? []).map((o) => o.Key!));
            if (!page.IsTruncated) return keys.sort();
            token = page.NextContinuationToken;
          }
        },
        stop: async () => {
          client.destroy();
          await Promise.all([postgres.stop(), s3.stop()]);
        },
      };
    },
  },
];

let root: string;

beforeAll(async () => {
  root = await tempDir('strata-enrich-');
  const darknet = join(await testMediaDir(), 'root/usr/share/darknet/data');
  for (const name of PHOTOS) await copyFile(join(darknet, name), join(root, name));
  // A copy of a photo: its objects duplicate the original's.
  await copyFile(join(darknet, 'dog.jpg'), join(root, 'dog-copy.jpg'));
  // A video: its frames are enriched like images.
  await copyFile(join(await videosDir(), 'tree.avi'), join(root, 'tree.avi'));
}, 120_000);

const DETECTOR = 'strata_object_detector_centernet_v00';
const TAGGER = 'strata_image_tagger_centernet_v00';

describe.each(backends)('enrichment ($name)', (backend) => {
  let t: TestServer;
  let sourceId: string;
  let sourceMedia: any[];
  let blobsBefore: string[];

  const get = (path: string) => getJson(t.url, path, t.admin.token);
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${t.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const enrich = (id: string, models: Record<string, string>) => post(`/api/v1/dataset/${id}/enrich_dataset`, { enrichment_models: models });

  let blobKeys: () => Promise<string[]>;
  let stopBackend: () => Promise<void>;

  beforeAll(async () => {
    const started = await backend.start();
    stopBackend = started.stop;
    t = await startTestServer({ STRATA_IMPORT_ROOTS: root, STRATA_VIDEO_MAX_FRAMES: '2', ...started.env });
    blobKeys = () => started.keys(t);
    sourceId = await createDatasetFrom(t.url, t.admin.token, 'darknet', root);
    await waitForDatasetStatus(t.url, t.admin.token, sourceId, ['READY', 'ERROR'], 300_000);
    sourceMedia = (await get(`/api/v1/dataset/${sourceId}/media?page_size=100`)).body.media;
    blobsBefore = await blobKeys();
  }, 400_000);
  afterAll(async () => {
    await t?.close();
    await stopBackend?.();
  });

  describe('enrichment models', () => {
    it('lists detection and tagging as Active, captions and text search as Coming Soon', async () => {
      const { status, body } = await get(`/api/v1/enrichment/${sourceId}/list_models`);
      expect(status).toBe(200);
      const byType = Object.fromEntries(body.map((m: any) => [m.type, m]));
      expect(byType.OBJECT_DETECTION).toMatchObject({ id: DETECTOR, status: 'Active', dependencies: null });
      expect(byType.IMAGE_TAGGING).toMatchObject({ id: TAGGER, status: 'Active' });
      expect(byType.CAPTION_IMAGES.status).toBe('Coming Soon');
      expect(byType.MULTIMODEL_IMAGE_ENCODING.status).toBe('Coming Soon');
      for (const m of body) expect(Object.keys(m).sort()).toEqual(['dependencies', 'description', 'id', 'name', 'status', 'type', 'vendor']);
      expect((await get('/api/v1/enrichment/no-such-dataset/list_models')).status).toBe(404);
    });

    it('refuses unknown types, unknown models and models that are not available', async () => {
      expect((await enrich(sourceId, {})).status).toBe(422);
      expect((await enrich(sourceId, { FACE_DETECTION: 'x' })).body.detail).toMatch(/Unknown enrichment type/);
      expect((await enrich(sourceId, { OBJECT_DETECTION: 'no-such-model' })).status).toBe(422);
      const caption = await enrich(sourceId, { CAPTION_IMAGES: 'strata_image_captioner_v00' });
      expect(caption.status).toBe(422);
      expect(caption.body.detail).toMatch(/not available/);
      expect((await enrich('no-such-dataset', { OBJECT_DETECTION: DETECTOR })).status).toBe(404);
      expect((await get(`/api/v1/dataset/${sourceId}`)).body.status_new).toBe('READY');
    });

    it('says NEW for a dataset no enrichment made', async () => {
      const { body } = await get(`/api/v1/enrichment/${sourceId}/context`);
      const { available_models: available, ...rest } = body;
      expect(rest).toEqual({ dataset_id: sourceId, source_dataset_id: null, status: 'NEW', dataset_enrichment_models: null, n_objects: 0 });
      expect(available.OBJECT_DETECTION).toMatchObject({ id: DETECTOR, status: 'Active' });
      expect(available.MULTIMODEL_IMAGE_ENCODING).toMatchObject({ status: 'Coming Soon', description: expect.stringMatching(/STRATA_CLIP_IMAGE_ONNX/) });
      expect(available.CAPTION_IMAGES).toMatchObject({ status: 'Coming Soon', description: expect.stringMatching(/STRATA_CAPTION_URL/) });
    });
  });

  describe('an enrichment copy', () => {
    let copyId: string;
    let copy: any;
    let copyEvents: any[];
    let duringSource: any;
    let duringConflicts: Array<{ status: number; body: any }>;
    const calls = { analyzeImage: 0, embedImage: 0, detectObjects: 0 };

    beforeAll(async () => {
      // Every call the copy makes of the media workers is counted: its images are not decoded
      // or embedded again, only detected in.
      const media = t.server.ctx.pipeline.media as MediaProcessor;
      const originals = { analyzeImage: media.analyzeImage, embedImage: media.embedImage, detectObjects: media.detectObjects };
      for (const key of Object.keys(calls) as Array<keyof typeof calls>) {
        const call = originals[key] as (...args: unknown[]) => Promise<unknown>;
        (media as any)[key] = (...args: unknown[]) => {
          calls[key] += 1;
          return call.apply(media, args);
        };
      }
      // Detection waits at a gate while the test looks at the source: READ ONLY for certain.
      const detection = holdCalls(media, 'detectObjects');
      const started = await enrich(sourceId, { OBJECT_DETECTION: DETECTOR, IMAGE_TAGGING: TAGGER });
      expect(started.status).toBe(200);
      copyId = started.body.dataset_id;
      duringSource = (await get(`/api/v1/dataset/${sourceId}`)).body;
      duringConflicts = [await enrich(sourceId, { OBJECT_DETECTION: DETECTOR }), await fetch(`${t.url}/api/v1/dataset/${sourceId}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.admin.token}` } }).then(async (r) => ({ status: r.status, body: await r.json() }))];
      const waiting = waitForDatasetStatus(t.url, t.admin.token, copyId, ['READY', 'ERROR'], 300_000);
      detection.open();
      ({ dataset: copy, events: copyEvents } = await waiting);
      detection.restore();
      Object.assign(media, originals);
    }, 400_000);

    it('detects in the copied images without analysing or embedding them again', () => {
      expect(calls).toEqual({ analyzeImage: 0, embedImage: 0, detectObjects: expect.any(Number) });
      expect(calls.detectObjects).toBeGreaterThanOrEqual(PHOTOS.length + 1);
    });

    it('is a new READY dataset of source_type ENRICHMENT, with the source\'s media and its objects', () => {
      expect(copy).toMatchObject({ status_new: 'READY', source_type: 'ENRICHMENT', source_dataset_id: sourceId, n_images: PHOTOS.length + 1, n_videos: 1, progress: 100 });
      expect(copy.n_objects).toBeGreaterThan(20);
      const progress = copyEvents.map((e) => e.progress);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
    });

    it('holds the source READ ONLY (ENRICHING) while it is processed, then lets it go', async () => {
      expect(duringSource).toMatchObject({ status_new: 'READ ONLY', status: 'ENRICHING' });
      expect(duringConflicts.map((c) => c.status)).toEqual([409, 409]);
      expect(duringConflicts[0]!.body.detail).toMatch(/blocked while ENRICHMENT task is running/);
      expect((await get(`/api/v1/dataset/${sourceId}`)).body).toMatchObject({ status_new: 'READY', status: 'READY', n_objects: 0 });
    });

    it('leaves the source as it was, and stores no byte twice', async () => {
      expect((await get(`/api/v1/dataset/${sourceId}/media?page_size=100`)).body.media).toEqual(sourceMedia);
      const added = (await blobKeys()).filter((f) => !blobsBefore.includes(f));
      // Only the copy's own vector indexes (of its images, of its objects) are new: thumbnails
      // and files are the source's.
      expect(added).toEqual([`datasets/${copyId}/objects.usearch`, `datasets/${copyId}/vectors.usearch`]);
      const sourceItems = await t.server.ctx.store.items.page(sourceId, '', 1000);
      const copyItems = (await t.server.ctx.store.items.page(copyId, '', 1000)).filter((i) => i.kind !== 'object');
      const key = (i: { location: string; thumbKey: string | null; byteHash: string | null }) => `${i.location} ${i.thumbKey} ${i.byteHash}`;
      expect(copyItems.map(key).sort()).toEqual(sourceItems.map(key).sort());
      const copyMedia = (await get(`/api/v1/dataset/${copyId}/media?page_size=100`)).body.media;
      const thumb = async (ds: string, name: string, list: any[]) =>
        Buffer.from(await (await fetch(`${t.url}${list.find((m) => m.file_name === name).media_thumb_uri}`, { headers: { authorization: `Bearer ${t.admin.token}` } })).arrayBuffer());
      expect((await thumb(copyId, 'dog.jpg', copyMedia)).equals(await thumb(sourceId, 'dog.jpg', sourceMedia))).toBe(true);
    });

    it('stores each object with its box, label and confidence, and labels each image', async () => {
      const copyMedia = (await get(`/api/v1/dataset/${copyId}/media?page_size=100`)).body.media;
      const dog = copyMedia.find((m: any) => m.file_name === 'dog.jpg');
      expect(dog.labels).toEqual(expect.arrayContaining(['dog', 'bicycle', 'car']));
      const detail = (await get(`/api/v1/dataset/${copyId}/media/${dog.media_id}`)).body;
      const found = detail.objects.find((o: any) => o.label === 'dog');
      expect(found.confidence).toBeGreaterThan(0.3);
      // The dog sits in the lower left of the 768 × 576 photo.
      expect(found.bounding_box.x).toBeLessThan(200);
      expect(found.bounding_box.y).toBeGreaterThan(150);
      expect(found.bounding_box.x + found.bounding_box.width).toBeLessThanOrEqual(dog.width);
      const scream = copyMedia.find((m: any) => m.file_name === 'scream.jpg');
      expect(scream.labels).toEqual([]);
    });

    it('filters by label with the labels parameter and VQL; the source has no labels', async () => {
      const names = (body: any) => body.clusters.flatMap((c: any) => c.previews.map((p: any) => p.file_name)).sort();
      const horses = await get(`/api/v1/explore/${copyId}?threshold=0&labels=${encodeURIComponent('["horse"]')}`);
      expect(horses.status).toBe(200);
      expect(names(horses.body)).toContain('horses.jpg');
      expect(names(horses.body)).not.toContain('eagle.jpg');
      const vql = encodeURIComponent(JSON.stringify([{ labels: { op: 'one_of', value: ['giraffe', 'zebra'] } }]));
      expect(names((await get(`/api/v1/explore/${copyId}?threshold=0&vql=${vql}`)).body)).toEqual(['giraffe.jpg']);
      expect(names((await get(`/api/v1/explore/${sourceId}?threshold=0&vql=${vql}`)).body)).toEqual([]);
    });

    it('flags an image whose labels none of its labelled neighbours share as a mislabel candidate', async () => {
      const vql = encodeURIComponent(JSON.stringify([{ issues: { op: 'issue', value: 'mislabels', mode: 'in' } }]));
      const flagged = (await get(`/api/v1/explore/${copyId}?threshold=0&vql=${vql}`)).body.clusters.flatMap((c: any) => c.previews);
      // The eagle is the only "bird": every labelled neighbour disagrees.
      const eagle = flagged.find((p: any) => p.file_name === 'eagle.jpg');
      expect(eagle.issues.find((i: any) => i.issue_type === 'mislabels')).toEqual({ issue_type: 'mislabels', confidence: 1, reason: { disagreeing_neighbours: 1 } });
      // An image with no label is never judged, and the source has no labels at all.
      expect(flagged.map((p: any) => p.file_name)).not.toContain('scream.jpg');
      expect((await get(`/api/v1/explore/${sourceId}?threshold=0&vql=${vql}`)).body.clusters).toEqual([]);
    });

    it('exports each image\'s labels and objects in metadata.json', async () => {
      const started = (await get(`/api/v1/dataset/${copyId}/export_context_async?export_format=json`)).body;
      const status = await waitForExport(t.url, t.admin.token, copyId, started.id);
      expect(status.status).toBe('COMPLETED');
      const zip = Buffer.from(await (await fetch(`${t.url}${status.download_uri}`, { headers: { authorization: `Bearer ${t.admin.token}` } })).arrayBuffer());
      const metadata = JSON.parse((await readZip(zip)).get('metadata.json')!.toString());
      const dog = metadata.media_items.find((m: any) => m.file_name === 'dog.jpg');
      const labels = dog.metadata_items.filter((i: any) => i.type === 'image_label').map((i: any) => i.properties.category_name);
      expect(labels).toEqual(expect.arrayContaining(['dog', 'bicycle', 'car']));
      const dogObject = dog.metadata_items.find((i: any) => i.type === 'object_label' && i.properties.category_name === 'dog');
      expect(dogObject.properties).toMatchObject({ source: 'OBJECT_DETECTION', confidence: expect.any(Number), bbox: [expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)] });
      // Objects are part of their image's record, never items of their own.
      expect(metadata.media_items.every((m: any) => m.media_type !== 'object')).toBe(true);
    });

    it('tells which models made it', async () => {
      const { available_models: _available, ...body } = (await get(`/api/v1/enrichment/${copyId}/context`)).body;
      expect(body).toEqual({
        dataset_id: copyId,
        source_dataset_id: sourceId,
        status: 'COMPLETED',
        dataset_enrichment_models: { enrichment_models: { OBJECT_DETECTION: DETECTOR, IMAGE_TAGGING: TAGGER } },
        n_objects: copy.n_objects,
      });
    });

    it('keeps the source from being deleted while the copy uses its files', async () => {
      const res = await fetch(`${t.url}/api/v1/dataset/${sourceId}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.admin.token}` } });
      expect(res.status).toBe(409);
      expect(((await res.json()) as any).detail).toMatch(/enrichment copies/);
    });

    it('clusters its objects apart from its images (entity_type=OBJECTS)', async () => {
      const images = (await get(`/api/v1/explore/${copyId}?threshold=0`)).body;
      expect(images.clusters.reduce((n: number, c: any) => n + c.n_images, 0)).toBe(PHOTOS.length + 1);
      expect(new Set(images.clusters.flatMap((c: any) => c.previews.map((p: any) => p.type)))).toEqual(new Set(['IMAGE', 'VIDEO_FRAME']));
      expect(images.clusters.reduce((n: number, c: any) => n + c.n_frames, 0)).toBe(2);

      const { status, body } = await get(`/api/v1/explore/${copyId}?threshold=0&entity_type=OBJECTS`);
      expect(status).toBe(200);
      expect(body.metadata.entity_type).toBe('OBJECTS');
      expect(body.clusters.every((c: any) => c.type === 'OBJECTS' && c.n_images === 0)).toBe(true);
      expect(body.clusters.reduce((n: number, c: any) => n + c.n_objects, 0)).toBe(copy.n_objects);
      const previews = body.clusters.flatMap((c: any) => c.previews);
      const imageIds = new Set((await get(`/api/v1/dataset/${copyId}/media?page_size=100`)).body.media.map((m: any) => m.media_id));
      for (const p of previews) {
        expect(p.type).toBe('OBJECT');
        expect(imageIds.has(p.image_id)).toBe(true);
        expect(p.media_thumb_uri).toBe(`/api/v1/dataset/${copyId}/media/${p.image_id}/thumbnail`);
        expect(p.labels).toHaveLength(1);
        expect(p.bounding_box.width).toBeGreaterThan(0);
        expect(p.confidence).toBeGreaterThanOrEqual(0.3);
      }
      // The source has no objects.
      expect((await get(`/api/v1/explore/${sourceId}?threshold=0&entity_type=OBJECTS`)).body.clusters).toEqual([]);
    });

    it('filters objects by label, and finds the objects that duplicate each other', async () => {
      const kites = (await get(`/api/v1/explore/${copyId}?threshold=0&entity_type=OBJECTS&labels=${encodeURIComponent('["kite"]')}`)).body;
      const kitePreviews = kites.clusters.flatMap((c: any) => c.previews);
      expect(kitePreviews.length).toBeGreaterThan(2);
      expect(kitePreviews.every((p: any) => p.labels[0] === 'kite')).toBe(true);
      const vql = encodeURIComponent(JSON.stringify([{ duplicates: { op: 'duplicates', value: 0.96 } }]));
      const dups = (await get(`/api/v1/explore/${copyId}?threshold=0&entity_type=OBJECTS&vql=${vql}`)).body;
      const dupPreviews = dups.clusters.flatMap((c: any) => c.previews);
      // The objects of dog.jpg and of its copy, and nothing else.
      const media = (await get(`/api/v1/dataset/${copyId}/media?page_size=100`)).body.media;
      const dogs = new Set(media.filter((m: any) => m.file_name.startsWith('dog')).map((m: any) => m.media_id));
      expect(dupPreviews.length).toBeGreaterThanOrEqual(6);
      expect(dupPreviews.every((p: any) => dogs.has(p.image_id))).toBe(true);
    });

    it('searches objects by similarity, from an object or an uploaded crop', async () => {
      const media = (await get(`/api/v1/dataset/${copyId}/media?page_size=100`)).body.media;
      const eagle = media.find((m: any) => m.file_name === 'eagle.jpg');
      const bird = (await get(`/api/v1/dataset/${copyId}/media/${eagle.media_id}`)).body.objects[0];
      expect(bird.label).toBe('bird');
      const fromObject = (await get(`/api/v1/explore/${copyId}?entity_type=OBJECTS&anchor_media_id=${bird.object_id}&anchor_type=MEDIA`)).body;
      expect(fromObject.clusters[0].previews[0]).toMatchObject({ media_id: bird.object_id, type: 'OBJECT', labels: ['bird'] });
      expect(fromObject.clusters[0].relevance_score).toBeLessThan(0.01);
      expect(fromObject.clusters.every((c: any) => c.previews[0].type === 'OBJECT')).toBe(true);

      const { x, y, width, height } = bird.bounding_box;
      const crop = await sharp(join(await testMediaDir(), 'root/usr/share/darknet/data/eagle.jpg')).extract({ left: x, top: y, width, height }).png().toBuffer();
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(crop)], { type: 'image/png' }), 'bird.png');
      const res = await fetch(`${t.url}/api/v1/dataset/${copyId}/search-image-similarity?entity_type=OBJECTS`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}` }, body: form });
      const anchor = (await res.json()) as any;
      const fromUpload = (await get(`/api/v1/explore/${copyId}?entity_type=OBJECTS&anchor_media_id=${anchor.anchor_media_id}&anchor_type=UPLOAD`)).body;
      expect(fromUpload.clusters[0].previews[0].media_id).toBe(bird.object_id);
    });
  });
});
