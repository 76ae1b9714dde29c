import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataClient } from '../../src/client/index.ts';
import { startCaptionServer } from '../helpers/caption-server.ts';
import { centred, writeColourClip } from '../helpers/clip-models.ts';
import { createDatasetFrom, getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { waitForExport } from '../helpers/exports.ts';
import { storeBackends } from '../helpers/backends.ts';
import { testMediaDir } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { readZip } from '../helpers/zip.ts';

/**
 * Captions and text-to-image search (SPEC §7, §8) with models the operator configures: a tiny
 * CLIP pair whose space is colour (test/helpers/clip-models.ts) and a local OpenAI-compatible
 * endpoint that captions an image with its dominant colour. Real files (coloured pictures
 * written as JPEG, PNG and WebP, and darknet's photos) go through the real server, enrichment
 * and search, on both backends.
 */
const COLOURED: Record<string, readonly [number, number, number]> = {
  'red-a.jpg': [210, 40, 35],
  'red-b.png': [180, 20, 60],
  'green-a.jpg': [40, 190, 50],
  'green-b.webp': [70, 160, 40],
  'blue-a.jpg': [30, 60, 200],
  'blue-b.png': [50, 40, 170],
};
const PHOTOS = ['dog.jpg', 'horses.jpg', 'eagle.jpg'];
const CAPTIONER = 'strata_image_captioner_v00';
const ENCODER = 'strata_multimodal_encoder_v00';
const DETECTOR = 'strata_object_detector_centernet_v00';
const BUCKET = 'media';

/** A picture of one colour with a gradient and noise: real pixels, not a flat fill. */
function colouredPicture([r, g, b]: readonly [number, number, number], seed: number): Promise<sharp.Sharp> {
  const width = 240;
  const height = 180;
  const data = Buffer.alloc(width * height * 3);
  let state = seed;
  const noise = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31 - 0.5) * 30;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const shade = 0.85 + (0.3 * x) / width;
      const i = (y * width + x) * 3;
      [r, g, b].forEach((v, c) => (data[i + c] = Math.max(0, Math.min(255, Math.round(v * shade + noise())))));
    }
  }
  return Promise.resolve(sharp(data, { raw: { width, height, channels: 3 } }));
}

const cosine = (a: readonly number[], b: readonly number[]) => {
  const dot = a.reduce((s, v, i) => s + v * b[i]!, 0);
  return dot / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
};

let root: string;
/** Each file's mean colour as decoded independently of Strata: what the colour towers see. */
const meanColour = new Map<string, number[]>();

beforeAll(async () => {
  root = await tempDir('strata-text-search-');
  let seed = 1;
  for (const [name, rgb] of Object.entries(COLOURED)) {
    const picture = await colouredPicture(rgb, seed++);
    const format = name.split('.').pop() as 'jpg' | 'png' | 'webp';
    await writeFile(join(root, name), await (format === 'png' ? picture.png() : format === 'webp' ? picture.webp() : picture.jpeg()).toBuffer());
  }
  const darknet = join(await testMediaDir(), 'root/usr/share/darknet/data');
  for (const name of PHOTOS) await copyFile(join(darknet, name), join(root, name));
  for (const name of [...Object.keys(COLOURED), ...PHOTOS]) {
    const stats = await sharp(join(root, name)).stats();
    meanColour.set(name, stats.channels.slice(0, 3).map((c) => c.mean / 255));
  }
}, 120_000);

const backends = storeBackends(BUCKET);

