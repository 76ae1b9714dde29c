import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasetFrom, getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { photographNames, photosDir, testMediaDir } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Outliers on small real datasets: opencv's chessboard calibration series, one scene shot 13
 * times (under the 20 images from which the former rule looked at all), with a wallpaper and an
 * IDE screenshot planted among them; 30 Plasma and MATE wallpapers with 3 IDE screenshots
 * planted, which the embedding alone does not isolate (unrelated pictures are all far apart,
 * the screenshots close to one another) and the kind figures do; and 29 photographs with a
 * chart and two screenshots planted, which the kind figures find with the mode fraction (one
 * gray level over much of the picture: a window, a white page) and missed without it (a
 * photograph offered, a screenshot not).
 */
let t: TestServer;
let media: any[];
let id: string;
let wallpaperMedia: any[];
let photographMedia: any[];
const planted = ['plasma-Kite.jpg', 'eclipse_cdt_cfg1.png'];
const opencvDocs = 'root/usr/share/doc/opencv-doc/opencv4/html';
const screenshots = ['eclipse_10_crystal_clean.png', 'eclipse_11_run_as.png', 'eclipse_1_choose_workspace.png'];
const photographs = photographNames;
const amongPhotographs = ['histogram_matplotlib.jpg', 'CMakeBuildWithWindowsGUI.jpg', 'eclipse_11_run_as.png'];
const outlier = (m: any) => m.issues.find((i: any) => i.issue_type === 'outliers');

beforeAll(async () => {
  const root = await tempDir('strata-outliers-');
  const [boardsDir, wallpapersDir, photographsDir] = [join(root, 'boards'), join(root, 'wallpapers'), join(root, 'photographs')];
  for (const dir of [boardsDir, wallpapersDir, photographsDir]) await mkdir(dir);
  const photos = await photosDir();
  const docs = join(await testMediaDir(), opencvDocs);
  const boards = (await readdir(photos)).filter((n) => /^opencv-left\d+\.jpg$/.test(n));
  for (const n of boards) await copyFile(join(photos, n), join(boardsDir, n));
  const kite = (await readdir(photos)).find((n) => n.startsWith('plasma-Kite'))!;
  await copyFile(join(photos, kite), join(boardsDir, planted[0]!));
  await copyFile(join(docs, planted[1]!), join(boardsDir, planted[1]!));
  const wallpapers = (await readdir(photos)).filter((n) => /^(plasma|mate)-/.test(n)).sort().slice(0, 30);
  for (const n of wallpapers) await copyFile(join(photos, n), join(wallpapersDir, n));
  for (const n of screenshots) await copyFile(join(docs, n), join(wallpapersDir, n));
  for (const n of photographs) await copyFile(join(photos, n), join(photographsDir, n));
  for (const n of amongPhotographs) await copyFile(join(docs, n), join(photographsDir, n));
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root });
  id = await createDatasetFrom(t.url, t.admin.token, 'outliers', boardsDir);
  const wallpapersId = await createDatasetFrom(t.url, t.admin.token, 'wallpapers', wallpapersDir);
  const photographsId = await createDatasetFrom(t.url, t.admin.token, 'photographs', photographsDir);
  for (const d of [id, wallpapersId, photographsId]) await waitForDatasetStatus(t.url, t.admin.token, d, ['READY', 'ERROR'], 300_000);
  media = (await getJson(t.url, `/api/v1/dataset/${id}/media?page_size=1000`, t.admin.token)).body.media;
  expect(media).toHaveLength(boards.length + planted.length);
  expect(boards.length).toBeGreaterThanOrEqual(10);
  wallpaperMedia = (await getJson(t.url, `/api/v1/dataset/${wallpapersId}/media?page_size=1000`, t.admin.token)).body.media;
  expect(wallpaperMedia).toHaveLength(wallpapers.length + screenshots.length);
  photographMedia = (await getJson(t.url, `/api/v1/dataset/${photographsId}/media?page_size=1000`, t.admin.token)).body.media;
  expect(photographMedia).toHaveLength(photographs.length + amongPhotographs.length);
}, 600_000);
afterAll(async () => t?.close());

describe('outliers', () => {
  it('finds the two planted images, with confidence ≥ 0.5 and the distance behind it, and no chessboard', async () => {
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

  it('finds the screenshots planted among wallpapers, offering at most one wallpaper and none at confidence 0.5', () => {
    const flagged = wallpaperMedia.filter((m) => outlier(m));
    for (const n of screenshots) expect(flagged.map((m) => m.file_name), n).toContain(n);
    const wallpapers = flagged.filter((m) => !screenshots.includes(m.file_name));
    expect(wallpapers.length).toBeLessThanOrEqual(1);
    for (const m of wallpapers) expect(outlier(m).confidence, m.file_name).toBeLessThan(0.5);
  });

  it('finds a chart and two screenshots planted among photographs, and offers no photograph', () => {
    const flagged = photographMedia.filter((m) => outlier(m)).map((m) => m.file_name);
    expect(flagged.sort()).toEqual([...amongPhotographs].sort());
  });
});
