import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_USER_EMAIL } from '../../src/app/accounts.ts';
import { loadConfig } from '../../src/config/config.ts';
import { runServer } from '../../src/run-server.ts';
import { waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { copySmallPhotos } from '../helpers/test-media.ts';
import { testCacheDir } from '../helpers/test-cache.ts';
import { ADMIN, startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Scripts written for Visual Layer's on-prem installs: no Authorization header ("On-Premises
 * API: Authentication is not required"), and GET /api/v1/process?path=&name= to make a dataset
 * from a local folder. Served in STRATA_AUTH=none mode, on the loopback address.
 */
let open: TestServer;
let closed: TestServer;
let root: string;
let folder: string;
let datasetId: string;

beforeAll(async () => {
  root = await tempDir('strata-onprem-');
  folder = join(root, 'images');
  await copySmallPhotos(folder, 3, 400_000);
  [open, closed] = await Promise.all([startTestServer({ STRATA_AUTH: 'none', STRATA_IMPORT_ROOTS: root }), startTestServer({ STRATA_IMPORT_ROOTS: root })]);
});
afterAll(async () => {
  await open?.close();
  await closed?.close();
});

const plain = (t: TestServer, path: string) => fetch(`${t.url}${path}`);

describe('an on-prem script that sends no credentials', () => {
  it('makes a dataset with GET /api/v1/process?path=&name= and follows it to READY', async () => {
    const res = await plain(open, `/api/v1/process?path=${encodeURIComponent(folder)}&name=visual_analysis_01`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ status: 'success', message: 'Dataset processing started', dataset_id: expect.any(String), name: 'visual_analysis_01' });
    const { dataset } = await waitForDatasetStatus(open.url, '', body.dataset_id, ['READY', 'ERROR']);
    expect(dataset).toMatchObject({ status_new: 'READY', n_images: 3, display_name: 'visual_analysis_01', owned_by: ADMIN.email });
    const list = await (await plain(open, '/api/v1/datasets')).json();
    expect(list.map((d: { id: string }) => d.id)).toContain(body.dataset_id);
    datasetId = body.dataset_id;
  });

  it('adds a folder to that dataset with GET /api/v1/process/add_media, as add_media does', async () => {
    const more = join(root, 'more');
    await copySmallPhotos(more, 5, 400_000);
    // The first three are the dataset's own photos again: identical bytes, found as duplicates at 1.0.
    const res = await plain(open, `/api/v1/process/add_media?dataset_id=${datasetId}&path=${encodeURIComponent(more)}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ status: 'success', message: 'Media addition started', dataset_id: datasetId, task_id: expect.any(String) });
    const { dataset } = await waitForDatasetStatus(open.url, '', datasetId, ['PARTIAL INDEX', 'ERROR']);
    expect(dataset).toMatchObject({ status_new: 'PARTIAL INDEX', n_images: 8 });
    const tasks = await (await plain(open, `/api/v1/tasks?dataset_id=${datasetId}&task_type=MEDIA_ADDITION`)).json();
    expect(tasks.tasks.map((t: { task_id: string; status: string }) => [t.task_id, t.status])).toEqual([[body.task_id, 'COMPLETED']]);
    // A missing dataset, a path outside the import roots or no path at all: VL-shaped errors.
    const missing = await plain(open, `/api/v1/process/add_media?dataset_id=no-such-dataset&path=${encodeURIComponent(more)}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: 'error', message: 'Dataset not found', detail: 'Dataset not found' });
    const outside = await plain(open, `/api/v1/process/add_media?dataset_id=${datasetId}&path=${encodeURIComponent('/usr/share')}`);
    expect(outside.status).toBe(400);
    expect((await outside.json()).detail).toMatch(/import roots/);
    const noPath = await plain(open, `/api/v1/process/add_media?dataset_id=${datasetId}`);
    expect(noPath.status).toBe(422);
    expect((await noPath.json()).detail).toEqual([{ type: 'missing', loc: ['query', 'path'], msg: 'Field required', input: null }]);
  });

  it('gets the error in both shapes for a bad path, and a FastAPI 422 for a missing name', async () => {
    const res = await plain(open, `/api/v1/process?path=${encodeURIComponent(join(root, 'nope'))}&name=x`);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'error', message: body.detail });
    expect(body.detail).toMatch(/nope/);
    const missing = await plain(open, `/api/v1/process?path=${encodeURIComponent(folder)}`);
    expect(missing.status).toBe(422);
    expect((await missing.json()).detail).toEqual([{ type: 'missing', loc: ['query', 'name'], msg: 'Field required', input: null }]);
  });

  it('still checks credentials that are sent', async () => {
    const res = await fetch(`${open.url}/api/v1/datasets`, { headers: { authorization: 'Bearer not-a-jwt' } });
    expect(res.status).toBe(401);
    expect((await fetch(`${open.url}/api/v1/datasets`, { headers: { authorization: `Bearer ${open.admin.token}` } })).status).toBe(200);
  });

  it('is refused without STRATA_AUTH=none', async () => {
    expect((await plain(closed, `/api/v1/process?path=${encodeURIComponent(folder)}&name=x`)).status).toBe(401);
    expect((await plain(closed, '/api/v1/datasets')).status).toBe(401);
  });
});

describe('single-user mode without a configured admin', () => {
  it('serves requests as a local admin that nobody can log in as', async () => {
    const dataDir = await tempDir('strata-onprem-local-');
    const server = await runServer(loadConfig({ STRATA_AUTH: 'none', STRATA_DATA_DIR: dataDir, STRATA_PORT: '0', STRATA_LOG_LEVEL: 'warn', STRATA_IMPORT_ROOTS: root, STRATA_WORKERS: '1', STRATA_CACHE_DIR: testCacheDir }));
    try {
      const res = await fetch(`${server.url}/api/v1/process?path=${encodeURIComponent(folder)}&name=local`);
      expect(res.status).toBe(200);
      const { dataset_id } = await res.json();
      const dataset = await (await fetch(`${server.url}/api/v1/dataset/${dataset_id}`)).json();
      expect(dataset.owned_by).toBe(LOCAL_USER_EMAIL);
      await waitForDatasetStatus(server.url!, '', dataset_id, ['READY', 'ERROR']);
    } finally {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
