import { existsSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/lib/seeded-random.ts';
import { createDatasetFrom, credentialsFor, followDatasetEvents, getJson, waitForDatasetStatus, type Credentials } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { copySmallPhotos } from '../helpers/test-media.ts';

/**
 * kill -9 at seeded random points while the server creates a dataset from a folder, takes a
 * four-step upload and deletes a dataset; after each kill a restart on the same data directory
 * must end with exact counts (n_images = the files), no blob left of a deleted dataset and no
 * partial file anywhere. STRATA_CHAOS_SEED replays a run; the seed is in every failure message.
 */

const SEED = Number(process.env.STRATA_CHAOS_SEED ?? 20261206);
const KILLS = 10;
const PHOTOS = 5;
const ADMIN = { email: 'chaos-admin@example.com', password: 'chaos-admin-password-1' };
const BOUNDARY = 'strata-chaos';

const random = seededRandom(SEED);
let root: string;
let dataDir: string;
let folder: string;
let files: Array<{ name: string; bytes: Buffer }>;
let server: ServerProcess;
let admin: Credentials;
const log: string[] = [];

beforeAll(async () => {
  root = await tempDir('strata-chaos-');
  dataDir = join(root, 'data');
  folder = join(root, 'import', 'photos');
  const names = await copySmallPhotos(folder, PHOTOS, 300_000);
  files = await Promise.all(names.map(async (name) => ({ name, bytes: await readFile(join(folder, name)) })));
  server = await start();
  admin = await credentialsFor(server.url, ADMIN.email, ADMIN.password);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

function start(): Promise<ServerProcess> {
  return startServerProcess({
    dataDir,
    importRoots: [join(root, 'import')],
    env: { STRATA_WORKERS: '1', STRATA_ADMIN_EMAIL: ADMIN.email, STRATA_ADMIN_PASSWORD: ADMIN.password },
  });
}

async function killAndRestart(what: string): Promise<void> {
  await server.kill('SIGKILL');
  log.push(what);
  server = await start();
}

const partHeader = (name: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\n\r\n`;
const multipart = (fs: typeof files) => Buffer.concat([...fs.flatMap((f) => [Buffer.from(partHeader(f.name)), f.bytes, Buffer.from('\r\n')]), Buffer.from(`--${BOUNDARY}--\r\n`)]);
const auth = () => ({ authorization: `Bearer ${admin.token}` });
const context = () => `seed ${SEED}, kills so far: ${log.join('; ')}`;

async function expectReadyWithEveryFile(id: string): Promise<void> {
  const { dataset } = await waitForDatasetStatus(server.url, admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'], 180_000);
  expect(dataset, context()).toMatchObject({ status_new: 'READY', n_images: PHOTOS });
  expect(dataset.processing, context()).toMatchObject({ total: PHOTOS, done: PHOTOS, failed: 0 });
}

/** Create from the folder; killed once a random share of the files is indexed. */
async function createRound(): Promise<void> {
  const id = await createDatasetFrom(server.url, admin.token, 'chaos create', folder);
  const share = random();
  let killed = false;
  await followDatasetEvents(server.url, admin.token, id, (d) => {
    if (d.status_new !== 'DRAFT' && d.status_new !== 'INDEXING') return true; // finished first: no kill this round
    const total = d.processing?.total ?? null;
    killed = total !== null && d.processing.done >= share * total;
    return killed;
  });
  if (killed) await killAndRestart(`create at ${Math.round(share * 100)} %`);
  await expectReadyWithEveryFile(id);
}

/** A four-step upload whose request is cut after a random number of whole files; then sent again. */
async function uploadRound(): Promise<void> {
  const id = (await getJson(server.url, '/api/v1/ingestion/new_dataset?dataset_name=chaos%20upload', admin.token)).body.dataset_id;
  const trans = (await getJson(server.url, `/api/v1/ingestion/${id}/data_files`, admin.token)).body.trans_id;
  const whole = Math.floor(random() * PHOTOS);
  const req = request(`${server.url}/api/v1/ingestion/${id}/data_files/${trans}`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'transfer-encoding': 'chunked' },
  });
  req.on('error', () => {});
  req.write(multipart(files.slice(0, whole)).subarray(0, -`--${BOUNDARY}--\r\n`.length));
  const cut = files[whole]!;
  req.write(Buffer.concat([Buffer.from(partHeader(cut.name)), cut.bytes.subarray(0, cut.bytes.length >> 1)]));
  // Files are stored in order: once `whole` are listed, the cut one is being written.
  for (;;) {
    const listed = await getJson(server.url, `/api/v1/ingestion/${id}/data_files/${trans}`, admin.token);
    if (listed.body.files.length >= whole) break;
  }
  await killAndRestart(`upload after ${whole} whole files`);
  req.destroy();
  const resent = await fetch(`${server.url}/api/v1/ingestion/${id}/data_files/${trans}`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    body: multipart(files),
  });
  expect(resent.status, context()).toBe(202);
  expect((await fetch(`${server.url}/api/v1/ingestion/${id}/process_files/${trans}`, { method: 'POST', headers: auth() })).status).toBe(202);
  await expectReadyWithEveryFile(id);
}

/** Deletes an indexed dataset, killed a random moment after the request went out; deleted again if it survived. */
async function deleteRound(): Promise<void> {
  const id = await createDatasetFrom(server.url, admin.token, 'chaos delete', folder);
  await expectReadyWithEveryFile(id);
  expect(existsSync(join(dataDir, 'blobs', 'datasets', id))).toBe(true);
  const deleting = fetch(`${server.url}/api/v1/dataset/${id}`, { method: 'DELETE', headers: auth() }).catch(() => null);
  const delayMs = Math.floor(random() * 40);
  await new Promise((r) => setTimeout(r, delayMs));
  await killAndRestart(`delete after ${delayMs} ms`);
  await deleting;
  if ((await getJson(server.url, `/api/v1/dataset/${id}`, admin.token)).status === 200) {
    expect((await fetch(`${server.url}/api/v1/dataset/${id}`, { method: 'DELETE', headers: auth() })).status, context()).toBe(200);
  }
  expect((await getJson(server.url, `/api/v1/dataset/${id}`, admin.token)).status, context()).toBe(404);
  expect(existsSync(join(dataDir, 'blobs', 'datasets', id)), context()).toBe(false);
}

describe(`kill -9 at random points of create, upload and delete (seed ${SEED})`, () => {
  it(`recovers from ${KILLS} kills with exact counts, no orphan blobs and no partial files`, async () => {
    const rounds = [createRound, uploadRound, deleteRound];
    while (log.length < KILLS) await rounds[Math.floor(random() * rounds.length)]!();
    const partial = (await readdir(dataDir, { recursive: true })).filter((f) => f.endsWith('.part'));
    expect(partial, context()).toEqual([]);
  }, 600_000);
});
