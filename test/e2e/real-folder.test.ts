import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasetFrom, getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { startPostgres } from '../helpers/postgres.ts';
import { startS3Server } from '../helpers/s3-server.ts';
import { photosDir, videosDir } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const PHOTOS = 40;

/**
 * The same end-to-end run on both backends: embedded (SQLite, in-process queue, local disk) and
 * scale-out (PostgreSQL, pg-boss, S3 through s3rver) — the code paths differ only below the ports.
 */
const backends = [
  { name: 'SQLite, in-process queue, local blobs', start: async () => ({ env: {}, stop: async () => {} }) },
  {
    name: 'PostgreSQL, pg-boss, S3 blobs',
    start: async () => {
      const [postgres, s3] = await Promise.all([startPostgres(), startS3Server({ buckets: ['media'] })]);
      return {
        env: { STRATA_DATABASE_URL: postgres.url, ...s3.strataEnv('media') },
        stop: async () => {
          await Promise.all([postgres.stop(), s3.stop()]);
        },
      };
    },
  },
];

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
}, 600_000);

describe.each(backends)('indexing a real folder of photos and a video ($name)', (backend) => {
  let t: TestServer;
  let stopBackend: () => Promise<void>;
  let dataset: any;
  let id: string;

  beforeAll(async () => {
    const started = await backend.start();
    stopBackend = started.stop;
    t = await startTestServer({ STRATA_IMPORT_ROOTS: join(dir, '..'), STRATA_VIDEO_MAX_FRAMES: '8', ...started.env });
    id = await createDatasetFrom(t.url, t.admin.token, 'real photos', dir);
    ({ dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'], 300_000));
  }, 400_000);
  afterAll(async () => {
    await t?.close();
    await stopBackend?.();
  });

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
    const blobs = t.server.ctx.blobs;
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
      const thumb = await blobs.read(item.thumbKey!);
      expect(thumb, name).not.toBeNull();
      thumb!.stream.resume();
    }
    // an exact copy shares the byte hash (exact duplicates)
    expect(byName.get(`copy-of-${photoNames[0]}`)!.byteHash).toBe(byName.get(photoNames[0]!)!.byteHash);
    const frames = items.filter((i) => i.kind === 'video_frame');
    expect(frames.length).toBe(dataset.processing.n_frames);
    const video = items.find((i) => i.kind === 'video')!;
    for (const f of frames) {
      expect(f.parentId).toBe(video.id);
      expect(f.location).toMatch(/^blob:/);
      const frame = await blobs.read(f.location.slice(5));
      expect(frame).not.toBeNull();
      frame!.stream.resume();
    }
    expect(new Set(frames.map((f) => f.frameIndex)).size).toBe(frames.length);
  });

  it('embeds every image and frame, and finds the exact copy as a duplicate at 1.0', async () => {
    const media = (await getJson(t.url, `/api/v1/dataset/${id}/media?page_size=1000`, t.admin.token)).body;
    expect(media.total).toBe(PHOTOS + 1 + dataset.processing.n_frames);
    for (const m of media.media) expect(m.uniqueness_score, m.file_name).not.toBeNull();
    const original = media.media.find((m: any) => m.file_name === photoNames[0]);
    const copy = media.media.find((m: any) => m.file_name === `copy-of-${photoNames[0]}`);
    const dups = await getJson(t.url, `/api/v1/dataset/${id}/media/${original.media_id}/duplicates?threshold=1`, t.admin.token);
    expect(dups.body).toEqual([copy.media_id]);
    const groups = await getJson(t.url, `/api/v1/dataset/${id}/duplicates?threshold=1`, t.admin.token);
    expect(groups.body.groups.map((g: any) => g.media.map((m: any) => m.media_id).sort())).toEqual([[original.media_id, copy.media_id].sort()]);
    const frames = media.media.filter((m: any) => m.type === 'VIDEO_FRAME');
    expect(frames.length).toBe(dataset.processing.n_frames);
    const clusters = (await getJson(t.url, `/api/v1/explore/${id}?threshold=0`, t.admin.token)).body.clusters;
    expect(clusters.reduce((n: number, c: any) => n + c.n_images + c.n_frames, 0)).toBe(media.total);
  });
});
