import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataClient, type Task } from '../../src/client/index.ts';
import { seededRandom } from '../../src/lib/seeded-random.ts';
import { createDatasetFrom, credentialsFor, waitForDatasetStatus, waitUntilIndexing, type Credentials } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { creationTask } from '../helpers/tasks.ts';
import { copySmallPhotos } from '../helpers/test-media.ts';

/**
 * kill -9 of the embedded server (SQLite, in-process queue) a seeded random moment after an
 * abort was sent while a creation indexes real photos. Whatever the moment — before the request
 * was recorded, between its record and the end of the work, or after — the restarted server
 * must settle the dataset: the task ABORTED and the dataset in ERROR with exact counts if the
 * abort was recorded (always, when it was answered), or the creation completed if it was not;
 * never a task left running. STRATA_CHAOS_SEED replays a run.
 */

const SEED = Number(process.env.STRATA_CHAOS_SEED ?? 20261207);
const ROUNDS = 3;
const TOTAL = 30;
const ADMIN = { email: 'abort-chaos@example.com', password: 'abort-chaos-password-1' };

const random = seededRandom(SEED);
let root: string;
let folder: string;
let server: ServerProcess;
let admin: Credentials;
const log: string[] = [];
const context = () => `seed ${SEED}: ${log.join('; ')}`;

function start(): Promise<ServerProcess> {
  return startServerProcess({
    dataDir: join(root, 'data'),
    importRoots: [join(root, 'import')],
    env: { STRATA_WORKERS: '1', STRATA_ADMIN_EMAIL: ADMIN.email, STRATA_ADMIN_PASSWORD: ADMIN.password },
  });
}

const clientOf = () => new StrataClient({ baseUrl: server.url, auth: { apiKey: admin.apiKey, apiSecret: admin.apiSecret } });

beforeAll(async () => {
  root = await tempDir('strata-abort-chaos-');
  folder = join(root, 'import', 'photos');
  await copySmallPhotos(folder, TOTAL, 300_000);
  server = await start();
  admin = await credentialsFor(server.url, ADMIN.email, ADMIN.password);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function round(n: number): Promise<void> {
  const id = await createDatasetFrom(server.url, admin.token, `abort chaos ${n}`, folder);
  await waitUntilIndexing(server.url, admin.token, id, 2 / TOTAL, []);
  const task = await creationTask(clientOf(), id);
  let answered: number | null = null;
  const abort = fetch(`${server.url}/api/v1/tasks/${task.task_id}/abort`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}` } }).then(
    (res) => (answered = res.status),
    () => null,
  );
  const delayMs = Math.floor(random() * 25);
  await new Promise((r) => setTimeout(r, delayMs));
  await server.kill('SIGKILL');
  await abort;
  server = await start();

  const { dataset } = await waitForDatasetStatus(server.url, admin.token, id, ['READY', 'ERROR'], 180_000);
  const ended: Task = await creationTask(clientOf(), id);
  log.push(`round ${n}: killed ${delayMs} ms after the abort (answered ${answered ?? 'no'}), ended ${ended.status} at ${ended.done}/${TOTAL}`);
  if (answered !== null) expect(answered, context()).toBe(202);
  if (answered !== null || ended.status === 'ABORTED') {
    expect(ended, context()).toMatchObject({ status: 'ABORTED', dataset_status: 'ERROR', total: TOTAL });
    expect(dataset, context()).toMatchObject({ status_new: 'ERROR', n_images: ended.done });
    expect(dataset.fatal_error_msg, context()).toContain(`after ${ended.done} of ${TOTAL} files were indexed`);
  } else {
    expect(ended, context()).toMatchObject({ status: 'COMPLETED', abort_requested: false, done: TOTAL });
    expect(dataset, context()).toMatchObject({ status_new: 'READY', n_images: TOTAL });
  }
}

describe(`kill -9 a random moment after an abort is sent (seed ${SEED})`, () => {
  it(`ends every task ABORTED or COMPLETED, never running, over ${ROUNDS} rounds`, async () => {
    for (let n = 1; n <= ROUNDS; n++) await round(n);
    const running = await clientOf().listTasks({ taskStatus: 'RUNNING' });
    const initializing = await clientOf().listTasks({ taskStatus: 'INITIALIZING' });
    expect(running.total + initializing.total, context()).toBe(0);
    console.log(`abort chaos: ${context()}`);
  }, 900_000);
});
