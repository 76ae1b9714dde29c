import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasetFrom, getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { photosDir, testMediaDir } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Outliers on a small real dataset (under the 20 images from which the former rule looked at
 * all): opencv's chessboard calibration series, one scene shot 13 times, with a wallpaper and an
 * IDE screenshot planted among them.
 */
let t: TestServer;
let media: any[];
let id: string;
const planted = ['plasma-Kite.jpg', 'eclipse_cdt_cfg1.png'];

beforeAll(async () => {
  const root = await tempDir('strata-outliers-');
  const photos = await photosDir();
  const boards = (await readdir(photos)).filter((n) => /^opencv-left\d+\.jpg$/.test(n));
  for (const n of boards) await copyFile(join(photos, n), join(root, n));
  const kite = (await readdir(photos)).find((n) => n.startsWith('plasma-Kite'))!;
  await copyFile(join(photos, kite), join(root, planted[0]!));
  await copyFile(join(await testMediaDir(), 'root/usr/share/doc/opencv-doc/opencv4/html/eclipse_cdt_cfg1.png'), join(root, planted[1]!));
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root });
  id = await createDatasetFrom(t.url, t.admin.token, 'outliers', root);
  await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'], 300_000);
  media = (await getJson(t.url, `/api/v1/dataset/${id}/media?page_size=1000`, t.admin.token)).body.media;
  expect(media).toHaveLength(boards.length + planted.length);
  expect(boards.length).toBeGreaterThanOrEqual(10);
}, 400_000);
afterAll(async () => t?.close());

describe('outliers', () => {
  it('finds the two planted images, with confidence ≥ 0.5 and the distance behind it, and no chessboard', async () => {
    const outlier = (m: any) => m.issues.find((i: any) => i.issue_type === 'outliers');
    for (const m of media) {
      if (planted.includes(m.file_name)) {
        expect(outlier(m), m.file_name).toMatchObject({ reason: { mean_neighbour_distance: expect.any(Number) } });
        expect(outlier(m).confidence, m.file_name).toBeGreaterThanOrEqual(0.5);
      } else {
        expect(outlier(m), m.file_name).toBeUndefined();
      }
    }
    const vql = encodeURIComponent(JSON.stringify([{ issues: { op: 'issue', value: 'outliers', confidence_min: 0.5 } }]));
    const res = await getJson(t.url, `/api/v1/explore/${id}?threshold=0&vql=${vql}`, t.admin.token);
    const found = res.body.clusters.flatMap((c: any) => c.previews.map((p: any) => p.file_name));
    expect(found.sort()).toEqual([...planted].sort());
  });
});
