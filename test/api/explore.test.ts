import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/app/accounts.ts';
import type { MediaProcessor } from '../../src/ports/media-processor.ts';
import { createDatasetFrom, credentialsFor, getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { holdCalls } from '../helpers/held-calls.ts';
import { copySmallPhotos, photosDir } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Media, explore and similarity search over a real indexed folder: 24 distinct photos, two
 * edited copies of one of them (half size, and brighter with a caption-like bar), and a
 * byte-identical copy of another.
 */
const PHOTOS = 24;
/** Two edited copies, an exact copy and a transparent logo. */
const OTHERS = 4;
let t: TestServer;
let root: string;
let id: string;
let names: string[];
let media: any[];
const byName = (name: string) => media.find((m) => m.file_name === name)!;

const get = (path: string, token = t.admin.token) => getJson(t.url, path, token);
const explore = (query: string) => get(`/api/v1/explore/${id}?${query}`);

beforeAll(async () => {
  root = await tempDir('strata-explore-');
  const all = (await readdir(await photosDir())).filter((n) => n.startsWith('darknet-') || n.startsWith('mate-nature') || n.startsWith('opencv-left0'));
  names = all.sort().slice(0, PHOTOS);
  for (const n of names) await copyFile(join(await photosDir(), n), join(root, n));
  const source = join(root, names[0]!);
  const meta = await sharp(source).metadata();
  await sharp(source).resize(Math.round(meta.width! / 2)).jpeg({ quality: 80 }).toFile(join(root, 'edit-half.jpg'));
  const bar = Buffer.from(`<svg width="${meta.width}" height="${Math.round(meta.height! / 10)}"><rect width="100%" height="100%" fill="black"/></svg>`);
  await sharp(source).modulate({ brightness: 1.15 }).composite([{ input: bar, gravity: 'south' }]).jpeg({ quality: 85 }).toFile(join(root, 'edit-bright-bar.jpg'));
  await copyFile(join(root, names[1]!), join(root, 'exact-copy.jpg'));
  // A logo on a transparent background: its thumbnail must keep the transparency (WebP).
  const ring = Buffer.from('<svg width="320" height="240"><circle cx="160" cy="120" r="90" fill="none" stroke="#1a7f37" stroke-width="24"/></svg>');
  await sharp(ring).png().toFile(join(root, 'logo.png'));
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root });
  id = await createDatasetFrom(t.url, t.admin.token, 'explore', root);
  await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'], 300_000);
  media = (await get(`/api/v1/dataset/${id}/media?page_size=1000`)).body.media;
}, 400_000);
afterAll(async () => t?.close());

