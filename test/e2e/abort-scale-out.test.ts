import { randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataClient } from '../../src/client/index.ts';
import { credentialsFor, followDatasetEvents, waitForDatasetStatus, waitUntilIndexing, type Credentials } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startServerProcess, type ServerProcess, type WorkerProcess } from '../helpers/server-process.ts';
import { abortCreation, creationTask, retryToReady, uploadAndProcess } from '../helpers/tasks.ts';
import { copySmallPhotos } from '../helpers/test-media.ts';

/**
 * Abort and retry on the scale-out backends: PostgreSQL + pg-boss, one `api` process and
 * `worker` processes sharing the database (and, on this one machine, the data directory that
 * holds the uploaded files). The abort request reaches the API; the workers, whichever they
 * are, stop and end the task. A worker killed with SIGKILL while an abort is pending leaves it
 * to the next worker that starts.
 */

const ADMIN = { email: 'abort-admin@example.com', password: 'abort-admin-password-1' };
const TOTAL = 30;

let root: string;
let dataDir: string;
let photos: string;
let names: string[];
let postgres: TestPostgres;
let api: ServerProcess;
const workers: WorkerProcess[] = [];
let admin: Credentials;
let client: StrataClient;
const env = () => ({ STRATA_DATABASE_URL: postgres.url, STRATA_SECRET_KEY: secretKey, STRATA_WORKERS: '1' });
const secretKey = randomBytes(32).toString('hex');

async function startWorker(): Promise<WorkerProcess> {
  const worker = await startServerProcess({ dataDir, waitFor: 'worker', env: env() });
  workers.push(worker);
  return worker;
}

beforeAll(async () => {
  root = await tempDir('strata-abort-scale-');
  dataDir = join(root, 'data');
  photos = join(root, 'photos');
  names = await copySmallPhotos(photos, TOTAL, 300_000);
  postgres = await startPostgres();
  [api] = await Promise.all([
    startServerProcess({ dataDir, env: { ...env(), STRATA_ROLE: 'api', STRATA_ADMIN_EMAIL: ADMIN.email, STRATA_ADMIN_PASSWORD: ADMIN.password } }),
    startWorker(),
    startWorker(),
  ]);
  admin = await credentialsFor(api.url, ADMIN.email, ADMIN.password);
  client = new StrataClient({ baseUrl: api.url, auth: { apiKey: admin.apiKey, apiSecret: admin.apiSecret } });
}, 180_000);

afterAll(async () => {
  await Promise.all([api?.stop(), ...workers.map((w) => w.stop())]);
  await postgres?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('abort and retry with pg-boss and two workers', () => {
  it('stops both workers, ends the creation in ERROR with exact counts, and a retry finishes it', async () => {
    const id = await uploadAndProcess(client, 'abort on postgres', photos, names);
    const ended = await abortCreation(client, api.url, admin.token, id, TOTAL);
    await retryToReady(client, api.url, admin.token, ended, TOTAL);
  }, 300_000);

  it('aborts an addition sent to the api process, and a retry on the workers finishes it from the kept uploads', async () => {
    const id = await uploadAndProcess(client, 'grow on postgres', photos, names.slice(0, 2));
    expect((await waitForDatasetStatus(api.url, admin.token, id, ['READY', 'ERROR'])).dataset.status_new).toBe('READY');
    const files = await Promise.all(names.map(async (name) => ({ name: `batch/${name}`, data: await openAsBlob(join(photos, name)) })));
    const { task_id } = await client.addMedia(id, { files });
    await followDatasetEvents(api.url, admin.token, id, (d) => {
      if (d.status_new !== 'READ ONLY') throw new Error(`the addition ended (${d.status_new}) before it could be aborted`);
      return d.processing?.operation === 'ADD_MEDIA' && d.processing.done >= 2;
    });
    await client.abortTask(task_id);
    expect((await waitForDatasetStatus(api.url, admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'])).dataset.status_new).toBe('PARTIAL INDEX');
    const [ended] = (await client.listTasks({ datasetId: id, taskType: 'MEDIA_ADDITION' })).tasks;
    expect(ended).toMatchObject({ task_id, status: 'ABORTED', total: TOTAL });
    expect(ended!.done).toBeLessThan(TOTAL);

    expect(await client.retryTask(task_id)).toMatchObject({ task_id, status: 'INITIALIZING', done: ended!.done });
    const { dataset } = await waitForDatasetStatus(api.url, admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR']);
    expect(dataset).toMatchObject({ status_new: 'PARTIAL INDEX', n_images: 2 + TOTAL, processing: { operation: 'ADD_MEDIA', status: 'COMPLETED', done: TOTAL, failed: 0, total: TOTAL } });
    const media = await client.listMedia(id, { pageSize: 100 });
    expect(media.media.filter((m) => m.file_name.startsWith('batch/'))).toHaveLength(TOTAL);
  }, 300_000);

  it('finishes an abort left pending by a worker killed with SIGKILL, once another worker starts', async () => {
    const id = await uploadAndProcess(client, 'abort while no worker runs', photos, names);
    await waitUntilIndexing(api.url, admin.token, id, 2 / TOTAL, []);
    // Every worker goes: one killed mid-job, the other stopped, so nothing can end the abort.
    const [killed, stopped] = workers.splice(0, 2);
    await Promise.all([killed!.kill('SIGKILL'), stopped!.stop()]);
    const task = await creationTask(client, id);
    const requested = await client.abortTask(task.task_id);
    expect(requested).toMatchObject({ status: 'RUNNING', abort_requested: true, dataset_status: 'INDEXING' });
    expect((await creationTask(client, id)).status_message).toMatch(/^Aborting/);

    await startWorker();
    const { dataset } = await waitForDatasetStatus(api.url, admin.token, id, ['READY', 'ERROR']);
    expect(dataset.status_new).toBe('ERROR');
    const ended = await creationTask(client, id);
    expect(ended).toMatchObject({ status: 'ABORTED', error_message: `Aborted by ${ADMIN.email}` });
    expect(dataset.n_images).toBe(ended.done);
    expect(dataset.fatal_error_msg).toContain(`after ${ended.done} of ${TOTAL} files were indexed`);

    await startWorker();
    await retryToReady(client, api.url, admin.token, ended, TOTAL);
  }, 300_000);
});
