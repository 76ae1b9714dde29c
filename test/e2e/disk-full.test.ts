import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasetFrom, followDatasetEvents, getJson, waitForDatasetStatus, waitUntilIndexing } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { mountSmallDisk, type SmallDisk } from '../helpers/small-disk.ts';
import { photosDir } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * The data directory on a 30 MB disk, filled to the last byte while the server runs: requests
 * that need to write answer 507 at once with a clear detail, processing pauses and says why,
 * and once the filler is deleted the dataset reaches READY with exact counts — no restart.
 */

const PHOTOS = 40;
const MAX_PHOTO_BYTES = 1_500_000;
const FULL = /^No space left on the server's storage/;

const disk = await mountSmallDisk(30);
const skipReason = 'skipReason' in disk ? disk.skipReason : null;
if (skipReason) console.warn(`disk-full tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)(`a full disk under the data directory${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const small = disk as SmallDisk;
  let root: string;
  let t: TestServer;

  beforeAll(async () => {
    root = await tempDir('strata-disk-full-');
    const folder = join(root, 'photos');
    await mkdir(folder);
    const source = await photosDir();
    const names = [];
    for (const name of (await readdir(source)).sort()) {
      if (names.length < PHOTOS && (await stat(join(source, name))).size <= MAX_PHOTO_BYTES) names.push(name);
    }
    expect(names).toHaveLength(PHOTOS);
    for (const name of names) await copyFile(join(source, name), join(folder, name));
    t = await startTestServer({ STRATA_IMPORT_ROOTS: root }, { dataDir: join(small.dir, 'data') });
  }, 600_000);

  afterAll(async () => {
    await t?.close();
    await small.unmount();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const auth = () => ({ authorization: `Bearer ${t.admin.token}` });
  const newDraft = async (name: string) => getJson(t.url, `/api/v1/ingestion/new_dataset?dataset_name=${name}`, t.admin.token);
  const createFromFolder = async () => {
    const form = new FormData();
    form.set('dataset_name', 'photos');
    form.set('bucket_path', join(root, 'photos'));
    const res = await fetch(`${t.url}/api/v1/dataset`, { method: 'POST', headers: auth(), body: form });
    return { status: res.status, body: await res.json() };
  };

  /**
   * Starts an upload and ends its body only once the answer has come: a server that waited for
   * the whole body before answering would never answer (the test then times out).
   */
  function uploadAnsweredMidBody(datasetId: string, transId: number): Promise<{ status: number; body: any }> {
    const url = new URL(`${t.url}/api/v1/ingestion/${datasetId}/data_files/${transId}`);
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { ...auth(), 'content-type': 'multipart/form-data; boundary=BND', 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          req.end('\r\n--BND--\r\n');
          resolve({ status: res.statusCode!, body: JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.write(`--BND\r\nContent-Disposition: form-data; name="files"; filename="big.jpg"\r\n\r\n${'y'.repeat(1 << 20)}`);
    });
  }

  it('answers 507 with a clear detail to requests that need to write, and works again once space is freed', async () => {
    const draft = await newDraft('uploads');
    expect(draft.status).toBe(200);
    const trans = await getJson(t.url, `/api/v1/ingestion/${draft.body.dataset_id}/data_files`, t.admin.token);
    const doomed = (await newDraft('to-delete')).body.dataset_id;

    small.fill();
    const upload = await uploadAnsweredMidBody(draft.body.dataset_id, trans.body.trans_id);
    expect(upload.status).toBe(507);
    expect(upload.body.detail).toMatch(FULL);
    for (const res of [await newDraft('another'), await createFromFolder(), await deleteDataset(doomed)]) {
      expect(res.status).toBe(507);
      expect(res.body.detail).toMatch(FULL);
    }

    await small.free();
    expect((await newDraft('another')).status).toBe(200);
    expect((await deleteDataset(doomed)).status).toBe(200);
  });

  it('pauses processing with the reason shown, and resumes to READY with exact counts once space is freed', async () => {
    const id = await createDatasetFrom(t.url, t.admin.token, 'photos', join(root, 'photos'));
    await waitUntilIndexing(t.url, t.admin.token, id, 1 / PHOTOS, []);

    small.fill();
    let paused: any;
    await followDatasetEvents(t.url, t.admin.token, id, (ds) => {
      expect(ds.status_new).toBe('INDEXING');
      paused = ds;
      return typeof ds.processing?.paused_reason === 'string';
    });
    expect(paused.processing.paused_reason).toMatch(/^No space left on the server's storage: processing is paused and resumes by itself/);
    expect(paused.processing.failed).toBe(0);
    // Nothing is recorded as a failure of an item for want of space.
    expect((await getJson(t.url, `/api/v1/dataset/${id}/errors`, t.admin.token)).body).toEqual([]);

    await small.free();
    const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR']);
    expect(dataset).toMatchObject({ status_new: 'READY', n_images: PHOTOS, fatal_error_msg: null, progress: 100 });
    expect(dataset.processing).toMatchObject({ status: 'COMPLETED', done: PHOTOS, total: PHOTOS, failed: 0, paused_reason: null });
    // No job was left behind, active or waiting.
    expect(await t.server.ctx.store.jobs.countOpen()).toBe(0);
  });

  async function deleteDataset(id: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`${t.url}/api/v1/dataset/${id}`, { method: 'DELETE', headers: auth() });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : JSON.parse(text) };
  }
});