describe('media', () => {
  it('lists every indexed image once, in a stable order, with paging', async () => {
    expect(media).toHaveLength(PHOTOS + OTHERS);
    const all = await get(`/api/v1/dataset/${id}/media?page_size=1000`);
    expect(all.body.total).toBe(PHOTOS + OTHERS);
    const first = await get(`/api/v1/dataset/${id}/media?page_number=0&page_size=10`);
    const second = await get(`/api/v1/dataset/${id}/media?page_number=1&page_size=10`);
    expect([...first.body.media, ...second.body.media].map((m: any) => m.media_id)).toEqual(media.slice(0, 20).map((m) => m.media_id));
    const lastPage = Math.ceil(media.length / 3) - 1;
    const last = await get(`/api/v1/dataset/${id}/media?page_number=${lastPage}&page_size=3`);
    expect(last.body).toMatchObject({ total: media.length });
    expect(last.body.media.map((m: any) => m.media_id)).toEqual(media.slice(lastPage * 3).map((m) => m.media_id));
    expect((await get(`/api/v1/dataset/${id}/media?page_number=${lastPage + 1}&page_size=3`)).body.media).toEqual([]);
    expect((await get(`/api/v1/dataset/${id}/media?page_size=5000`)).status).toBe(422);
  });

  it('shows metadata, scores and issues with the figure behind each', async () => {
    const m = byName(names[3]!);
    const detail = await get(`/api/v1/dataset/${id}/media/${m.media_id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ media_id: m.media_id, type: 'IMAGE', file_name: names[3], format: 'jpeg' });
    expect(detail.body.width).toBeGreaterThan(0);
    expect(detail.body.uniqueness_score).toBeGreaterThanOrEqual(0);
    expect(detail.body.uniqueness_score).toBeLessThanOrEqual(1);
    expect(detail.body.clusters).toHaveLength(5);
    expect(detail.body.media_uri).toBe(`/api/v1/dataset/${id}/media/${m.media_id}/image`);
    const copy = await get(`/api/v1/dataset/${id}/media/${byName('exact-copy.jpg').media_id}`);
    expect(copy.body.uniqueness_score).toBe(0);
    const dup = copy.body.issues.find((i: any) => i.issue_type === 'duplicates');
    expect(dup).toMatchObject({ confidence: 1, reason: { max_similarity: 1, duplicate_threshold: 0.96 } });
    expect((await get(`/api/v1/dataset/${id}/media/not-a-media`)).status).toBe(404);
  });

  it('finds the edited copies at 0.96, only the identical file at 1.0, and nothing else', async () => {
    const original = byName(names[0]!);
    const dups = await get(`/api/v1/dataset/${id}/media/${original.media_id}/duplicates`);
    expect(dups.status).toBe(200);
    expect(new Set(dups.body)).toEqual(new Set([byName('edit-half.jpg').media_id, byName('edit-bright-bar.jpg').media_id]));
    const exact = await get(`/api/v1/dataset/${id}/media/${byName(names[1]!).media_id}/duplicates?threshold=1`);
    expect(exact.body).toEqual([byName('exact-copy.jpg').media_id]);
    expect((await get(`/api/v1/dataset/${id}/media/${original.media_id}/duplicates?threshold=1`)).body).toEqual([]);
    // 0.95 snaps up to 0.96; 1.5 is refused
    expect(new Set((await get(`/api/v1/dataset/${id}/media/${original.media_id}/duplicates?threshold=0.95`)).body)).toEqual(new Set(dups.body));
    expect((await get(`/api/v1/dataset/${id}/media/${original.media_id}/duplicates?threshold=1.5`)).status).toBe(422);
    for (const m of media.filter((x) => ![names[0], names[1], 'edit-half.jpg', 'edit-bright-bar.jpg', 'exact-copy.jpg'].includes(x.file_name))) {
      expect((await get(`/api/v1/dataset/${id}/media/${m.media_id}/duplicates`)).body, m.file_name).toEqual([]);
    }
  });

  it('lists duplicate groups largest first, a page at a time, with what a gallery needs', async () => {
    const all = await get(`/api/v1/dataset/${id}/duplicates?threshold=0.96`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 2, level: 0.96 });
    const [edits, exact] = all.body.groups;
    expect(edits).toMatchObject({ level: 0.96, size: 3 });
    expect(new Set(edits.media.map((m: any) => m.file_name))).toEqual(new Set([names[0], 'edit-half.jpg', 'edit-bright-bar.jpg']));
    expect(new Set(exact.media.map((m: any) => m.file_name))).toEqual(new Set([names[1], 'exact-copy.jpg']));
    const half = edits.media.find((m: any) => m.file_name === 'edit-half.jpg');
    const listed = byName('edit-half.jpg');
    expect(half).toEqual({ media_id: listed.media_id, file_name: 'edit-half.jpg', media_thumb_uri: listed.media_thumb_uri, width: listed.width, height: listed.height, file_size: listed.file_size });
    const second = await get(`/api/v1/dataset/${id}/duplicates?page_number=1&page_size=1`);
    expect(second.body.groups.map((g: any) => g.group_id)).toEqual([exact.group_id]);
    const identical = await get(`/api/v1/dataset/${id}/duplicates?threshold=0.9995`);
    expect(identical.body.level).toBe(1);
    expect(identical.body.groups.map((g: any) => g.media.map((m: any) => m.file_name).sort())).toEqual([['exact-copy.jpg', names[1]].sort()]);
    expect((await get(`/api/v1/dataset/${id}/duplicates?threshold=1.5`)).status).toBe(422);
    expect((await get(`/api/v1/dataset/${id}/duplicates?page_size=101`)).status).toBe(422);
  });

  it("lists one cluster's members, or the media scoring highest on an issue or uniqueness", async () => {
    const [biggest] = (await explore('threshold=2')).body.clusters;
    const members = await get(`/api/v1/dataset/${id}/media?cluster_id=${biggest.cluster_id}&page_size=1000`);
    expect(members.body.total).toBe(biggest.n_images);
    for (const m of members.body.media) expect((await get(`/api/v1/dataset/${id}/media/${m.media_id}`)).body.clusters[2]).toBe(biggest.cluster_id);
    expect(members.body.media.slice(0, 10).map((m: any) => m.media_id)).toEqual(biggest.previews.map((m: any) => m.media_id));

    const unique = await get(`/api/v1/dataset/${id}/media?issue=uniqueness&page_size=1000`);
    expect(unique.body.total).toBe(media.length);
    const scores = unique.body.media.map((m: any) => m.uniqueness_score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const dupes = await get(`/api/v1/dataset/${id}/media?issue=duplicates&min_confidence=0.5`);
    expect(new Set(dupes.body.media.map((m: any) => m.file_name))).toEqual(new Set([names[0], names[1], 'edit-half.jpg', 'edit-bright-bar.jpg', 'exact-copy.jpg']));
    const confidences = dupes.body.media.map((m: any) => m.issues.find((i: any) => i.issue_type === 'duplicates').confidence);
    expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
    expect(confidences.every((c: number) => c >= 0.5)).toBe(true);

    // Every issue with a stored confidence ranks: exactly the media showing that issue, highest first.
    const everything = (await get(`/api/v1/dataset/${id}/media?page_size=1000`)).body.media;
    for (const type of ['low_information', 'odd_aspect_ratio', 'odd_size', 'grayscale', 'blur', 'dark', 'bright', 'outliers']) {
      const ranked = await get(`/api/v1/dataset/${id}/media?issue=${type}&min_confidence=0&page_size=1000`);
      expect(ranked.status, type).toBe(200);
      const having = everything.filter((m: any) => m.issues.some((i: any) => i.issue_type === type)).map((m: any) => m.media_id);
      expect(ranked.body.media.map((m: any) => m.media_id).sort(), type).toEqual(having.sort());
      const conf = ranked.body.media.map((m: any) => m.issues.find((i: any) => i.issue_type === type).confidence);
      expect(conf, type).toEqual([...conf].sort((a: number, b: number) => b - a));
    }

    for (const bad of ['cluster_id=5-1', 'cluster_id=x', 'issue=blurry', 'min_confidence=0.5', 'cluster_id=0-1&issue=blur', 'issue=blur&min_confidence=2']) {
      expect((await get(`/api/v1/dataset/${id}/media?${bad}`)).status, bad).toBe(422);
    }
  });

  it('serves the image and thumbnail bytes behind media_uri, to those who may see the dataset', async () => {
    const m = byName(names[2]!);
    const image = await fetch(`${t.url}${m.media_uri}`, { headers: { authorization: `Bearer ${t.admin.token}` } });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await image.arrayBuffer()).equals(await readFile(join(root, names[2]!)))).toBe(true);
    const thumb = await fetch(`${t.url}${m.media_thumb_uri}`, { headers: { authorization: `Bearer ${t.admin.token}` } });
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).format).toBe('jpeg');
    const logoThumb = await fetch(`${t.url}${byName('logo.png').media_thumb_uri}`, { headers: { authorization: `Bearer ${t.admin.token}` } });
    expect(logoThumb.headers.get('content-type')).toBe('image/webp');
    const logoMeta = await sharp(Buffer.from(await logoThumb.arrayBuffer())).metadata();
    expect([logoMeta.format, logoMeta.hasAlpha]).toEqual(['webp', true]);
    expect((await fetch(`${t.url}${m.media_uri}`)).status).toBe(401);
    await addUser(t.server.ctx.accounts, { email: 'stranger@example.com', password: 'stranger-password', role: 'editor' });
    const stranger = await credentialsFor(t.url, 'stranger@example.com', 'stranger-password');
    expect((await fetch(`${t.url}${m.media_uri}`, { headers: { authorization: `Bearer ${stranger.token}` } })).status).toBe(404);
    expect((await get(`/api/v1/explore/${id}`, stranger.token)).status).toBe(404);
    expect((await get(`/api/v1/dataset/${id}/duplicates`, stranger.token)).status).toBe(404);
  });
});

describe('explore', () => {
  it('pages clusters biggest first, every image in exactly one cluster per threshold, coarser ones nesting finer ones', async () => {
    const clusterOf: Array<Map<string, string>> = [];
    for (let threshold = 0; threshold <= 4; threshold++) {
      const res = await explore(`threshold=${threshold}`);
      expect(res.status).toBe(200);
      const { clusters, metadata } = res.body;
      expect(metadata.total_clusters).toBe(clusters.length);
      const sizes = clusters.map((c: any) => c.n_images);
      expect(sizes).toEqual([...sizes].sort((a: number, b: number) => b - a));
      expect(sizes.reduce((a: number, b: number) => a + b, 0)).toBe(PHOTOS + OTHERS);
      const map = new Map<string, string>();
      for (const c of clusters) {
        expect(c.previews.length).toBe(Math.min(c.n_images, 10));
        for (const ids of await clusterMembers(c, threshold)) map.set(ids, c.cluster_id);
      }
      clusterOf.push(map);
    }
    // Nesting: two images together at a finer threshold stay together at every coarser one.
    const ids = media.map((m) => m.media_id);
    for (let g = 1; g <= 4; g++) {
      for (const a of ids) for (const b of ids) {
        if (clusterOf[g - 1]!.get(a) === clusterOf[g - 1]!.get(b)) expect(clusterOf[g]!.get(a)).toBe(clusterOf[g]!.get(b));
      }
    }
    // The original and its two edits share a cluster at the finest threshold.
    const fine = clusterOf[0]!;
    expect(fine.get(byName('edit-half.jpg').media_id)).toBe(fine.get(byName(names[0]!).media_id));
    expect((await explore('threshold=5')).status).toBe(422);
    expect((await explore('threshold=0&page_number=1')).body.clusters).toEqual([]);
  });

  it("gives clusters and previews the fields of Visual Layer's explore response", async () => {
    // As in VL's docs: cluster_id, type, n_images…, size_display_value, similarity_threshold,
    // previews of {type, media_id, media_uri, media_thumb_uri, caption, image_id, image_uri,
    // bounding_box, file_name, original_uri, labels, user_tags, relevance_score_type}, and
    // labels, user_tags, captions null where there are none.
    const { clusters } = (await explore('threshold=0&entity_type=IMAGES&page_number=0')).body;
    const sizeOf = new Map(media.map((m) => [m.media_id, m.file_size as number]));
    for (const c of clusters) {
      expect(c).toMatchObject({ type: 'IMAGES', similarity_threshold: '0', formed_by: 'connected_components', labels: null, user_tags: null, captions: null, relevance_score_type: null });
      for (const p of c.previews) {
        expect(p).toMatchObject({ type: 'IMAGE', image_id: p.media_id, image_uri: p.media_uri, caption: null, bounding_box: null, labels: null, user_tags: null, relevance_score_type: null });
        expect(typeof p.media_thumb_uri).toBe('string');
        expect(typeof p.original_uri).toBe('string');
      }
    }
    // size_display_value: the members' bytes, in whole units of 1024.
    const [biggest] = clusters;
    const members = (await get(`/api/v1/dataset/${id}/media?cluster_id=${biggest.cluster_id}&page_size=1000`)).body.media;
    const bytes = members.reduce((sum: number, m: any) => sum + sizeOf.get(m.media_id)!, 0);
    expect(biggest.size_display_value).toBe(bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)}MB` : `${Math.round(bytes / 1024)}KB`);
  });

  /** Each media item's cluster ids, fetched once: asking again per cluster made hundreds of requests. */
  let clustersOfMedia: Map<string, string[]> | null = null;
  /** Every member of a cluster, through the media detail (previews hold at most 10). */
  async function clusterMembers(cluster: any, threshold: number): Promise<string[]> {
    if (clustersOfMedia === null) {
      clustersOfMedia = new Map();
      for (const m of media) clustersOfMedia.set(m.media_id, (await get(`/api/v1/dataset/${id}/media/${m.media_id}`)).body.clusters);
    }
    const out: string[] = [];
    for (const [mediaId, clusters] of clustersOfMedia) if (clusters[threshold] === cluster.cluster_id) out.push(mediaId);
    expect(out.length).toBe(cluster.n_images);
    return out;
  }

  it('filters with VQL and refuses bad VQL with a 422 that says where', async () => {
    const vql = (v: unknown) => explore(`threshold=0&vql=${encodeURIComponent(JSON.stringify(v))}`);
    const dupes = await vql([{ duplicates: { op: 'duplicates', value: 0.96 } }]);
    const dupIds = dupes.body.clusters.flatMap((c: any) => c.previews.map((p: any) => p.file_name)).sort();
    expect(dupIds).toEqual([names[0], names[1], 'edit-bright-bar.jpg', 'edit-half.jpg', 'exact-copy.jpg'].sort());
    const exact = await vql([{ duplicates: { op: 'duplicates', value: 1 } }]);
    expect(exact.body.clusters.flatMap((c: any) => c.previews.map((p: any) => p.file_name)).sort()).toEqual([names[1], 'exact-copy.jpg'].sort());
    const text = await vql([{ text: { op: 'fts', value: 'EDIT' } }]);
    expect(text.body.clusters.flatMap((c: any) => c.previews.map((p: any) => p.file_name)).sort()).toEqual(['edit-bright-bar.jpg', 'edit-half.jpg']);
    const unique = await vql([{ uniqueness: { op: 'uniqueness', value: 0.01 } }, { issues: { op: 'issue', value: 'duplicates', mode: 'out' } }]);
    const uniqueNames = unique.body.clusters.flatMap((c: any) => c.previews.map((p: any) => p.file_name));
    expect(uniqueNames).not.toContain('exact-copy.jpg');
    expect(uniqueNames.length).toBe(PHOTOS - 2 + 1); // the photos not duplicated, and the logo
    expect((await vql([{ labels: { op: 'one_of', value: ['dog'] } }])).body.clusters).toEqual([]);

    const bad = await vql([{ issues: { op: 'issue', value: 'blurry' } }, { duplicates: { op: 'duplicates', value: 2 } }]);
    expect(bad.status).toBe(422);
    expect(bad.body.detail.map((d: any) => d.loc)).toEqual([
      ['query', 'vql', 0, 'issues', 'value'],
      ['query', 'vql', 1, 'duplicates', 'value'],
    ]);
    const notJson = await explore('vql=%5B%7B');
    expect(notJson.status).toBe(422);
    expect(notJson.body.detail[0].type).toBe('json_invalid');
    expect((await vql([{ text: { op: 'semantic', value: 'a dog' } }])).status).toBe(422);
    // Text search without a configured text-image model: a clear refusal, never an empty page.
    const caption = await explore('caption=a%20dog');
    expect(caption.status).toBe(422);
    expect(caption.body.detail).toMatch(/needs a MULTIMODEL_IMAGE_ENCODING model.*STRATA_CLIP_IMAGE_ONNX/);
  });

  it('finds the media nearest to a dataset image, itself first at distance 0, ranked by cosine distance', async () => {
    const anchor = byName(names[0]!);
    const res = await explore(`anchor_media_id=${anchor.media_id}&anchor_type=MEDIA`);
    expect(res.status).toBe(200);
    const scores = res.body.clusters.map((c: any) => c.relevance_score);
    expect(res.body.clusters[0].previews[0].media_id).toBe(anchor.media_id);
    expect(scores[0]).toBeCloseTo(0, 4);
    expect(scores).toEqual([...scores].sort((a: number, b: number) => a - b));
    expect(res.body.clusters).toHaveLength(PHOTOS + OTHERS);
    expect(res.body.clusters[0]).toMatchObject({ relevance_score_type: 'cosine_distance', formed_by: 'similarity_search' });
    expect(res.body.clusters[0].previews[0]).toMatchObject({ relevance_score: scores[0], relevance_score_type: 'cosine_distance' });
    const nearest = res.body.clusters.slice(1, 3).map((c: any) => c.previews[0].file_name).sort();
    expect(nearest).toEqual(['edit-bright-bar.jpg', 'edit-half.jpg']);
    expect((await explore('anchor_media_id=nope&anchor_type=MEDIA')).status).toBe(404);
  });

  it('searches by an uploaded image, and by the part of it inside a bounding box', async () => {
    const upload = async (file: Buffer, box?: string) => {
      const fd = new FormData();
      fd.set('file', new Blob([new Uint8Array(file)]), 'query.jpg');
      if (box !== undefined) fd.set('bounding_box', box);
      return fetch(`${t.url}/api/v1/dataset/${id}/search-image-similarity`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}` }, body: fd });
    };
    const target = join(root, names[5]!);
    const query = await sharp(target).resize(300).jpeg({ quality: 70 }).toBuffer();
    const res = await upload(query);
    expect(res.status).toBe(200);
    const anchor = await res.json();
    expect(anchor.anchor_type).toBe('UPLOAD');
    const found = await explore(`anchor_media_id=${anchor.anchor_media_id}&anchor_type=UPLOAD`);
    expect(found.body.clusters[0].previews[0].file_name).toBe(names[5]);
    expect(found.body.clusters[0].relevance_score).toBeLessThan(0.1);

    // A query image holding the target in its left half, the rest noise: the box picks it out.
    const meta = await sharp(target).metadata();
    const w = meta.width!;
    const h = meta.height!;
    const noise = await sharp({ create: { width: w, height: h, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    const canvas = await sharp({ create: { width: 2 * w, height: h, channels: 3, background: '#000' } })
      .composite([{ input: await sharp(target).toBuffer(), left: 0, top: 0 }, { input: noise, left: w, top: 0 }])
      .jpeg({ quality: 90 })
      .toBuffer();
    const boxed = await (await upload(canvas, JSON.stringify([0, 0, w, h]))).json();
    const boxedFound = await explore(`anchor_media_id=${boxed.anchor_media_id}&anchor_type=UPLOAD`);
    expect(boxedFound.body.clusters[0].previews[0].file_name).toBe(names[5]);

    // Visual Layer's documented form: fractions of the image, URL-encoded JSON in the query.
    const vlBox = encodeURIComponent(JSON.stringify({ x: 0, y: 0, width: 0.5, height: 1 }));
    const fd = new FormData();
    fd.set('file', new Blob([new Uint8Array(canvas)]), 'query.jpg');
    const byFractions = await fetch(`${t.url}/api/v1/dataset/${id}/search-image-similarity?threshold=0&entity_type=IMAGES&bounding_box=${vlBox}`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}` }, body: fd });
    expect(byFractions.status).toBe(200);
    const fractionsFound = await explore(`anchor_media_id=${(await byFractions.json()).anchor_media_id}&anchor_type=UPLOAD`);
    expect(fractionsFound.body.clusters[0].previews[0].file_name).toBe(names[5]);
    expect(fractionsFound.body.clusters[0].relevance_score).toBeCloseTo(boxedFound.body.clusters[0].relevance_score, 2);
    // Only 0s and 1s: the whole image or a 1×1 crop? Refused, not guessed.
    const ambiguous = await upload(canvas, '{"x":0,"y":0,"width":1,"height":1}');
    expect(ambiguous.status).toBe(422);
    expect((await ambiguous.json()).detail).toMatch(/ambiguous/);
    expect((await upload(canvas, '{"x":0.6,"y":0,"width":0.5,"height":1}')).status).toBe(422);

    expect((await upload(canvas, '[0, 0, 99999, 10]')).status).toBe(400);
    expect((await upload(canvas, 'not a box')).status).toBe(422);
    expect((await upload(Buffer.from('not an image at all'))).status).toBe(400);
    expect((await explore('anchor_media_id=00000000-0000-0000-0000-000000000000&anchor_type=UPLOAD')).status).toBe(404);
    const noFile = await fetch(`${t.url}/api/v1/dataset/${id}/search-image-similarity`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}` }, body: new FormData() });
    expect(noFile.status).toBe(400);
    // A body that ends inside the file part (no closing boundary) is the client's error.
    const cutOff = await fetch(`${t.url}/api/v1/dataset/${id}/search-image-similarity`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.admin.token}`, 'content-type': 'multipart/form-data; boundary=BND' },
      body: '--BND\r\nContent-Disposition: form-data; name="file"; filename="q.jpg"\r\n\r\nnot all of a jpeg',
    });
    expect(cutOff.status).toBe(400);
    expect((await cutOff.json()).detail).toMatch(/^Malformed multipart body/);
  });
});

