import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasetFrom, getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { photosDir } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * The per-image quality issues through the API on real photos: 19 colour photos, plus a gray
 * copy of one, a 4 : 1 strip cut from another, a 120 px thumbnail of a third, and a near-flat
 * frame (one brown with faint noise).
 */
let t: TestServer;
let id: string;
let media: any[];
const detail = async (name: string) => (await getJson(t.url, `/api/v1/dataset/${id}/media/${media.find((m) => m.file_name === name)!.media_id}`, t.admin.token)).body;
const issueOf = async (name: string, type: string) => (await detail(name)).issues.find((i: any) => i.issue_type === type);

beforeAll(async () => {
  const root = await tempDir('strata-quality-issues-');
  const dir = await photosDir();
  const names = (await readdir(dir)).filter((n) => n.startsWith('darknet-') || n.startsWith('mate-nature')).sort();
  for (const n of names) await copyFile(join(dir, n), join(root, n));
  const photo = (i: number) => sharp(join(dir, names[i]!));
  await photo(0).grayscale().toColourspace('srgb').jpeg({ quality: 90 }).toFile(join(root, 'gray-copy.jpg'));
  const meta = await photo(1).metadata();
  const stripHeight = Math.round(meta.width! / 4);
  await photo(1).extract({ left: 0, top: Math.round((meta.height! - stripHeight) / 2), width: meta.width!, height: stripHeight }).jpeg().toFile(join(root, 'strip.jpg'));
  await photo(2).resize(120).jpeg().toFile(join(root, 'tiny.jpg'));
  const noise = Buffer.from(Array.from({ length: 640 * 480 * 3 }, (_, i) => [140, 110, 80][i % 3]! + ((i * 7919) % 3)));
  await sharp(noise, { raw: { width: 640, height: 480, channels: 3 } }).png().toFile(join(root, 'flat.png'));
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root });
  id = await createDatasetFrom(t.url, t.admin.token, 'quality', root);
  await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'], 300_000);
  media = (await getJson(t.url, `/api/v1/dataset/${id}/media?page_size=1000`, t.admin.token)).body.media;
  const errors = (await getJson(t.url, `/api/v1/dataset/${id}/errors`, t.admin.token)).body;
  expect(errors).toEqual([]);
  expect(media).toHaveLength(names.length + 4);
}, 400_000);
afterAll(async () => t?.close());

describe('quality issues', () => {
  it('flags the gray copy as grayscale, the strip as odd in shape, the thumbnail as odd in size, the flat frame as low on information', async () => {
    expect(await issueOf('gray-copy.jpg', 'grayscale')).toMatchObject({ confidence: 1, reason: { grayscale_score: 1, chroma: expect.any(Number) } });
    expect(await issueOf('strip.jpg', 'odd_aspect_ratio')).toMatchObject({ confidence: 1, reason: { aspect_ratio: expect.closeTo(4, 1) } });
    expect((await issueOf('tiny.jpg', 'odd_size')).confidence).toBeGreaterThanOrEqual(0.5);
    const flat = await detail('flat.png');
    expect(flat.issues.find((i: any) => i.issue_type === 'low_information')).toMatchObject({ confidence: 1, reason: { entropy_bits: expect.any(Number) } });
    // Near-uniform is low on information, not blurry: there is nothing to be in focus.
    expect(flat.issues.find((i: any) => i.issue_type === 'blur')).toBeUndefined();
  });

  it('gives every figure behind an issue to 4 decimals, as its confidence', async () => {
    const figures = [];
    for (const m of media) for (const i of (await detail(m.file_name)).issues) figures.push(...Object.values(i.reason).filter((v) => typeof v === 'number'));
    expect(figures.length).toBeGreaterThan(0);
    expect(figures.filter((v) => Math.round(v * 10_000) / 10_000 !== v)).toEqual([]);
  });

  it('leaves the ordinary photos without these issues', async () => {
    for (const m of media.filter((x) => !['gray-copy.jpg', 'strip.jpg', 'tiny.jpg', 'flat.png'].includes(x.file_name))) {
      const types = (await detail(m.file_name)).issues.map((i: any) => i.issue_type);
      for (const type of ['grayscale', 'odd_aspect_ratio', 'odd_size', 'low_information']) expect(types, m.file_name).not.toContain(type);
    }
  });

  it('filters on each new issue type in VQL', async () => {
    for (const [type, name] of [['grayscale', 'gray-copy.jpg'], ['odd_aspect_ratio', 'strip.jpg'], ['odd_size', 'tiny.jpg'], ['low_information', 'flat.png']]) {
      const vql = encodeURIComponent(JSON.stringify([{ issues: { op: 'issue', value: type } }]));
      const res = await getJson(t.url, `/api/v1/explore/${id}?threshold=0&vql=${vql}`, t.admin.token);
      expect(res.status).toBe(200);
      const ids = res.body.clusters.flatMap((c: any) => c.previews.map((p: any) => p.media_id));
      expect(ids, type).toEqual([media.find((m) => m.file_name === name)!.media_id]);
    }
  });
});
