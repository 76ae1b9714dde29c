import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/media/s3-client.ts';
import { createSqliteStore } from '../../src/store/create-store.ts';
import { createDatasetFrom, credentialsFor, getJson, waitForDatasetStatus, type Credentials } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { copySmallPhotos } from '../helpers/test-media.ts';

/**
 * A dataset delete interrupted by kill -9 is finished by the next start: no blob of the dataset
 * is left (uploads, thumbnails, frames, vector index) and the dataset stays gone. On S3 the kill
 * lands exactly mid-delete: the test's S3 server kills the process when the delete lists the
 * dataset's objects. On local disk, a crash right after the dataset was marked is resumed.
 */

const ADMIN = { email: 'delete-admin@example.com', password: 'delete-admin-password-1' };
const BUCKET = 'strata-delete';
const PHOTOS = 12;

let root: string;
let folder: string;
let s3: S3TestServer;
let s3Client: S3Client;
const servers: ServerProcess[] = [];
/** Set by a test: called (once) when a server lists the objects under `prefix`. */
let onListing: { prefix: string; run: () => Promise<void> } | null = null;

beforeAll(async () => {
  root = await tempDir('strata-delete-');
  folder = join(root, 'import', 'photos');
  await copySmallPhotos(folder, PHOTOS, 400_000);
  s3 = await startS3Server({
    buckets: [BUCKET],
    middleware: [
      async (ctx, next) => {
        const hook = onListing;
        if (hook !== null && ctx.method === 'GET' && (ctx.query.prefix ?? '').startsWith(hook.prefix)) {
          onListing = null;
          await hook.run();
          ctx.status = 503;
          return;
        }
        await next();
      },
    ],
  });
  s3Client = createS3Client(s3.connection);
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
  s3Client?.destroy();
  await s3?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function start(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const s = await startServerProcess({
    dataDir,
    importRoots: [join(root, 'import')],
    env: { STRATA_WORKERS: '1', STRATA_ADMIN_EMAIL: ADMIN.email, STRATA_ADMIN_PASSWORD: ADMIN.password, ...env },
  });
  servers.push(s);
  return s;
}

async function objectsUnder(prefix: string): Promise<string[]> {
  const res = await s3Client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key!);
}

async function indexedDataset(server: ServerProcess): Promise<{ admin: Credentials; id: string }> {
  const admin = await credentialsFor(server.url, ADMIN.email, ADMIN.password);
  const id = await createDatasetFrom(server.url, admin.token, 'to delete', folder);
  const { dataset } = await waitForDatasetStatus(server.url, admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'], 180_000);
  expect(dataset).toMatchObject({ status_new: 'READY', n_images: PHOTOS });
  return { admin, id };
}

/** The dataset's rows, read from the store after the server stopped. */
async function itemRowsOf(dataDir: string, id: string): Promise<number> {
  const store = await createSqliteStore(dataDir);
  try {
    return (await store.items.page(id, '', 10_000)).length;
  } finally {
    await store.close();
  }
}

describe('kill -9 in the middle of deleting a dataset stored in S3', () => {
  it('leaves no object of the dataset once restarted, and the dataset is gone for good', async () => {
    const dataDir = join(root, 'data-s3');
    const env = s3.strataEnv(BUCKET);
    const first = await start(dataDir, env);
    const { admin, id } = await indexedDataset(first);
    const stored = await objectsUnder(`datasets/${id}/`);
    expect(stored.filter((k) => k.includes('/thumbs/'))).toHaveLength(PHOTOS);
    expect(stored).toContain(`datasets/${id}/vectors.usearch`);

    let seenMidDelete: { status: number; listed: boolean } | null = null;
    onListing = {
      prefix: `datasets/${id}/`,
      run: async () => {
        // Mid-delete, the dataset is already gone for clients; then the process dies.
        const one = await getJson(first.url, `/api/v1/dataset/${id}`, admin.token);
        const all = await getJson(first.url, '/api/v1/datasets', admin.token);
        seenMidDelete = { status: one.status, listed: all.body.some((d: { id: string }) => d.id === id) };
        await first.kill('SIGKILL');
      },
    };
    await fetch(`${first.url}/api/v1/dataset/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin.token}` } }).catch(() => null);
    expect(onListing).toBeNull();
    expect(seenMidDelete).toEqual({ status: 404, listed: false });

    const second = await start(dataDir, env);
    expect(await objectsUnder(`datasets/${id}/`)).toEqual([]);
    expect((await getJson(second.url, `/api/v1/dataset/${id}`, admin.token)).status).toBe(404);
    await second.stop();
    expect(await itemRowsOf(dataDir, id)).toBe(0);
  }, 300_000);
});

describe('a crash right after a dataset on local disk was marked for deletion', () => {
  it('is finished by the next start: its folder of blobs and its rows are gone', async () => {
    const dataDir = join(root, 'data-local');
    const first = await start(dataDir);
    const { admin, id } = await indexedDataset(first);
    const blobDir = join(dataDir, 'blobs', 'datasets', id);
    expect(existsSync(join(blobDir, 'vectors.usearch'))).toBe(true);
    await first.stop();

    const store = await createSqliteStore(dataDir);
    try {
      expect(await store.datasets.markDeleting(id)).toBe(true);
    } finally {
      await store.close();
    }

    const second = await start(dataDir);
    expect(existsSync(blobDir)).toBe(false);
    expect((await getJson(second.url, `/api/v1/dataset/${id}`, admin.token)).status).toBe(404);
    await second.stop();
    expect(await itemRowsOf(dataDir, id)).toBe(0);
  }, 300_000);
});
