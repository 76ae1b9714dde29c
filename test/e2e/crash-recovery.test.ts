import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/create-store.ts';
import { createDatasetFrom, credentialsFor, getJson, waitForDatasetStatus, waitUntilIndexing, type Credentials } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { startRun, type ServerProcess } from '../helpers/server-process.ts';
import { copySmallPhotos } from '../helpers/test-media.ts';

/**
 * kill -9 in the middle of indexing a real folder, then a restart on the same data directory:
 * the operation resumes where it stopped and ends with exact counts, no item indexed twice,
 * no failure recorded twice, and a progress that never went backwards.
 */

const ADMIN = { email: 'crash-admin@example.com', password: 'crash-admin-password-1' };
const PHOTOS = 80;
const MAX_PHOTO_BYTES = 1_500_000; // keeps the run short; the largest wallpapers take seconds each
const BROKEN = ['empty.png', 'truncated.jpg'];

let root: string;
let dataDir: string;
let folder: string;
let photoNames: string[];
const servers: ServerProcess[] = [];

beforeAll(async () => {
  root = await tempDir('strata-crash-');
  folder = join(root, 'import', 'photos');
  dataDir = join(root, 'data');
  photoNames = await copySmallPhotos(folder, PHOTOS, MAX_PHOTO_BYTES);
  const jpeg = photoNames.find((n) => n.endsWith('.jpg') && !n.includes('Logo'))!;
  const bytes = await readFile(join(folder, jpeg));
  await writeFile(join(folder, 'truncated.jpg'), bytes.subarray(0, Math.floor(bytes.length / 2)));
  await writeFile(join(folder, 'empty.png'), Buffer.alloc(0));
}, 600_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const start = (workers: string): Promise<ServerProcess> => startRun(servers, { dataDir, importRoot: join(root, 'import'), admin: ADMIN, workers });

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function expectNonDecreasing(label: string, values: number[]): void {
  for (let i = 1; i < values.length; i++) {
    if (values[i]! < values[i - 1]!) throw new Error(`${label} went backwards at sample ${i}: ${values.join(', ')}`);
  }
}

describe('SIGKILL during indexing, then a restart on the same data directory', () => {
  const valid = () => photoNames.length;
  let admin: Credentials;
  let id: string;
  let beforeKill: any[] = [];
  let afterRestart: any[] = [];
  let final: any;

  beforeAll(async () => {
    // First run: one worker, so indexing is slow enough to be caught in the middle.
    const first = await start('1');
    admin = await credentialsFor(first.url, ADMIN.email, ADMIN.password);
    id = await createDatasetFrom(first.url, admin.token, 'crash me', folder);
    await waitUntilIndexing(first.url, admin.token, id, 0.2, beforeKill);
    await first.kill('SIGKILL');
    expect(isAlive(first.pid)).toBe(false);

    // Second run on the same data directory; the API key made before the crash still works.
    const second = await start('2');
    const restarted = await waitForDatasetStatus(second.url, admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'], 180_000);
    afterRestart = restarted.events;
    final = (await getJson(second.url, `/api/v1/dataset/${id}`, admin.token)).body;
  }, 300_000);

  it('was killed in the middle of the operation, with at least a fifth of it done', () => {
    const last = beforeKill.at(-1)!;
    expect(last.status_new).toBe('INDEXING');
    expect(last.processing.total).toBe(valid() + BROKEN.length);
    expect(last.processing.done).toBeGreaterThanOrEqual(Math.ceil(0.2 * last.processing.total));
    // What the restarted server shows first is still the interrupted operation, not a finished one,
    // and nothing recorded before the crash was lost.
    const resumed = afterRestart[0]!;
    expect(resumed.status_new).toBe('INDEXING');
    expect(resumed.processing.total).toBe(last.processing.total);
    expect(resumed.processing.done).toBeGreaterThanOrEqual(last.processing.done);
    expect(resumed.processing.done + resumed.processing.failed).toBeLessThan(resumed.processing.total);
  });

  it('finishes READY with exact counts: every valid photo once, both broken files failed once', () => {
    expect(final).toMatchObject({ status_new: 'READY', status: 'READY', progress: 100, n_images: valid(), n_videos: 0, fatal_error_msg: null });
    expect(final.processing).toMatchObject({ operation: 'CREATE', status: 'COMPLETED', total: valid() + BROKEN.length, done: valid(), failed: BROKEN.length });
    expect(final.processing.done + final.processing.failed).toBe(final.processing.total);
  });

  it('reports the same in creation-status', async () => {
    const s = servers.at(-1)!;
    const res = await getJson(s.url, `/api/v1/datasets/${id}/creation-status`, admin.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'READY', progress: 100 });
  });

  it('lists exactly the two broken files as errors, once each', async () => {
    const s = servers.at(-1)!;
    const res = await getJson(s.url, `/api/v1/dataset/${id}/errors`, admin.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-total-count')).toBe(String(BROKEN.length));
    expect(res.body.map((e: { file_name: string }) => e.file_name).sort()).toEqual(BROKEN);
    for (const e of res.body) {
      expect(e.original_uri).toContain(e.file_name);
      expect(e.stage).toBeTruthy();
      expect(e.reason).toBeTruthy();
    }
  });

  it('never moved progress, done or n_images backwards across the crash and restart', () => {
    const samples = [...beforeKill, ...afterRestart, final];
    expectNonDecreasing('progress', samples.map((d) => d.progress));
    expectNonDecreasing('processing.done', samples.filter((d) => d.processing).map((d) => d.processing.done));
    expectNonDecreasing('processing.failed', samples.filter((d) => d.processing).map((d) => d.processing.failed));
    expectNonDecreasing('n_images', samples.map((d) => d.n_images));
    for (const d of samples) {
      expect(d.progress).toBeGreaterThanOrEqual(0);
      expect(d.progress).toBeLessThanOrEqual(100);
      if (d.status_new === 'INDEXING') expect(d.progress).toBeLessThan(100);
    }
  });

  it('holds one item per source file in the store (no duplicates from the re-run)', async () => {
    // The API has no media listing yet; the store, opened after a clean stop, is checked directly.
    await servers.at(-1)!.stop();
    const store = await createSqliteStore(dataDir);
    try {
      const items = await store.items.page(id, '', 10_000);
      expect(items).toHaveLength(valid() + BROKEN.length);
      expect(new Set(items.map((i) => i.sourceKey)).size).toBe(items.length);
      const names = items.map((i) => i.fileName).sort();
      expect(names).toEqual([...photoNames, ...BROKEN].sort());
      expect(items.filter((i) => i.state === 'done')).toHaveLength(valid());
      expect(items.filter((i) => i.state === 'failed').map((i) => i.fileName).sort()).toEqual(BROKEN);
    } finally {
      await store.close();
    }
  });
});