describe.each(backends)('captions and text search ($name)', (backend) => {
  let t: TestServer;
  let captions: Awaited<ReturnType<typeof startCaptionServer>>;
  let stopBackend: () => Promise<void>;
  let sourceId: string;
  let copyId: string;
  let copy: any;

  const get = (path: string) => getJson(t.url, path, t.admin.token);
  const search = (id: string, query: string) => get(`/api/v1/explore/${id}?${query}`);
  const names = (body: any): string[] => body.clusters.map((c: any) => c.previews[0].file_name);

  beforeAll(async () => {
    const started = await backend.start();
    stopBackend = started.stop;
    captions = await startCaptionServer();
    const { env: clipEnv } = await writeColourClip(await tempDir('strata-clip-model-'));
    t = await startTestServer({
      STRATA_IMPORT_ROOTS: root,
      ...clipEnv,
      STRATA_CAPTION_URL: captions.url,
      STRATA_CAPTION_MODEL: 'colour-captioner',
      STRATA_CAPTION_API_KEY: 'caption-key',
      STRATA_CAPTION_MAX_SIDE: '200',
      ...started.env,
    });
    sourceId = await createDatasetFrom(t.url, t.admin.token, 'colours', root);
    await waitForDatasetStatus(t.url, t.admin.token, sourceId, ['READY', 'ERROR'], 300_000);
    const res = await fetch(`${t.url}/api/v1/dataset/${sourceId}/enrich_dataset`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enrichment_models: { CAPTION_IMAGES: CAPTIONER, MULTIMODEL_IMAGE_ENCODING: ENCODER, OBJECT_DETECTION: DETECTOR } }),
    });
    expect(res.status).toBe(200);
    copyId = ((await res.json()) as { dataset_id: string }).dataset_id;
    ({ dataset: copy } = await waitForDatasetStatus(t.url, t.admin.token, copyId, ['READY', 'ERROR'], 300_000));
  }, 600_000);
  afterAll(async () => {
    await t?.close();
    await captions?.stop();
    await stopBackend?.();
  });

  it('lists captions and text search as Active with the configured models', async () => {
    const byType = Object.fromEntries((await get(`/api/v1/enrichment/${sourceId}/list_models`)).body.map((m: any) => [m.type, m]));
    expect(byType.CAPTION_IMAGES).toMatchObject({ id: CAPTIONER, status: 'Active', description: expect.stringMatching(/colour-captioner/) });
    expect(byType.MULTIMODEL_IMAGE_ENCODING).toMatchObject({ id: ENCODER, status: 'Active', description: expect.stringMatching(/clip-image\.onnx.*clip-text\.onnx/) });
    const context = (await get(`/api/v1/enrichment/${copyId}/context`)).body;
    expect(context).toMatchObject({ status: 'COMPLETED', dataset_enrichment_models: { enrichment_models: { CAPTION_IMAGES: CAPTIONER, MULTIMODEL_IMAGE_ENCODING: ENCODER } } });
    expect(context.available_models.CAPTION_IMAGES.status).toBe('Active');
  });

  it('sent each image once to the caption endpoint, as a JPEG data URL with the key and prompt', () => {
    expect(copy).toMatchObject({ status_new: 'READY', n_images: Object.keys(COLOURED).length + PHOTOS.length });
    expect(captions.requests).toHaveLength(copy.n_images);
    for (const r of captions.requests) {
      expect(r).toMatchObject({ authorization: 'Bearer caption-key', model: 'colour-captioner', prompt: expect.stringMatching(/Describe this image/) });
      expect(r.image.format).toBe('jpeg');
      expect(Math.max(r.image.width, r.image.height)).toBe(200);
    }
  });

  it('shows each image\'s caption in the media list, its details (metadata_items) and explore previews', async () => {
    const media = (await get(`/api/v1/dataset/${copyId}/media?page_size=100`)).body.media;
    for (const name of Object.keys(COLOURED)) {
      const m = media.find((x: any) => x.file_name === name);
      expect(m.captions, name).toEqual([`a ${name.split('-')[0]} picture`]);
      const detail = (await get(`/api/v1/dataset/${copyId}/media/${m.media_id}`)).body;
      expect(detail.metadata_items).toEqual([{ type: 'caption', properties: { caption: `a ${name.split('-')[0]} picture`, source: 'CAPTION_IMAGES' } }]);
    }
    const previews = (await search(copyId, 'threshold=4')).body.clusters.flatMap((c: any) => c.previews);
    expect(previews.length).toBeGreaterThan(0);
    for (const p of previews) expect(p.caption).toMatch(/^a (red|green|blue) picture$/);
    // The source was not enriched: no captions there.
    expect((await get(`/api/v1/dataset/${sourceId}/media?page_size=100`)).body.media.every((m: any) => m.captions.length === 0)).toBe(true);
  });

  it('ranks the images by a text through the text tower: "red" finds the red pictures first', async () => {
    for (const colour of ['red', 'green', 'blue'] as const) {
      const { status, body } = await search(copyId, `caption=${encodeURIComponent(`a photo of something ${colour}`)}`);
      expect(status).toBe(200);
      expect(body.metadata).toMatchObject({ caption: `a photo of something ${colour}`, total_clusters: copy.n_images });
      expect(names(body).slice(0, 2).sort()).toEqual(Object.keys(COLOURED).filter((n) => n.startsWith(colour)).sort());
      const direction = centred(colour === 'red' ? [1, 0, 0] : colour === 'green' ? [0, 1, 0] : [0, 0, 1]);
      // Each score is the cosine distance between the text and the image's mean colour.
      for (const c of body.clusters) {
        expect(c).toMatchObject({ formed_by: 'similarity_search', relevance_score_type: 'cosine_distance', n_images: 1 });
        const expected = 1 - cosine(centred(meanColour.get(c.previews[0].file_name)!), direction);
        expect(c.relevance_score).toBeCloseTo(expected, 1);
      }
      const scores = body.clusters.map((c: any) => c.relevance_score);
      expect(scores).toEqual([...scores].sort((a: number, b: number) => a - b));
    }
  });

  it('keeps only the results as similar as textual_similarity_threshold, and reads VQL semantic text as a caption', async () => {
    const client = new StrataClient({ baseUrl: t.url, auth: { apiKey: t.admin.apiKey, apiSecret: t.admin.apiSecret } });
    const close = await client.explore(copyId, { caption: 'red', textualSimilarityThreshold: 0.95 });
    expect(names(close).sort()).toEqual(['red-a.jpg', 'red-b.png']);
    for (const c of close.clusters) expect(c.relevance_score).toBeLessThanOrEqual(0.05 + 1e-6);
    const vql = encodeURIComponent(JSON.stringify([{ text: { op: 'semantic', value: 'blue' } }]));
    expect(names((await search(copyId, `vql=${vql}`)).body).slice(0, 2).sort()).toEqual(['blue-a.jpg', 'blue-b.png']);
  });

  it('finds captions with VQL fts', async () => {
    const vql = encodeURIComponent(JSON.stringify([{ text: { op: 'fts', value: 'green picture' } }]));
    const found = (await search(copyId, `threshold=4&vql=${vql}`)).body.clusters.flatMap((c: any) => c.previews.map((p: any) => p.file_name));
    const media = (await get(`/api/v1/dataset/${copyId}/media?page_size=100`)).body.media;
    const expected = media.filter((m: any) => m.captions[0] === 'a green picture').map((m: any) => m.file_name);
    expect(expected).toEqual(expect.arrayContaining(['green-a.jpg', 'green-b.webp']));
    expect(found.sort()).toEqual(expected.sort());
  });

  it('searches the objects\' crops by text with entity_type=OBJECTS', async () => {
    expect(copy.n_objects).toBeGreaterThan(0);
    const { status, body } = await search(copyId, 'entity_type=OBJECTS&caption=red');
    expect(status).toBe(200);
    expect(body.metadata.total_clusters).toBe(copy.n_objects);
    // Each score is the cosine distance between the text and the mean colour of the object's box.
    for (const c of body.clusters) {
      const p = c.previews[0];
      expect(p).toMatchObject({ type: 'OBJECT', bounding_box: expect.any(Object) });
      const { x, y, width, height } = p.bounding_box;
      const { data, info } = await sharp(join(root, p.file_name)).extract({ left: x, top: y, width, height }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const mean = [0, 1, 2].map((ch) => data.reduce((s, v, i) => (i % info.channels === ch ? s + v : s), 0) / (info.width * info.height * 255));
      expect(c.relevance_score).toBeCloseTo(1 - cosine(centred(mean), centred([1, 0, 0])), 1);
    }
  });

  it('refuses text search where it cannot answer: no text index, mixed queries', async () => {
    const source = await search(sourceId, 'caption=red');
    expect(source.status).toBe(409);
    expect(source.body.detail).toMatch(/MULTIMODEL_IMAGE_ENCODING/);
    const anchor = (await get(`/api/v1/dataset/${copyId}/media?page_size=1`)).body.media[0].media_id;
    const mixed = await search(copyId, `caption=red&anchor_media_id=${anchor}`);
    expect(mixed.status).toBe(422);
    expect((await search(copyId, 'textual_similarity_threshold=0.5')).status).toBe(422);
    expect((await search(copyId, 'caption=red&textual_similarity_threshold=2')).status).toBe(422);
  });

  it('exports each image\'s caption in metadata.json, and as the last column of metadata.csv', async () => {
    const exported = async (format: string) => {
      const started = (await get(`/api/v1/dataset/${copyId}/export_context_async?export_format=${format}`)).body;
      const status = await waitForExport(t.url, t.admin.token, copyId, started.id);
      expect(status.status).toBe('COMPLETED');
      return readZip(Buffer.from(await (await fetch(`${t.url}${status.download_uri}`, { headers: { authorization: `Bearer ${t.admin.token}` } })).arrayBuffer()));
    };
    const metadata = JSON.parse((await exported('json')).get('metadata.json')!.toString());
    const red = metadata.media_items.find((m: any) => m.file_name === 'red-a.jpg');
    expect(red.metadata_items.filter((i: any) => i.type === 'caption')).toEqual([{ type: 'caption', properties: { caption: 'a red picture', source: 'CAPTION_IMAGES' } }]);
    const csv = (await exported('csv')).get('metadata.csv')!.toString().trim().split(/\r?\n/);
    expect(csv[0]!.split(',').at(-1)).toBe('caption');
    expect(csv.find((line) => line.includes('red-a.jpg'))).toMatch(/,a red picture$/);
  });

  it('runs the copy\'s models on media added to it later: captioned, text-searchable, with objects', async () => {
    const before = captions.requests.length;
    const form = new FormData();
    const red = await (await colouredPicture([200, 30, 40], 99)).jpeg().toBuffer();
    form.append('files', new Blob([new Uint8Array(red)]), 'red-c.jpg');
    const dog = await readFile(join(root, 'dog.jpg'));
    form.append('files', new Blob([new Uint8Array(dog)]), 'dog-again.jpg');
    const res = await fetch(`${t.url}/api/v1/dataset/${copyId}/add_media`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}` }, body: form });
    expect(res.status).toBe(202);
    const { dataset: grown } = await waitForDatasetStatus(t.url, t.admin.token, copyId, ['READY', 'PARTIAL INDEX', 'ERROR'], 300_000);
    expect(grown).toMatchObject({ n_images: copy.n_images + 2 });
    expect(captions.requests.length - before).toBe(2);
    const media = (await get(`/api/v1/dataset/${copyId}/media?page_size=100`)).body.media;
    expect(media.find((m: any) => m.file_name === 'red-c.jpg').captions).toEqual(['a red picture']);
    const { body } = await search(copyId, `caption=${encodeURIComponent('a photo of something red')}`);
    expect(names(body).slice(0, 3).sort()).toEqual(['red-a.jpg', 'red-b.png', 'red-c.jpg']);
    const dogAgain = (await get(`/api/v1/dataset/${copyId}/media/${media.find((m: any) => m.file_name === 'dog-again.jpg').media_id}`)).body;
    expect(dogAgain.objects.map((o: any) => o.label)).toContain('dog');
    expect(grown.n_objects).toBeGreaterThan(copy.n_objects);
  });
});