describe('a dataset that is not indexed yet', () => {
  it('answers explore and search-image-similarity with 409, not an empty page', async () => {
    const draft = (await get('/api/v1/ingestion/new_dataset?dataset_name=not-yet')).body.dataset_id;
    const res = await get(`/api/v1/explore/${draft}?threshold=0&entity_type=IMAGES&page_number=0`);
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/DRAFT/);
    const fd = new FormData();
    fd.set('file', new Blob([new Uint8Array(await readFile(join(root, names[0]!)))]), 'query.jpg');
    const search = await fetch(`${t.url}/api/v1/dataset/${draft}/search-image-similarity?entity_type=IMAGES`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}` }, body: fd });
    expect(search.status).toBe(409);
  });

  it('answers them with 409 while the dataset is INDEXING', async () => {
    // Image analysis waits at a gate, so the dataset is certainly still INDEXING when asked.
    const analysis = holdCalls(t.server.ctx.pipeline.media as MediaProcessor, 'analyzeImage');
    try {
      const auth = { authorization: `Bearer ${t.admin.token}` };
      const ds = (await get('/api/v1/ingestion/new_dataset?dataset_name=indexing')).body.dataset_id;
      const trans = (await get(`/api/v1/ingestion/${ds}/data_files`)).body.trans_id;
      const files = new FormData();
      files.append('files', new Blob([new Uint8Array(await readFile(join(root, names[0]!)))]), names[0]!);
      expect((await fetch(`${t.url}/api/v1/ingestion/${ds}/data_files/${trans}`, { method: 'POST', headers: auth, body: files })).status).toBe(202);
      expect((await fetch(`${t.url}/api/v1/ingestion/${ds}/process_files/${trans}`, { method: 'POST', headers: auth })).status).toBe(202);
      await analysis.reached;
      const res = await get(`/api/v1/explore/${ds}?threshold=0&entity_type=IMAGES&page_number=0`);
      expect(res.status).toBe(409);
      expect(res.body.detail).toMatch(/INDEXING/);
      const fd = new FormData();
      fd.set('file', new Blob([new Uint8Array(await readFile(join(root, names[1]!)))]), 'query.jpg');
      const search = await fetch(`${t.url}/api/v1/dataset/${ds}/search-image-similarity?entity_type=IMAGES`, { method: 'POST', headers: auth, body: fd });
      expect(search.status).toBe(409);
      const waiting = waitForDatasetStatus(t.url, t.admin.token, ds, ['READY', 'ERROR'], 120_000);
      analysis.open();
      expect((await waiting).dataset.status_new).toBe('READY');
    } finally {
      analysis.open();
      analysis.restore();
    }
  }, 180_000);
});

describe('search by an uploaded image as a viewer the dataset is shared with', () => {
  it('gives the viewer an anchor only it can search with', async () => {
    await addUser(t.server.ctx.accounts, { email: 'anchor-viewer@example.com', password: 'anchor-viewer-password', role: 'viewer' });
    const viewer = await credentialsFor(t.url, 'anchor-viewer@example.com', 'anchor-viewer-password');
    const share = await fetch(`${t.url}/api/v1/dataset/${id}/share`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'anchor-viewer@example.com' }),
    });
    expect(share.status).toBe(200);
    const fd = new FormData();
    fd.set('file', new Blob([new Uint8Array(await sharp(join(root, names[3]!)).resize(300).jpeg().toBuffer())]), 'query.jpg');
    const res = await fetch(`${t.url}/api/v1/dataset/${id}/search-image-similarity`, { method: 'POST', headers: { authorization: `Bearer ${viewer.token}` }, body: fd });
    expect(res.status).toBe(200);
    const anchor = (await res.json()).anchor_media_id;
    const query = `/api/v1/explore/${id}?anchor_media_id=${anchor}&anchor_type=UPLOAD`;
    const found = await get(query, viewer.token);
    expect(found.status).toBe(200);
    expect(found.body.clusters[0].previews[0].file_name).toBe(names[3]);
    // Another user of the dataset, the owner included, does not see it.
    expect((await get(query)).status).toBe(404);
  });
});

describe('a search with more results than a page', () => {
  it('gives the same total on every page: every indexed image, 100 a page', async () => {
    const many = join(root, 'many');
    const count = 130;
    await copySmallPhotos(many, count, 200_000);
    const ds = await createDatasetFrom(t.url, t.admin.token, 'many', many);
    expect((await waitForDatasetStatus(t.url, t.admin.token, ds, ['READY', 'ERROR'], 300_000)).dataset.status_new).toBe('READY');
    const anchor = (await get(`/api/v1/dataset/${ds}/media?page_size=1`)).body.media[0].media_id;
    const page = async (n: number) => (await get(`/api/v1/explore/${ds}?anchor_media_id=${anchor}&anchor_type=MEDIA&page_number=${n}`)).body;
    const [first, second] = [await page(0), await page(1)];
    expect([first.clusters.length, first.metadata.total_clusters]).toEqual([100, count]);
    // The last page says how many there were in all: every image, or one or two fewer when the
    // graph search leaves some unreached (then the total is what it found, never more).
    const seen = first.clusters.length + second.clusters.length;
    expect(second.metadata.total_clusters).toBe(seen);
    expect(seen).toBeGreaterThanOrEqual(count - 2);
  }, 400_000);
});

describe('a source file replaced after indexing', () => {
  it('answers 404 saying why when the original became a folder, a FIFO, a link out of the import roots or nothing, and keeps serving', async () => {
    await rm(join(root, 'logo.png'));
    await mkdir(join(root, 'logo.png'));
    await rm(join(root, 'exact-copy.jpg'));
    execFileSync('mkfifo', [join(root, 'exact-copy.jpg')]);
    const [deleted, linked] = [names[PHOTOS - 1]!, names[PHOTOS - 2]!];
    await rm(join(root, deleted));
    await rm(join(root, linked));
    await symlink(join(await photosDir(), linked), join(root, linked));
    const why = { 'logo.png': 'it is no longer a file', 'exact-copy.jpg': 'it is no longer a file', [deleted]: 'the file is no longer there', [linked]: 'file is outside the import roots' };
    for (const [name, reason] of Object.entries(why)) {
      const res = await fetch(`${t.url}/api/v1/dataset/${id}/media/${byName(name).media_id}/image`, { headers: { authorization: `Bearer ${t.admin.token}` }, signal: AbortSignal.timeout(10_000) });
      expect(res.status, name).toBe(404);
      expect(await res.json(), name).toMatchObject({ detail: `The media file cannot be read from its source: ${reason}` });
    }
    const intact = await fetch(`${t.url}/api/v1/dataset/${id}/media/${byName(names[2]!).media_id}/image`, { headers: { authorization: `Bearer ${t.admin.token}` } });
    expect(intact.status).toBe(200);
    expect(Number(intact.headers.get('content-length'))).toBe((await readFile(join(root, names[2]!))).length);
  });
});

describe('after a restart', () => {
  it('gives the same clusters, duplicates and similarity results from the stored index', async () => {
    const snapshot = async () => ({
      clusters: (await explore('threshold=2')).body.clusters.map((c: any) => [c.cluster_id, c.n_images]),
      dups: (await get(`/api/v1/dataset/${id}/media/${byName(names[0]!).media_id}/duplicates`)).body.sort(),
      similar: (await explore(`anchor_media_id=${byName(names[4]!).media_id}`)).body.clusters.map((c: any) => [c.previews[0].media_id, c.relevance_score]),
    });
    const before = await snapshot();
    await t.close({ keepData: true });
    t = await startTestServer({ STRATA_IMPORT_ROOTS: root }, { dataDir: t.dataDir });
    expect(await snapshot()).toEqual(before);
  });
});
