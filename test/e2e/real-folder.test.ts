import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { photosDir, videosDir } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const PHOTOS = 40;

let t: TestServer;
let dir: string;
let photoNames: string[];

beforeAll(async () => {
  const root = await tempDir('strata-real-');
  dir = join(root, 'dataset');
  await mkdir(join(dir, 'clips'), { recursive: true });
  photoNames = (await readdir(await photosDir())).sort().slice(0, PHOTOS);
  for (const name of photoNames) await copyFile(join(await photosDir(), name), join(dir, name));
  // an exact copy under another name: same byte hash
  await copyFile(join(dir, photoNames[0]!), join(dir, `copy-of-${photoNames[0]}`));
  await copyFile(join(await videosDir(), 'tree.avi'), join(dir, 'clips', 'tree.avi'));
  const real = await readFile(join(dir, photoNames[1]!));
  await writeFile(join(dir, 'half.jpg'), real.subarray(0, Math.floor(real.length / 2)));
  await writeFile(join(dir, 'zero.png'), Buffer.alloc(0));
  await writeFile(join(dir, 'liar.jpg'), Buffer.from('GIF89a but not really'));
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root, STRATA_VIDEO_MAX_FRAMES: '8' });
}, 600_000);
afterAll(async () => t?.close());

describe('indexing a real folder of photos and a video', () => {
  let dataset: any;
  let id: string;

  beforeAll(async () => {
    const fd = new FormData();
    fd.set('dataset_name', 'real photos');
    fd.set('bucket_path', dir);
    const res = await fetch(`${t.url}/api/v1/dataset`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}` }, body: fd });
    id = (await res.json()).dataset_id;
    ({ dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'], 300_000));
  }, 320_000);

  it('counts every valid photo and the video, and records the three broken files', async () => {
    expect(dataset).toMatchObject({ status_new: 'READY', n_images: PHOTOS + 1, n_videos: 1, progress: 100 });
    expect(dataset.processing).toMatchObject({ total: PHOTOS + 1 + 1 + 3, failed: 3 });
    expect(dataset.processing.n_frames).toBeGreaterThan(0);
    expect(dataset.processing.n_frames).toBeLessThanOrEqual(8);
    const errors = await getJson(t.url, `/api/v1/dataset/${id}/errors`, t.admin.token);
    expect(errors.body.map((e: { file_name: string }) => e.file_name).sort()).toEqual(['half.jpg', 'liar.jpg', 'zero.png']);
  });

  it('stores size, format, hashes, quality and a thumbnail for every item', async () => {
    const items = await t.server.ctx.store.items.page(id, '', 10_000);
    const byName = new Map(items.filter((i) => i.kind === 'image').map((i) => [i.fileName, i]));
    for (const name of photoNames) {
      const item = byName.get(name)!;
      expect(item, name).toBeDefined();
      expect(item.state).toBe('done');
      expect(item.width).toBeGreaterThan(0);
      expect(item.height).toBeGreaterThan(0);
      expect(item.format).toMatch(/^(jpeg|png)$/);
      expect(item.phash).toMatch(/^[0-9a-f]{16}$/);
      expect(item.byteHash).toMatch(/^[0-9a-f]{64}$/);
      expect(item.quality!.blur).toBeGreaterThanOrEqual(0);
      expect(existsSync(join(t.dataDir, 'blobs', item.thumbKey!))).toBe(true);
    }
    // an exact copy shares the byte hash (exact duplicates)
    expect(byName.get(`copy-of-${photoNames[0]}`)!.byteHash).toBe(byName.get(photoNames[0]!)!.byteHash);
    const frames = items.filter((i) => i.kind === 'video_frame');
    expect(frames.length).toBe(dataset.processing.n_frames);
    const video = items.find((i) => i.kind === 'video')!;
    for (const f of frames) {
      expect(f.parentId).toBe(video.id);
      expect(f.location).toMatch(/^blob:/);
      expect(existsSync(join(t.dataDir, 'blobs', f.location.slice(5)))).toBe(true);
    }
    expect(new Set(frames.map((f) => f.frameIndex)).size).toBe(frames.length);
  });
});
