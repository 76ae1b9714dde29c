import { createHash } from 'node:crypto';
import { copyFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/app/accounts.ts';
import { purgeExpiredExports } from '../../src/app/export/export-job.ts';
import { duplicateLevels } from '../../src/domain/similarity/levels.ts';
import { createDatasetFrom, credentialsFor, getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { waitForExport } from '../helpers/exports.ts';
import { photosDir, videosDir } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { flatColumns } from '../../src/app/export/flat-row.ts';
import { csvFields } from '../../src/media/sources/csv-fields.ts';
import { readZip } from '../helpers/zip.ts';
import { issueTypes } from '../../src/domain/similarity/issues.ts';

/**
 * Export round trip (SPEC §9) on a real indexed folder: photos with near-duplicates (one
 * wallpaper at three resolutions, a byte copy), a dark image and a video. What the zips hold,
 * read back with real zip and parquet readers, must match what the API says item by item.
 */
let t: TestServer;
let root: string;
let id: string;
let media: any[];
/** Per media id: the API's detail and its duplicates at each level. */
const truth = new Map<string, { detail: any; duplicates: Map<number, string[]> }>();

const get = (path: string, token = t.admin.token) => getJson(t.url, path, token);

async function download(path: string, token = t.admin.token): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

async function exportZip(query: string, init?: { selection: unknown }): Promise<{ status: any; files: Map<string, Buffer> }> {
  const path = `/api/v1/dataset/${id}/${init ? 'export_entities_async' : 'export_context_async'}?${query}`;
  const res = await fetch(`${t.url}${path}`, {
    method: init ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${t.admin.token}`, ...(init && { 'content-type': 'application/json' }) },
    ...(init && { body: JSON.stringify({ media_selection: init.selection }) }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const started = (await res.json()) as { id: string };
  const status = await waitForExport(t.url, t.admin.token, id, started.id);
  expect(status.status, status.result_message).toBe('COMPLETED');
  const zip = await download(status.download_uri);
  expect(zip.status).toBe(200);
  expect(zip.headers.get('content-type')).toBe('application/zip');
  return { status, files: await readZip(zip.body) };
}

/** The issues of an item as (type, confidence) pairs, sorted, from the API or an export. */
const issuePairs = (issues: Array<{ issue_type: string; confidence: number }>) => issues.map((i) => `${i.issue_type}:${i.confidence}`).sort();

beforeAll(async () => {
  root = await tempDir('strata-export-');
  const photos = await photosDir();
  const names = (await readdir(photos)).filter((n) => n.startsWith('mate-abstract-Elephants') || /^opencv-left0[1-4]/.test(n) || /^darknet-(dog|eagle|horses)/.test(n));
  for (const n of names) await copyFile(join(photos, n), join(root, n));
  await copyFile(join(photos, 'darknet-dog.jpg'), join(root, 'dog copy.jpg'));
  await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 4, g: 4, b: 6 } } }).jpeg().toFile(join(root, 'night.jpg'));
  await copyFile(join(await videosDir(), 'tree.avi'), join(root, 'tree.avi'));
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root });
  id = await createDatasetFrom(t.url, t.admin.token, 'export', root);
  const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'], 300_000);
  expect(dataset.status_new).toBe('READY');
  media = (await get(`/api/v1/dataset/${id}/media?page_size=1000`)).body.media;
  for (const m of media) {
    const detail = (await get(`/api/v1/dataset/${id}/media/${m.media_id}`)).body;
    const duplicates = new Map<number, string[]>();
    for (const level of duplicateLevels) duplicates.set(level, (await get(`/api/v1/dataset/${id}/media/${m.media_id}/duplicates?threshold=${level}`)).body);
    truth.set(m.media_id, { detail, duplicates });
  }
}, 400_000);
afterAll(async () => t?.close());

/** Members of each item's group at each level, rebuilt from the export's group ids. */
function groupMates(items: Array<{ id: string; groups: Map<number, number> }>, id: string, level: number): string[] {
  const mine = items.find((i) => i.id === id)!.groups.get(level);
  if (mine === undefined) return [];
  return items.filter((i) => i.id !== id && i.groups.get(level) === mine).map((i) => i.id).sort();
}

describe('export_context_async', () => {
  let json: { status: any; files: Map<string, Buffer> };
  let metadata: any;

  beforeAll(async () => {
    json = await exportZip('export_format=json&include_images=true&file_name=my%20export');
    metadata = JSON.parse(json.files.get('metadata.json')!.toString('utf8'));
  }, 120_000);

  it('holds every indexed item once, with the info header of schema 1.1', () => {
    expect(media.length).toBeGreaterThan(12);
    expect(media.some((m) => m.type === 'VIDEO_FRAME')).toBe(true);
    expect(metadata.info).toMatchObject({ schema_version: '1.1', dataset: 'export', exported_by: 'admin@example.com', total_media_items: media.length });
    expect(metadata.media_items.map((m: any) => m.media_id).sort()).toEqual(media.map((m) => m.media_id).sort());
    expect(json.status.result_message).toBe(`Exported ${media.length} media items`);
    expect(json.status.file_name).toBe('my export.zip');
  });

  it('gives each item the issues, confidences, clusters and scores the API gives', () => {
    for (const item of metadata.media_items) {
      const { detail } = truth.get(item.media_id)!;
      const issues = item.metadata_items.filter((m: any) => m.type === 'issue').map((m: any) => m.properties);
      expect(issuePairs(issues), item.file_name).toEqual(issuePairs(detail.issues));
      expect(item.cluster_id).toBe(detail.cluster_id);
      expect(item.clusters).toEqual(detail.clusters);
      expect(item.uniqueness_score).toBe(detail.uniqueness_score);
      expect(item.scores).toEqual(detail.scores);
      expect([item.file_name, item.width, item.height, item.file_size]).toEqual([detail.file_name, detail.width, detail.height, detail.file_size]);
      const dup = issues.find((i: any) => i.issue_type === 'duplicates');
      if (dup) expect([dup.duplicate_group_id, dup.duplicate_threshold]).toEqual([detail.duplicate_group_id, 0.96]);
    }
    const issueTypes = new Set(metadata.media_items.flatMap((i: any) => i.metadata_items.filter((m: any) => m.type === 'issue').map((m: any) => m.properties.issue_type)));
    expect([...issueTypes]).toEqual(expect.arrayContaining(['duplicates', 'dark']));
  });

  it('gives duplicate group ids per level that rebuild exactly the groups the API reports', () => {
    const items = metadata.media_items.map((i: any) => ({ id: i.media_id, groups: new Map(i.duplicate_groups.map((g: any) => [g.duplicate_threshold, g.duplicate_group_id])) }));
    let pairs = 0;
    for (const { id: mediaId } of items) {
      for (const level of duplicateLevels) {
        const api = [...truth.get(mediaId)!.duplicates.get(level)!].sort();
        expect(groupMates(items, mediaId, level), `${mediaId} at ${level}`).toEqual(api);
        pairs += api.length;
      }
    }
    expect(pairs).toBeGreaterThan(0);
  });

  it('describes video frames and includes every file, byte for byte, under images/', async () => {
    const frames = metadata.media_items.filter((i: any) => i.media_type === 'video_frame');
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) {
      const info = f.metadata_items.find((m: any) => m.type === 'video_info').properties;
      expect(info).toMatchObject({ video_file_name: 'tree.avi', video_id: truth.get(f.media_id)!.detail.video_id, frame_index: truth.get(f.media_id)!.detail.frame_index });
    }
    const images = [...json.files.keys()].filter((k) => k.startsWith('images/'));
    expect(images).toHaveLength(media.length);
    for (const item of metadata.media_items.filter((i: any) => i.media_type === 'image')) {
      const original = await readFile(join(root, item.file_name));
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      expect(sha(json.files.get(item.image_path)!), item.file_name).toBe(sha(original));
    }
  });

  it('writes metadata.parquet that a parquet reader reads back to the same items', async () => {
    const parquet = await exportZip('export_format=parquet');
    expect([...parquet.files.keys()]).toEqual(['metadata.parquet']);
    const bytes = parquet.files.get('metadata.parquet')!;
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const meta = parquetMetadata(file);
    expect(Number(meta.num_rows)).toBe(media.length);
    expect(JSON.parse(meta.key_value_metadata!.find((kv) => kv.key === 'strata.info')!.value!)).toMatchObject({ schema_version: '1.1', total_media_items: media.length });
    const rows = (await parquetReadObjects({ file })) as any[];
    expect(rows.map((r) => r.media_id).sort()).toEqual(media.map((m) => m.media_id).sort());
    for (const row of rows) {
      const { detail } = truth.get(row.media_id)!;
      const issues = issueTypes.flatMap((type) => (row[`issue_${type}`] === null ? [] : [{ issue_type: type, confidence: row[`issue_${type}`] }]));
      expect(issuePairs(issues), row.file_name).toEqual(issuePairs(detail.issues));
      expect([row.cluster_0, row.cluster_4, row.file_size, row.width]).toEqual([detail.clusters[0], detail.clusters[4], detail.file_size === null ? null : BigInt(detail.file_size), detail.width]);
      expect(row.image_path).toBeNull();
    }
    const items = rows.map((r) => ({ id: r.media_id, groups: new Map(duplicateLevels.flatMap((l) => (r[`duplicate_group_${String(l).replace('.', '_')}`] === null ? [] : [[l, r[`duplicate_group_${String(l).replace('.', '_')}`]]]))) }));
    for (const { id: mediaId } of items) {
      for (const level of duplicateLevels) expect(groupMates(items as any, mediaId, level)).toEqual([...truth.get(mediaId)!.duplicates.get(level)!].sort());
    }
  });
});

describe('export_format=csv', () => {
  it('writes metadata.csv: the parquet columns, one row per item, with the issues the API gives', async () => {
    const csv = await exportZip('export_format=csv');
    expect([...csv.files.keys()]).toEqual(['metadata.csv']);
    const [header, ...rows] = csv.files.get('metadata.csv')!.toString('utf8').trimEnd().split('\r\n').map(csvFields);
    expect(header).toEqual(flatColumns.map((c) => c.name));
    expect(rows.map((r) => r[0]).sort()).toEqual(media.map((m) => m.media_id).sort());
    for (const row of rows) {
      const value = (name: string) => row[header!.indexOf(name)]!;
      const { detail } = truth.get(value('media_id'))!;
      const issues = issueTypes.flatMap((type) => (value(`issue_${type}`) === '' ? [] : [{ issue_type: type, confidence: Number(value(`issue_${type}`)) }]));
      expect(issuePairs(issues), value('file_name')).toEqual(issuePairs(detail.issues));
      expect([value('file_name'), value('cluster_0')]).toEqual([detail.file_name, detail.clusters[0]]);
    }
  });
});

describe('export_entities_async', () => {
  it('exports listed media and a cluster less its exclusions, each once', async () => {
    const [a, b] = media.filter((m) => m.type === 'IMAGE');
    const cluster = truth.get(media.find((m) => m.type === 'VIDEO_FRAME')!.media_id)!.detail.clusters[4] as string;
    const members = media.filter((m) => truth.get(m.media_id)!.detail.clusters[4] === cluster).map((m) => m.media_id);
    expect(members.length).toBeGreaterThan(1);
    const excluded = members[0];
    const { files } = await exportZip('export_format=json', {
      selection: [
        { type: 'media', payload: { media_ids: [a.media_id, b.media_id, a.media_id] } },
        { type: 'cluster', payload: { cluster_id: cluster, excluded_media_ids: [excluded] } },
      ],
    });
    const exported = JSON.parse(files.get('metadata.json')!.toString()).media_items.map((m: any) => m.media_id).sort();
    const want = [...new Set([a.media_id, b.media_id, ...members.filter((m) => m !== excluded)])].sort();
    expect(exported).toEqual(want);
  });

  it('narrows a cluster with VQL', async () => {
    const dark = media.find((m) => truth.get(m.media_id)!.detail.issues.some((i: any) => i.issue_type === 'dark'))!;
    const cluster = truth.get(dark.media_id)!.detail.clusters[4];
    const { files } = await exportZip('', { selection: [{ type: 'cluster', payload: { cluster_id: cluster, vql: [{ issues: { op: 'issue', value: 'dark', mode: 'in' } }] } }] });
    const exported = JSON.parse(files.get('metadata.json')!.toString()).media_items;
    expect(exported.map((m: any) => m.media_id)).toContain(dark.media_id);
    for (const m of exported) expect(truth.get(m.media_id)!.detail.issues.map((i: any) => i.issue_type)).toContain('dark');
  });

  it('refuses a malformed selection with a clear error', async () => {
    const post = (body: unknown) =>
      fetch(`${t.url}/api/v1/dataset/${id}/export_entities_async`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ media_selection: [] })).status).toBe(422);
    expect((await post({ media_selection: [{ type: 'nope', payload: {} }] })).status).toBe(422);
    const badCluster = await post({ media_selection: [{ type: 'cluster', payload: { cluster_id: 'x' } }] });
    expect(badCluster.status).toBe(400);
    expect((await badCluster.json()).detail).toMatch(/cluster_id/);
    // Each VQL problem is located in the body, as every other problem of the body is.
    const badVql = await post({ media_selection: [{ type: 'media', payload: { media_ids: [] } }, { type: 'cluster', payload: { cluster_id: '0-1', vql: [{ issues: { op: 'issue', value: 'blurry' } }] } }] });
    expect(badVql.status).toBe(422);
    expect((await badVql.json()).detail).toEqual([expect.objectContaining({ loc: ['body', 'media_selection', 1, 'payload', 'vql', 0, 'issues', 'value'], input: 'blurry' })]);
  });

  it('refuses media ids and clusters the dataset does not have, naming them', async () => {
    const post = (body: unknown) =>
      fetch(`${t.url}/api/v1/dataset/${id}/export_entities_async`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const unknownMedia = await post({ media_selection: [{ type: 'media', payload: { media_ids: [media[0]!.media_id, 'no-such-media'] } }] });
    expect(unknownMedia.status).toBe(404);
    expect((await unknownMedia.json()).detail).toBe('1 of the selected media ids are not indexed media of this dataset: no-such-media');
    const unknownCluster = await post({ media_selection: [{ type: 'cluster', payload: { cluster_id: '0-999999' } }] });
    expect(unknownCluster.status).toBe(404);
    expect((await unknownCluster.json()).detail).toMatch(/^Cluster 0-999999 not found/);
  });
});

describe('export access and lifetime', () => {
  let exportId: string;
  let downloadUri: string;

  beforeAll(async () => {
    const started = (await get(`/api/v1/dataset/${id}/export_context_async`)).body;
    exportId = started.id;
    downloadUri = (await waitForExport(t.url, t.admin.token, id, exportId)).download_uri;
  }, 120_000);

  it('answers 401 without credentials and 404 to a user who cannot see the dataset or did not start the export', async () => {
    expect((await fetch(`${t.url}${downloadUri}`)).status).toBe(401);
    expect((await fetch(`${t.url}/api/v1/dataset/${id}/export_status?export_task_id=${exportId}`)).status).toBe(401);
    await addUser(t.server.ctx.accounts, { email: 'other@example.com', password: 'other-password-1', role: 'editor' });
    const other = await credentialsFor(t.url, 'other@example.com', 'other-password-1');
    expect((await download(downloadUri, other.token)).status).toBe(404);
    expect((await get(`/api/v1/dataset/${id}/export_context_async`, other.token)).status).toBe(404);
    // Shared the dataset, the other user still cannot fetch an export they did not make.
    const share = await fetch(`${t.url}/api/v1/dataset/${id}/share`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ email: 'other@example.com' }) });
    expect(share.status).toBe(200);
    expect((await download(downloadUri, other.token)).status).toBe(404);
    expect((await get(`/api/v1/dataset/${id}/export_status?export_task_id=nope`)).status).toBe(404);
  });

  it('is gone, file and record, once expired', async () => {
    const status = (await get(`/api/v1/dataset/${id}/export_status?export_task_id=${exportId}`)).body;
    const key = `datasets/${id}/exports/${exportId}.zip`;
    expect(await t.server.ctx.blobs.read(key)).not.toBeNull();
    const expiresAt = Date.parse(`${status.expires_at}Z`);
    expect(expiresAt).toBeGreaterThan(Date.now() + 23 * 3600_000);
    // Earlier exports of this file expire first; this one stays until its own time.
    await purgeExpiredExports(t.server.ctx, expiresAt - 1);
    expect(await t.server.ctx.blobs.read(key)).not.toBeNull();
    expect((await get(`/api/v1/dataset/${id}/export_status?export_task_id=${exportId}`)).status).toBe(200);
    expect(await purgeExpiredExports(t.server.ctx, expiresAt)).toBe(1);
    expect(await t.server.ctx.blobs.read(key)).toBeNull();
    expect((await get(`/api/v1/dataset/${id}/export_status?export_task_id=${exportId}`)).status).toBe(404);
    expect((await download(downloadUri)).status).toBe(404);
  });

  it('documents the export routes and their responses in OpenAPI', async () => {
    const doc = (await get('/api/v1/openapi.json')).body;
    const status = doc.paths['/api/v1/dataset/{dataset_id}/export_status'].get;
    expect(Object.keys(status.responses['200'].content['application/json'].schema.properties)).toEqual(expect.arrayContaining(['status', 'progress', 'download_uri', 'result_message']));
    expect(doc.paths['/api/v1/dataset/{dataset_id}/export_entities_async'].post.requestBody).toBeDefined();
    expect(doc.paths['/api/v1/dataset/{dataset_id}/export_download/{export_task_id}']).toBeDefined();
  });
});
