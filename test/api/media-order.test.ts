import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeBackends } from '../helpers/backends.ts';
import { createDatasetFrom, getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { photosDir, videosDir } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * The order media are listed in, on a real folder of photos and two of opencv's sample videos:
 * by file name, a video's frames in frame order, numbered from 0 as their timestamps are. The
 * All media tab, a cluster's media and explore's previews read this order.
 */
const FRAMES = 6;
const backends = storeBackends('media');

let root: string;
beforeAll(async () => {
  root = await tempDir('strata-media-order-');
  const photos = await photosDir();
  const videos = await videosDir();
  await mkdir(join(root, 'clips'));
  await mkdir(join(root, 'z'));
  await copyFile(join(photos, 'darknet-dog.jpg'), join(root, 'b.jpg'));
  await copyFile(join(photos, 'darknet-eagle.jpg'), join(root, 'a.jpg'));
  await copyFile(join(photos, 'darknet-horses.jpg'), join(root, 'z', 'c.jpg'));
  await copyFile(join(videos, 'tree.avi'), join(root, 'clips', 'tree.avi'));
  await copyFile(join(videos, 'Megamind_bugy.avi'), join(root, 'clips', 'Megamind_bugy.avi'));
}, 120_000);

type Listed = { media_id: string; file_name: string; cluster_id: string; frame_index?: number; frame_timestamp?: number };

describe.each(backends)('media order ($name)', (backend) => {
  let t: TestServer;
  let stopBackend: () => Promise<void>;
  let id: string;
  let media: Listed[];
  const get = (path: string) => getJson(t.url, path, t.admin.token);

  beforeAll(async () => {
    const started = await backend.start();
    stopBackend = started.stop;
    t = await startTestServer({ STRATA_IMPORT_ROOTS: root, STRATA_VIDEO_MAX_FRAMES: String(FRAMES), ...started.env });
    id = await createDatasetFrom(t.url, t.admin.token, 'ordered', root);
    const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'], 300_000);
    expect(dataset).toMatchObject({ status_new: 'READY', n_images: 3, n_videos: 2 });
    media = (await get(`/api/v1/dataset/${id}/media?page_size=100`)).body.media;
  }, 400_000);
  afterAll(async () => {
    await t?.close();
    await stopBackend?.();
  });

  it('lists media by file name, and each video\'s frames in frame order from frame 0 at 0 s', () => {
    const frames = [...Array(FRAMES).keys()];
    expect(media.map((m) => (m.frame_index === undefined ? m.file_name : `${m.file_name}#${m.frame_index}`))).toEqual([
      'a.jpg',
      'b.jpg',
      ...frames.map((i) => `clips/Megamind_bugy.avi#${i}`),
      ...frames.map((i) => `clips/tree.avi#${i}`),
      'z/c.jpg',
    ]);
    for (const video of ['clips/Megamind_bugy.avi', 'clips/tree.avi']) {
      const times = media.filter((m) => m.file_name === video).map((m) => m.frame_timestamp!);
      // Evenly spaced under the frame cap: frame n is n intervals in.
      const interval = times[1]!;
      expect(interval).toBeGreaterThan(0);
      times.forEach((s, i) => expect(s, `${video} frame ${i}`).toBeCloseTo(i * interval, 2));
    }
  });

  it('pages through the same order', async () => {
    const paged: string[] = [];
    for (let page = 0; page * 4 < media.length; page++) {
      const body = (await get(`/api/v1/dataset/${id}/media?page_size=4&page_number=${page}`)).body;
      expect(body.total).toBe(media.length);
      paged.push(...body.media.map((m: Listed) => m.media_id));
    }
    expect(paged).toEqual(media.map((m) => m.media_id));
  });

  it("lists a cluster's media, and shows explore's previews, in the same order", async () => {
    const clusters = (await get(`/api/v1/explore/${id}?threshold=0`)).body.clusters as Array<{ cluster_id: string; previews: Listed[] }>;
    expect(clusters.length).toBeGreaterThan(1);
    // Frames of one video fall together: some cluster has several members to order.
    expect(Math.max(...clusters.map((c) => media.filter((m) => m.cluster_id === c.cluster_id).length))).toBeGreaterThan(2);
    for (const c of clusters) {
      const members = media.filter((m) => m.cluster_id === c.cluster_id).map((m) => m.media_id);
      expect(c.previews.map((p) => p.media_id), c.cluster_id).toEqual(members.slice(0, c.previews.length));
      const listed = (await get(`/api/v1/dataset/${id}/media?cluster_id=${c.cluster_id}`)).body.media as Listed[];
      expect(listed.map((m) => m.media_id), c.cluster_id).toEqual(members);
    }
  });
});
