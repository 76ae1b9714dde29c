import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import type { ImageFacts, NewFrame, NewItem, Store } from '../../src/ports/store.ts';
import { createPostgresStore, createSqliteStore } from '../../src/store/create-store.ts';
import { startPostgres } from '../helpers/postgres.ts';

/**
 * One contract, every Store backend. `other` stands in for a second process on the same
 * database: a second pool on PostgreSQL, opened (and migrated) at the same time as the first.
 * On SQLite it is the same store: better-sqlite3 is synchronous, so a second connection in the
 * same process would block the event loop waiting for the first one's lock.
 */
interface Backend {
  name: string;
  open(): Promise<{ store: Store; other: Store; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'strata-store-'));
      const store = await createSqliteStore(dir);
      return {
        store,
        other: store,
        cleanup: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const pg = await startPostgres();
      const [store, other] = await Promise.all([createPostgresStore(pg.url), createPostgresStore(pg.url)]);
      return {
        store,
        other,
        cleanup: async () => {
          await Promise.all([store.close(), other.close()]);
          await pg.stop();
        },
      };
    },
  },
];

const facts = (n = 1): ImageFacts => ({
  format: 'jpeg',
  width: 640,
  height: 480,
  exif: { Make: 'Test' },
  byteHash: `hash-${n}`,
  phash: 'ff00ff00ff00ff00',
  quality: { blurVariance: 1.5, brightnessMean: 0.5, darkFraction: 0, brightFraction: 0, blur: 0, dark: 0, bright: 0 },
  thumbKey: `thumbs/${n}.webp`,
  sizeBytes: 6_000_000_000,
  embedding: { model: 'test-model@1', vector: new Float32Array([0.6, 0.8, n / 1000]), copyDescriptor: new Uint8Array(256).fill(n % 256) },
});

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toSatisfy((e) => e instanceof DomainError && e.code === code);
}

describe.each(backends)('Store contract: $name', (backend) => {
  let store: Store;
  let other: Store;
  let cleanup: () => Promise<void>;
  let n = 0;
  const unique = (prefix: string) => `${prefix}-${++n}-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    ({ store, other, cleanup } = await backend.open());
  });

  afterAll(async () => {
    await cleanup?.();
  });

  const newUser = (role: 'admin' | 'editor' | 'viewer' = 'editor') => store.users.create({ email: `${unique('u')}@example.com`, passwordHash: 'h', role });
  async function newDataset(ownerId?: string, displayName = 'ds') {
    const owner = ownerId ?? (await newUser()).id;
    return store.datasets.create({ displayName, description: 'd', sourceType: 'BUCKET', sourceUri: 's3://b', ownerId: owner });
  }
  async function newTask() {
    const ds = await newDataset();
    const task = await store.tasks.start({ datasetId: ds.id, operation: 'CREATE', stage: 'analyze', createdBy: ds.ownerId }, { from: 'DRAFT', to: 'INDEXING' });
    return { ds, task };
  }
  const item = (t: { ds: { id: string }; task: { id: string } }, key: string, extra: Partial<NewItem> = {}): NewItem => ({
    datasetId: t.ds.id,
    taskId: t.task.id,
    kind: 'image',
    sourceKey: key,
    fileName: `${key}.jpg`,
    originalUri: `s3://b/${key}.jpg`,
    location: `s3://b/${key}.jpg`,
    sizeBytes: 100,
    stage: 'analyze',
    ...extra,
  });
  async function itemIds(datasetId: string): Promise<string[]> {
    return (await store.items.page(datasetId, '', 100_000)).map((i) => i.id);
  }

  describe('users', () => {
    it('creates, finds, refuses duplicates and upserts', async () => {
      const email = `${unique('a')}@example.com`;
      const u = await store.users.create({ email, passwordHash: 'h1', role: 'viewer' });
      expect(u).toMatchObject({ email, role: 'viewer' });
      expect(await store.users.findById(u.id)).toEqual(u);
      expect(await store.users.findByEmail(email)).toEqual({ ...u, passwordHash: 'h1' });
      expect(await store.users.findById('nope')).toBeNull();
      expect(await store.users.findByEmail('nope@example.com')).toBeNull();
      await rejectsWith(store.users.create({ email, passwordHash: 'h2', role: 'admin' }), 'CONFLICT');

      const up = await store.users.upsert({ email, passwordHash: 'h3', role: 'admin' });
      expect(up).toEqual({ ...u, role: 'admin' });
      expect(await store.users.findByEmail(email)).toMatchObject({ id: u.id, passwordHash: 'h3', role: 'admin' });
      const fresh = await store.users.upsert({ email: `${unique('b')}@example.com`, passwordHash: 'h', role: 'editor' });
      expect(await store.users.findById(fresh.id)).toEqual(fresh);
    });

    it('lets exactly one of several concurrent creates of an email win', async () => {
      const email = `${unique('race')}@example.com`;
      const results = await Promise.allSettled([store, other, store, other, store].map((s) => s.users.create({ email, passwordHash: 'h', role: 'editor' })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
    });

    it('keeps api keys and sessions', async () => {
      const u = await newUser();
      const [k1, k2] = [unique('key'), unique('key')];
      await store.users.addApiKey({ apiKey: k1, userId: u.id, secretSealed: 's1' });
      await store.users.addApiKey({ apiKey: k2, userId: u.id, secretSealed: 's2' });
      expect(await store.users.findApiKey(k1)).toEqual({ userId: u.id, secretSealed: 's1', revoked: false });
      expect(await store.users.findApiKey('missing')).toBeNull();
      expect(await store.users.revokeApiKey(k1)).toBe(true);
      expect(await store.users.revokeApiKey(k1)).toBe(false);
      expect(await store.users.revokeApiKey('missing')).toBe(false);
      expect((await store.users.findApiKey(k1))?.revoked).toBe(true);
      const keys = await store.users.listApiKeys(u.id);
      // Creation order is not asserted: isoMicros() can make the later of two keys made in the same millisecond look older.
      expect(keys.map((k) => [k.apiKey, k.revoked]).sort()).toEqual([[k1, true], [k2, false]].sort());
      expect(typeof keys[0]!.createdAt).toBe('string');

      const expiresAt = Date.now() + 86_400_000;
      await store.users.addSession({ tokenHash: 'tok-' + u.id, userId: u.id, expiresAt });
      expect(await store.users.findSession('tok-' + u.id)).toEqual({ userId: u.id, expiresAt });
      await store.users.deleteSession('tok-' + u.id);
      expect(await store.users.findSession('tok-' + u.id)).toBeNull();
    });

    it("records a key's last use at most once a gap, whichever process records it", async () => {
      const u = await newUser();
      const key = unique('key');
      await store.users.addApiKey({ apiKey: key, userId: u.id, secretSealed: 's' });
      const lastUsed = async () => (await store.users.listApiKeys(u.id))[0]!.lastUsedAt;
      expect(await lastUsed()).toBeNull();
      const t0 = new Date('2026-03-01T10:00:00Z');
      await store.users.noteApiKeyUse(key, t0, 60_000);
      expect(await lastUsed()).toBe('2026-03-01T10:00:00.000000');
      // Within the minute, from either process: unchanged.
      await other.users.noteApiKeyUse(key, new Date(t0.getTime() + 59_000), 60_000);
      await store.users.noteApiKeyUse(key, new Date(t0.getTime() + 30_000), 60_000);
      expect(await lastUsed()).toBe('2026-03-01T10:00:00.000000');
      await other.users.noteApiKeyUse(key, new Date(t0.getTime() + 61_000), 60_000);
      expect(await lastUsed()).toBe('2026-03-01T10:01:01.000000');
    });
  });

  describe('datasets', () => {
    it('creates with defaults and finds by id', async () => {
      const owner = await newUser();
      const ds = await newDataset(owner.id, 'Cats');
      expect(ds).toMatchObject({
        displayName: 'Cats', sourceType: 'BUCKET', sourceUri: 's3://b', ownerId: owner.id, ownerEmail: owner.email, status: 'DRAFT',
        fatalErrorMsg: null, sourceDatasetId: null, nImages: 0, nVideos: 0, nFrames: 0, nObjects: 0, revision: 1, uploadOpen: false, lastTaskId: null,
      });
      expect(await store.datasets.get(ds.id)).toEqual(ds);
      expect(await store.datasets.get(randomUUID())).toBeNull();
    });

    it('lists what a user owns or was shared, everything for admins, sorted', async () => {
      const [alice, bob, admin] = [await newUser(), await newUser(), await newUser('admin')];
      const a1 = await newDataset(alice.id, 'b-set');
      const a2 = await newDataset(alice.id, 'a-set');
      const b1 = await newDataset(bob.id, 'C-set');
      await store.datasets.share(b1.id, alice.id);
      await store.datasets.share(b1.id, alice.id); // idempotent
      expect(await store.datasets.isSharedWith(b1.id, alice.id)).toBe(true);
      expect(await store.datasets.isSharedWith(a1.id, bob.id)).toBe(false);

      // Code-point order on both backends, whatever the PostgreSQL cluster's locale.
      expect((await store.datasets.listVisible(alice, 'name')).map((d) => d.id)).toEqual([b1.id, a2.id, a1.id]);
      const byDate = await store.datasets.listVisible(alice, 'date');
      expect(new Set(byDate.map((d) => d.id))).toEqual(new Set([a1.id, a2.id, b1.id]));
      expect(byDate.map((d) => d.createdAt)).toEqual(byDate.map((d) => d.createdAt).sort().reverse());
      expect((await store.datasets.listVisible(bob, 'date')).map((d) => d.id)).toEqual([b1.id]);
      const all = (await store.datasets.listVisible(admin, 'name')).map((d) => d.id);
      expect(all).toEqual(expect.arrayContaining([a1.id, a2.id, b1.id]));
    });

    it('lists whom a dataset is shared with, and unshares', async () => {
      const [owner, carol, dave] = [await newUser(), await newUser('viewer'), await newUser()];
      const ds = await newDataset(owner.id, 'shared');
      await store.datasets.share(ds.id, dave.id);
      await store.datasets.share(ds.id, carol.id);
      const emails = [carol.email, dave.email].sort();
      expect((await store.datasets.sharedWith(ds.id)).map((m) => m.email)).toEqual(emails);
      expect((await store.datasets.sharedWith(ds.id)).find((m) => m.email === carol.email)?.role).toBe('viewer');
      expect(await store.datasets.unshare(ds.id, carol.id)).toBe(true);
      expect(await store.datasets.unshare(ds.id, carol.id)).toBe(false);
      expect(await store.datasets.isSharedWith(ds.id, carol.id)).toBe(false);
      expect((await store.datasets.sharedWith(ds.id)).map((m) => m.email)).toEqual([dave.email]);
    });

    it('applies patches, bumps the revision and reports revisions', async () => {
      const ds = await newDataset();
      await store.datasets.update(ds.id, { status: 'ERROR', fatalErrorMsg: 'boom', uploadOpen: true, lastTaskId: 't', sourceUri: 'x' });
      expect(await store.datasets.get(ds.id)).toMatchObject({ status: 'ERROR', fatalErrorMsg: 'boom', uploadOpen: true, lastTaskId: 't', sourceUri: 'x', revision: 2 });
      await store.datasets.update(ds.id, { uploadOpen: false });
      expect(await store.datasets.get(ds.id)).toMatchObject({ status: 'ERROR', uploadOpen: false, revision: 3 });
      const revs = await store.datasets.revisions([ds.id, 'missing']);
      expect([...revs]).toEqual([[ds.id, 3]]);
      expect((await store.datasets.revisions([])).size).toBe(0);
    });

    it('deletes a dataset with everything that hangs off it', async () => {
      const t = await newTask();
      const viewer = await newUser('viewer');
      await store.datasets.share(t.ds.id, viewer.id);
      const trans = await store.uploads.openTransaction(t.ds.id);
      await store.uploads.add({ datasetId: t.ds.id, transId: trans, fileName: 'a.jpg', blobKey: 'k', sizeBytes: 1, sha256: 'h' });
      await store.items.insertMany([item(t, 'x')]);
      const [itemId] = await itemIds(t.ds.id);
      await store.datasets.delete(t.ds.id);
      expect(await store.datasets.get(t.ds.id)).toBeNull();
      expect(await store.tasks.get(t.task.id)).toBeNull();
      expect(await store.items.get(itemId!)).toBeNull();
      expect(await store.uploads.getTransaction(t.ds.id, trans)).toBeNull();
      expect(await store.uploads.page(t.ds.id, trans, 0, 10)).toEqual([]);
      expect(await store.datasets.isSharedWith(t.ds.id, viewer.id)).toBe(false);
      expect(await store.users.findById(viewer.id)).not.toBeNull();
    });

    it('marks a dataset for deletion: gone for readers, uploads and new operations; listed until its rows go', async () => {
      const ds = await newDataset();
      const trans = await store.uploads.openTransaction(ds.id);
      const marks = await Promise.all([store, other, store].map((s) => s.datasets.markDeleting(ds.id)));
      expect(marks.filter(Boolean)).toHaveLength(1);
      expect(await store.datasets.get(ds.id)).toBeNull();
      expect((await store.datasets.listVisible({ id: ds.ownerId, role: 'admin' }, 'date')).some((d) => d.id === ds.id)).toBe(false);
      expect(await store.uploads.add({ datasetId: ds.id, transId: trans, fileName: 'a.jpg', blobKey: 'k', sizeBytes: 1, sha256: 'h' })).toBe('closed');
      await rejectsWith(store.tasks.start({ datasetId: ds.id, operation: 'CREATE', stage: 'discover', createdBy: ds.ownerId }, { from: 'DRAFT', to: 'INDEXING' }), 'CONFLICT');
      expect(await store.datasets.listDeleting()).toContain(ds.id);
      await store.datasets.delete(ds.id);
      expect(await store.datasets.listDeleting()).not.toContain(ds.id);
    });

    it('refuses to mark a dataset while an operation runs on it', async () => {
      const t = await newTask();
      expect(await store.datasets.markDeleting(t.ds.id)).toBe(false);
      expect(await store.datasets.get(t.ds.id)).not.toBeNull();
    });
  });

  describe('uploads: add_media leases', () => {
    it('lists and drops only open transactions whose lease ran out, with their uploads, once', async () => {
      const ds = await newDataset();
      const plain = await store.uploads.openTransaction(ds.id);
      const alive = await store.uploads.openTransaction(ds.id, 60_000);
      const dead = await store.uploads.openTransaction(ds.id, -1_000);
      const submitted = await store.uploads.openTransaction(ds.id, -1_000);
      await store.uploads.submitTransaction(ds.id, submitted);
      const renewed = await store.uploads.openTransaction(ds.id, -1_000);
      await store.uploads.renewLease(ds.id, renewed, 60_000);
      for (const trans of [plain, alive, dead]) expect(await store.uploads.add({ datasetId: ds.id, transId: trans, fileName: 'a.jpg', blobKey: `k${trans}`, sizeBytes: 1, sha256: 'h' })).toBe('added');

      const expired = (await store.uploads.expiredLeases()).filter((e) => e.datasetId === ds.id);
      expect(expired).toEqual([{ datasetId: ds.id, transId: dead }]);
      const drops = await Promise.all([store, other].map((s) => s.uploads.dropExpired(ds.id, dead)));
      expect(drops.filter(Boolean)).toHaveLength(1);
      expect(await store.uploads.getTransaction(ds.id, dead)).toBeNull();
      expect(await store.uploads.page(ds.id, dead, 0, 10)).toEqual([]);
      expect(await store.uploads.dropExpired(ds.id, alive)).toBe(false);
      expect(await store.uploads.page(ds.id, plain, 0, 10)).toHaveLength(1);
      expect(await store.uploads.page(ds.id, alive, 0, 10)).toHaveLength(1);
    });
  });

  describe('exports', () => {
    it('records an export and its task from start to completion, finds it expired by its time, and deletes it but not its task', async () => {
      const ds = await newDataset();
      const selection = { mediaIds: ['a', 'b'], clusters: [{ granularity: 2, clusterId: 7, filters: [], excludedIds: ['c'] }] };
      const created = await store.exports.create({ datasetId: ds.id, createdBy: ds.ownerId, format: 'parquet', includeImages: true, fileName: 'x.zip', selection });
      expect(await other.exports.get(created.id)).toEqual(created);
      expect(created).toMatchObject({ status: 'INIT', progress: 0, selection, includeImages: true, expiresAt: null });
      expect(await store.tasks.get(created.id)).toMatchObject({ datasetId: ds.id, operation: 'EXPORT', status: 'INITIALIZING', createdBy: ds.ownerId, createdAt: created.createdAt, startedAt: null });
      // An export leaves its dataset's state and last task alone.
      expect(await store.datasets.get(ds.id)).toMatchObject({ status: ds.status, lastTaskId: ds.lastTaskId });
      expect(await store.exports.unfinished()).toContain(created.id);
      expect((await store.tasks.listRunning()).map((t) => t.id)).not.toContain(created.id);
      await store.exports.setProgress(created.id, 40);
      expect(await store.exports.get(created.id)).toMatchObject({ status: 'IN_PROGRESS', progress: 40 });
      expect(await store.tasks.get(created.id)).toMatchObject({ status: 'RUNNING', progress: 40, startedAt: expect.any(String) });
      const expiresAt = Date.now() + 86_400_000;
      await store.exports.complete(created.id, { blobKey: 'k.zip', sizeBytes: 5_000_000_000, message: 'done', expiresAt });
      // A late progress report never reopens a finished export.
      await store.exports.setProgress(created.id, 60);
      expect(await store.exports.get(created.id)).toMatchObject({ status: 'COMPLETED', progress: 100, blobKey: 'k.zip', sizeBytes: 5_000_000_000, expiresAt });
      expect(await store.exports.unfinished()).not.toContain(created.id);
      expect((await store.exports.expired(expiresAt - 1, 100)).map((e) => e.id)).not.toContain(created.id);
      expect((await store.exports.expired(expiresAt, 100)).map((e) => e.id)).toContain(created.id);
      await store.exports.delete(created.id);
      expect(await store.exports.get(created.id)).toBeNull();
      expect(await store.tasks.get(created.id)).toMatchObject({ status: 'COMPLETED', progress: 100, endedAt: expect.any(String) });
    });

    it('ends an aborted export ABORTED as a task and FAILED as an export, and never ends one twice', async () => {
      const ds = await newDataset();
      const created = await store.exports.create({ datasetId: ds.id, createdBy: ds.ownerId, format: 'csv', includeImages: false, fileName: 'x.zip', selection: null });
      expect(await store.tasks.requestAbort(created.id, ds.ownerId)).toBe(true);
      await store.exports.end(created.id, 'ABORTED', 'Aborted by someone');
      // An export only reads its dataset: neither its abort nor its end is a change of the dataset.
      expect((await store.datasets.get(ds.id))!.revision).toBe(ds.revision);
      await store.exports.end(created.id, 'FAILED', 'too late');
      await store.exports.complete(created.id, { blobKey: 'k.zip', sizeBytes: 1, message: 'done', expiresAt: Date.now() });
      expect(await store.exports.get(created.id)).toMatchObject({ status: 'FAILED', resultMessage: 'Aborted by someone', blobKey: null, expiresAt: null });
      expect(await store.tasks.get(created.id)).toMatchObject({ status: 'ABORTED', errorMessage: 'Aborted by someone', abortRequestedBy: ds.ownerId });
      expect(await store.exports.unfinished()).not.toContain(created.id);
    });

    it('goes with its dataset', async () => {
      const ds = await newDataset();
      const created = await store.exports.create({ datasetId: ds.id, createdBy: ds.ownerId, format: 'json', includeImages: false, fileName: 'x.zip', selection: null });
      await store.exports.end(created.id, 'FAILED', 'nope');
      expect(await store.exports.get(created.id)).toMatchObject({ status: 'FAILED', resultMessage: 'nope', selection: null });
      await store.datasets.delete(ds.id);
      expect(await store.exports.get(created.id)).toBeNull();
      expect(await store.tasks.get(created.id)).toBeNull();
    });
  });

  describe('tasks', () => {
    it('starts a task and moves the dataset with it, or refuses when the dataset moved on', async () => {
      const ds = await newDataset();
      await store.datasets.update(ds.id, { uploadOpen: true, fatalErrorMsg: 'old' });
      const input = { datasetId: ds.id, operation: 'CREATE' as const, stage: 'discover', createdBy: ds.ownerId, params: { a: 1 } };
      const results = await Promise.allSettled([store, other, store, other, store].map((s) => s.tasks.start(input, { from: 'DRAFT', to: 'INDEXING' })));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
      const task = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<Store['tasks']['start']>>>).value;
      expect(task).toMatchObject({ datasetId: ds.id, status: 'INITIALIZING', stage: 'discover', total: null, done: 0, failed: 0, progress: 0, params: { a: 1 } });
      expect(await store.tasks.get(task.id)).toEqual(task);
      expect(await store.datasets.get(ds.id)).toMatchObject({ status: 'INDEXING', lastTaskId: task.id, uploadOpen: false, fatalErrorMsg: null, revision: 3 });
      expect((await store.tasks.listRunning()).filter((t) => t.datasetId === ds.id)).toHaveLength(1);
    });

    it('updates a task, never moving progress backwards, and bumps the dataset', async () => {
      const { ds, task } = await newTask();
      const rev = (await store.datasets.get(ds.id))!.revision;
      await store.tasks.update(task.id, { status: 'RUNNING', total: 10, progress: 50, startedAt: '2025-01-01T00:00:00.000000' });
      await store.tasks.update(task.id, { progress: 30, stage: 'knn' });
      expect(await store.tasks.get(task.id)).toMatchObject({ status: 'RUNNING', total: 10, progress: 50, stage: 'knn', startedAt: '2025-01-01T00:00:00.000000' });
      await store.tasks.update(task.id, { progress: 70, errorMessage: 'warn', endedAt: null });
      expect(await store.tasks.get(task.id)).toMatchObject({ progress: 70, errorMessage: 'warn' });
      expect((await store.datasets.get(ds.id))!.revision).toBe(rev + 3);
    });

    it('advances a stage exactly once under concurrency', async () => {
      const { task } = await newTask();
      const moved = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).tasks.advanceStage(task.id, 'analyze', 'knn')));
      expect(moved.filter(Boolean)).toHaveLength(1);
      expect((await store.tasks.get(task.id))!.stage).toBe('knn');
      expect(await store.tasks.advanceStage(task.id, 'analyze', 'knn')).toBe(false);
    });

    it('finishes the task and settles the dataset together', async () => {
      const { ds, task } = await newTask();
      await store.tasks.finish(task.id, { taskStatus: 'FAILED', errorMessage: 'no media', datasetStatus: 'ERROR', fatalErrorMsg: 'no media' });
      const t = await store.tasks.get(task.id);
      expect(t).toMatchObject({ status: 'FAILED', errorMessage: 'no media', progress: 100 });
      expect(t!.endedAt).not.toBeNull();
      expect(await store.datasets.get(ds.id)).toMatchObject({ status: 'ERROR', fatalErrorMsg: 'no media' });
      expect((await store.tasks.listRunning()).some((r) => r.id === task.id)).toBe(false);
    });

    it('refuses a start the state machine does not allow, creating nothing', async () => {
      const ds = await newDataset();
      await rejectsWith(store.tasks.start({ datasetId: ds.id, operation: 'REINDEX', stage: 'similarity', createdBy: ds.ownerId }, { from: 'DRAFT', to: 'READY' }), 'CONFLICT');
      expect(await store.datasets.get(ds.id)).toMatchObject({ status: 'DRAFT', lastTaskId: null });
      expect((await store.tasks.listRunning()).some((t) => t.datasetId === ds.id)).toBe(false);
    });

    it('refuses a finish the state machine does not allow, changing nothing', async () => {
      const { ds, task } = await newTask();
      await rejectsWith(store.tasks.finish(task.id, { taskStatus: 'COMPLETED', errorMessage: null, datasetStatus: 'PARTIAL INDEX', fatalErrorMsg: null }), 'CONFLICT');
      expect(await store.tasks.get(task.id)).toMatchObject({ status: 'INITIALIZING', endedAt: null });
      expect(await store.datasets.get(ds.id)).toMatchObject({ status: 'INDEXING' });
    });

    it('records a total known at the start', async () => {
      const ds = await newDataset();
      const task = await store.tasks.start({ datasetId: ds.id, operation: 'CREATE', stage: 'discover', createdBy: ds.ownerId, total: 0 }, { from: 'DRAFT', to: 'INDEXING' });
      expect((await store.tasks.get(task.id))!.total).toBe(0);
    });
  });

  describe('tasks: abort, restart and listing', () => {
    it('records an abort once, only on a running task; an item finished after it is not counted', async () => {
      const t = await newTask();
      await store.items.insertMany([item(t, 'a'), item(t, 'b')]);
      await store.tasks.update(t.task.id, { total: 2 });
      const [a, b] = await itemIds(t.ds.id);
      await store.items.completeImage(a!, 'analyze', facts());
      const user = await newUser();
      const revision = (await store.datasets.get(t.ds.id))!.revision;
      expect(await store.tasks.requestAbort(t.task.id, user.id)).toBe(true);
      expect((await store.datasets.get(t.ds.id))!.revision).toBe(revision + 1);
      const first = (await store.tasks.get(t.task.id))!;
      expect(first).toMatchObject({ status: 'INITIALIZING', abortRequestedBy: user.id, abortRequestedAt: expect.any(String) });
      expect(await other.tasks.requestAbort(t.task.id, (await newUser()).id)).toBe(true);
      expect(await store.tasks.get(t.task.id)).toMatchObject({ abortRequestedAt: first.abortRequestedAt, abortRequestedBy: user.id });
      expect((await store.datasets.get(t.ds.id))!.revision).toBe(revision + 1);
      expect(await other.items.completeImage(b!, 'analyze', facts(2))).toEqual({ applied: false, taskItemsFinished: false });
      expect(await store.items.fail(b!, 'analyze', 'late')).toEqual({ applied: false, taskItemsFinished: false });
      expect(await store.items.get(b!)).toMatchObject({ state: 'pending' });
      expect(await store.tasks.get(t.task.id)).toMatchObject({ done: 1, failed: 0 });
      const ended = await Promise.all([store, other].map((s) => s.tasks.finish(t.task.id, { taskStatus: 'ABORTED', errorMessage: 'Aborted', datasetStatus: 'ERROR', fatalErrorMsg: 'aborted' })));
      expect(ended.filter(Boolean)).toHaveLength(1);
      expect(await store.tasks.finish(t.task.id, { taskStatus: 'COMPLETED', errorMessage: null, datasetStatus: 'READY', fatalErrorMsg: null })).toBe(false);
      expect(await store.datasets.get(t.ds.id)).toMatchObject({ status: 'ERROR', fatalErrorMsg: 'aborted', nImages: 1 });
      expect(await store.tasks.requestAbort(t.task.id, user.id)).toBe(false);
    });

    it('restarts an ended task: keeps what was done, retries item failures, drops listing refusals', async () => {
      const t = await newTask();
      await store.items.insertMany([item(t, 'a'), item(t, 'b'), item(t, 'c', { failure: { stage: 'discover', reason: 'symlink out of the import roots' } })]);
      await store.tasks.update(t.task.id, { total: 3 });
      const ids = await itemIds(t.ds.id);
      const byKey = new Map(await Promise.all(ids.map(async (id) => [(await store.items.get(id))!.sourceKey, id] as const)));
      await store.items.completeImage(byKey.get('a')!, 'analyze', facts());
      await store.items.fail(byKey.get('b')!, 'analyze', 'truncated');
      await store.tasks.finish(t.task.id, { taskStatus: 'FAILED', errorMessage: 'x', datasetStatus: 'ERROR', fatalErrorMsg: 'x' });
      const attempts = await Promise.allSettled([store, other].map((s) => s.tasks.restart(t.task.id, { stage: 'discover', retriedStages: ['analyze'] }, { from: 'ERROR', to: 'INDEXING' })));
      const won = attempts.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of attempts) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
      expect(await store.tasks.get(t.task.id)).toMatchObject({ status: 'INITIALIZING', stage: 'discover', total: null, done: 1, failed: 0, errorMessage: null, endedAt: null, abortRequestedAt: null });
      expect(await store.items.get(byKey.get('a')!)).toMatchObject({ state: 'done' });
      expect(await store.items.get(byKey.get('b')!)).toMatchObject({ state: 'pending', stage: 'analyze', failStage: null, failReason: null });
      expect(await store.items.get(byKey.get('c')!)).toBeNull();
      expect(await store.datasets.get(t.ds.id)).toMatchObject({ status: 'INDEXING', fatalErrorMsg: null, nImages: 1 });
      // Listed again, the refused file comes back refused; the retried one can finish.
      await store.items.insertMany([item(t, 'a'), item(t, 'b'), item(t, 'c', { failure: { stage: 'discover', reason: 'symlink out of the import roots' } })]);
      await store.tasks.update(t.task.id, { total: await store.items.countListed(t.task.id) });
      expect(await store.items.completeImage(byKey.get('b')!, 'analyze', facts(2))).toEqual({ applied: true, taskItemsFinished: true });
      expect(await store.tasks.get(t.task.id)).toMatchObject({ total: 3, done: 2, failed: 1 });
    });

    it('lists the tasks a viewer may see, filtered, sorted and paged', async () => {
      const alice = await newUser();
      const bob = await newUser();
      const admin = await newUser('admin');
      const started: string[] = [];
      for (const name of ['t-c', 't-a', 't-b']) {
        const ds = await newDataset(alice.id, name);
        started.push((await store.tasks.start({ datasetId: ds.id, operation: 'CREATE', stage: 'discover', createdBy: alice.id }, { from: 'DRAFT', to: 'INDEXING' })).id);
      }
      const shared = (await store.tasks.get(started[2]!))!;
      await store.datasets.share(shared.datasetId, bob.id);
      await store.tasks.finish(shared.id, { taskStatus: 'COMPLETED', errorMessage: null, datasetStatus: 'READY', fatalErrorMsg: null });
      const added = await store.tasks.start({ datasetId: shared.datasetId, operation: 'ADD_MEDIA', stage: 'discover', createdBy: bob.id }, { from: 'READY', to: 'READ ONLY' });
      const base = { sortBy: 'start_time' as const, sortOrder: 'desc' as const, offset: 0, limit: 50 };

      const asAlice = await store.tasks.list(alice, base);
      expect(asAlice.total).toBe(4);
      expect(asAlice.tasks.map((x) => x.task.id)).toEqual([added.id, ...[...started].reverse()]);
      expect(asAlice.tasks[0]).toMatchObject({ datasetName: 't-b', datasetStatus: 'READ ONLY', createdByEmail: (await store.users.findById(bob.id))!.email });
      expect((await store.tasks.list(bob, base)).tasks.map((x) => x.task.id)).toEqual([added.id, shared.id]);
      expect((await store.tasks.list(admin, { ...base, datasetId: shared.datasetId })).total).toBe(2);
      expect((await store.tasks.list(alice, { ...base, operation: 'ADD_MEDIA' })).tasks.map((x) => x.task.id)).toEqual([added.id]);
      expect((await store.tasks.list(alice, { ...base, status: 'COMPLETED' })).tasks.map((x) => x.task.id)).toEqual([shared.id]);
      expect((await store.tasks.list(alice, { ...base, datasetName: 't-a' })).tasks.map((x) => x.task.id)).toEqual([started[1]]);
      const first = (await store.tasks.get(started[0]!))!;
      expect((await store.tasks.list(alice, { ...base, createdTo: first.createdAt })).tasks.map((x) => x.task.id)).toEqual([started[0]]);
      expect((await store.tasks.list(alice, { ...base, createdFrom: added.createdAt })).tasks.map((x) => x.task.id)).toEqual([added.id]);
      // DATASET_CREATION sorts before MEDIA_ADDITION, whatever the operations are called inside.
      expect((await store.tasks.list(alice, { ...base, sortBy: 'task_type', sortOrder: 'asc' })).tasks.at(-1)!.task.id).toBe(added.id);
      expect((await store.tasks.list(alice, { ...base, sortBy: 'dataset_name', sortOrder: 'asc' })).tasks.map((x) => x.datasetName)).toEqual(['t-a', 't-b', 't-b', 't-c']);
      const pages = [0, 2].map((offset) => store.tasks.list(alice, { ...base, offset, limit: 2 }));
      expect((await Promise.all(pages)).flatMap((p) => p.tasks.map((x) => x.task.id))).toEqual(asAlice.tasks.map((x) => x.task.id));
      const values = await store.tasks.filterValues(bob);
      expect(values.datasets).toEqual([{ id: shared.datasetId, name: 't-b' }]);
      expect(values.creators.sort()).toEqual([alice.email, bob.email].sort());
    });
  });

  it('keeps upload transactions and pages their uploads in order', async () => {
    const ds = await newDataset();
    const trans = await store.uploads.openTransaction(ds.id);
    expect(await store.uploads.getTransaction(ds.id, trans)).toEqual({ id: trans, state: 'open' });
    expect(await store.uploads.getTransaction(randomUUID(), trans)).toBeNull();
    for (let i = 0; i < 5; i++) expect(await store.uploads.add({ datasetId: ds.id, transId: trans, fileName: `f${i}.jpg`, blobKey: `b${i}`, sizeBytes: 5_000_000_000 + i, sha256: `h${i}` })).toBe('added');
    const first = await store.uploads.page(ds.id, trans, 0, 2);
    expect(first.map((u) => u.fileName)).toEqual(['f0.jpg', 'f1.jpg']);
    expect(first[0]).toMatchObject({ blobKey: 'b0', sizeBytes: 5_000_000_000, sha256: 'h0' });
    // The same name and bytes again (a request sent again) is one file; another name or other bytes is another.
    const again = await Promise.all([store, other].map((s) => s.uploads.add({ datasetId: ds.id, transId: trans, fileName: 'f0.jpg', blobKey: 'again', sizeBytes: 5_000_000_000, sha256: 'h0' })));
    expect(again).toEqual(['duplicate', 'duplicate']);
    expect(await store.uploads.add({ datasetId: ds.id, transId: trans, fileName: 'f0.jpg', blobKey: 'other', sizeBytes: 1, sha256: 'h9' })).toBe('added');
    const rest = await store.uploads.page(ds.id, trans, first[1]!.id, 10);
    expect(rest.map((u) => u.fileName)).toEqual(['f2.jpg', 'f3.jpg', 'f4.jpg', 'f0.jpg']);
    await store.uploads.submitTransaction(ds.id, trans);
    expect(await store.uploads.getTransaction(ds.id, trans)).toEqual({ id: trans, state: 'submitted' });
    // A file that arrives after the submit is not recorded: its processing may have started.
    expect(await store.uploads.add({ datasetId: ds.id, transId: trans, fileName: 'late.jpg', blobKey: 'late', sizeBytes: 1, sha256: 'h' })).toBe('closed');
    expect(await store.uploads.add({ datasetId: ds.id, transId: trans + 1000, fileName: 'nowhere.jpg', blobKey: 'n', sizeBytes: 1, sha256: 'h' })).toBe('closed');
    expect((await store.uploads.page(ds.id, trans, 0, 10)).map((u) => u.sha256)).toEqual(['h0', 'h1', 'h2', 'h3', 'h4', 'h9']);
    expect(await store.uploads.openTransaction(ds.id)).not.toBe(trans);
  });

  describe('items', () => {
    it('inserts idempotently on (task, sourceKey), counting pre-failed items once', async () => {
      const t = await newTask();
      const batch = [item(t, 'a'), item(t, 'b'), item(t, 'link', { failure: { stage: 'discover', reason: 'outside the roots' } })];
      await store.items.insertMany(batch);
      await store.items.insertMany([...batch, item(t, 'c')]);
      await Promise.all([store.items.insertMany(batch), other.items.insertMany(batch)]);
      expect((await store.tasks.get(t.task.id))!.failed).toBe(1);
      const items = await store.items.page(t.ds.id, '', 10);
      expect(items.map((i) => i.sourceKey).sort()).toEqual(['a', 'b', 'c', 'link']);
      expect(items.find((i) => i.sourceKey === 'link')).toMatchObject({ state: 'failed', stage: 'discover', failStage: 'discover', failReason: 'outside the roots' });
      expect(items.find((i) => i.sourceKey === 'a')).toMatchObject({ state: 'pending', stage: 'analyze', kind: 'image', sizeBytes: 100, parentId: null });
      expect(await store.items.countFailures(t.ds.id)).toBe(1);
      expect(await store.items.countListed(t.task.id)).toBe(4);
    });

    it('keeps each pending item\'s annotations, over several batches, and leaves items that moved on alone', async () => {
      const t = await newTask();
      await store.items.insertMany(Array.from({ length: 2500 }, (_, i) => item(t, `a${i}`)));
      const listed = await store.items.listedNames(t.task.id);
      await store.items.completeImage(listed[7]!.id, 'analyze', facts());
      const annotationsOf = (i: number) => ({ labels: [`l${i}`], caption: i % 2 ? `it's "${i}" — ünïcode` : null, boxes: [] });
      await store.items.setAnnotations(new Map(listed.map((it, i) => [it.id, annotationsOf(i)])));
      const byId = new Map((await store.items.page(t.ds.id, '', 10_000)).map((it) => [it.id, it.annotations]));
      listed.forEach((it, i) => expect(byId.get(it.id), it.fileName).toEqual(i === 7 ? null : annotationsOf(i)));
    });

    it('inserts batches past the bound-parameter limit and pages them in a stable order', async () => {
      const t = await newTask();
      await store.items.insertMany(Array.from({ length: 3000 }, (_, i) => item(t, `k${i}`)));
      const seen: string[] = [];
      for (let after = ''; ; ) {
        const page = await store.items.page(t.ds.id, after, 700);
        if (page.length === 0) break;
        seen.push(...page.map((i) => i.id));
        after = page.at(-1)!.id;
      }
      expect(seen).toHaveLength(3000);
      expect(new Set(seen).size).toBe(3000);
      expect(seen).toEqual([...seen].sort());

      const pending = await store.items.pendingIds(t.task.id, 'analyze', seen[9]!, 5);
      expect(pending).toEqual(seen.slice(10, 15));
      expect(await store.items.pendingIds(t.task.id, 'knn', '', 5)).toEqual([]);
    });

    it('counts a completed image exactly once, even when completed ten times at once', async () => {
      const t = await newTask();
      await store.items.insertMany([item(t, 'a'), item(t, 'b')]);
      await store.tasks.update(t.task.id, { total: 2 });
      const [a, b] = await itemIds(t.ds.id);
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).items.completeImage(a!, 'analyze', facts())));
      expect(outcomes.filter((o) => o.applied)).toHaveLength(1);
      expect(outcomes.some((o) => o.taskItemsFinished)).toBe(false);
      expect((await store.tasks.get(t.task.id))!.done).toBe(1);
      expect((await store.datasets.get(t.ds.id))!.nImages).toBe(1);
      expect(await store.items.get(a!)).toMatchObject({
        state: 'done', format: 'jpeg', width: 640, height: 480, exif: { Make: 'Test' }, byteHash: 'hash-1', thumbKey: 'thumbs/1.webp', sizeBytes: 6_000_000_000,
        quality: facts().quality,
      });
      expect(await store.items.completeImage(a!, 'analyze', facts())).toEqual({ applied: false, taskItemsFinished: false });
      // A job for an earlier stage than the item is at changes nothing either.
      expect((await store.items.completeImage(b!, 'discover', facts())).applied).toBe(false);
      expect(await store.items.completeImage(b!, 'analyze', facts(2))).toEqual({ applied: true, taskItemsFinished: true });
      expect((await store.tasks.get(t.task.id))!.lastProgressAt).toEqual(expect.any(Number));
    });

    it('counts a failure once, and never both a failure and a completion', async () => {
      const t = await newTask();
      await store.items.insertMany([item(t, 'a'), item(t, 'b')]);
      const [a, b] = await itemIds(t.ds.id);
      expect((await store.items.fail(a!, 'analyze', 'truncated')).applied).toBe(true);
      expect((await store.items.fail(a!, 'analyze', 'truncated')).applied).toBe(false);
      const mixed = await Promise.all([store.items.fail(b!, 'analyze', 'bad'), other.items.completeImage(b!, 'analyze', facts()), store.items.fail(b!, 'analyze', 'bad')]);
      expect(mixed.filter((o) => o.applied)).toHaveLength(1);
      const task = (await store.tasks.get(t.task.id))!;
      expect(task.done + task.failed).toBe(2);
      expect(await store.items.get(a!)).toMatchObject({ state: 'failed', failStage: 'analyze', failReason: 'truncated' });
    });

    it('completes a video with its frames atomically', async () => {
      const t = await newTask();
      await store.items.insertMany([item(t, 'v', { kind: 'video' }), item(t, 'w', { kind: 'video' })]);
      const [v, w] = (await store.items.page(t.ds.id, '', 10)).sort((x, y) => x.sourceKey.localeCompare(y.sourceKey)).map((i) => i.id);
      const frame = (i: number, id = randomUUID()): NewFrame => ({ ...facts(i), id, frameIndex: i, frameTimestamp: i * 0.5, location: `blob:f${i}` });

      // A frame that cannot be stored undoes the whole completion.
      const dup = randomUUID();
      await expect(store.items.completeVideo(w!, 'analyze', { codec: 'h264' }, [frame(0, dup), frame(1, dup)])).rejects.toThrow();
      expect((await store.items.get(w!))!.state).toBe('pending');
      expect((await store.tasks.get(t.task.id))!.done).toBe(0);
      expect((await store.items.page(t.ds.id, '', 10)).filter((i) => i.kind === 'video_frame')).toHaveLength(0);

      const frames = [0, 1, 2].map((i) => frame(i));
      const outcomes = await Promise.all([store, other, store].map((s) => s.items.completeVideo(v!, 'analyze', { codec: 'h264', duration: 1.5 }, frames)));
      expect(outcomes.filter((o) => o.applied)).toHaveLength(1);
      expect(await store.items.get(v!)).toMatchObject({ state: 'done', video: { codec: 'h264', duration: 1.5 } });
      const stored = (await store.items.page(t.ds.id, '', 10)).filter((i) => i.kind === 'video_frame').sort((x, y) => x.frameIndex! - y.frameIndex!);
      expect(stored.map((f) => [f.id, f.parentId, f.frameIndex, f.frameTimestamp, f.state, f.location])).toEqual(
        frames.map((f) => [f.id, v, f.frameIndex, f.frameTimestamp, 'done', f.location]),
      );
      expect(await store.datasets.get(t.ds.id)).toMatchObject({ nVideos: 1, nFrames: 3, nImages: 0 });
      expect((await store.tasks.get(t.task.id))!.done).toBe(1);
      // Frames are results of a unit, not units of the task.
      expect(await store.items.countListed(t.task.id)).toBe(2);
    });

    it('pages failures in order and counts them', async () => {
      const t = await newTask();
      await store.items.insertMany(['a', 'b', 'c', 'd'].map((k) => item(t, k)));
      const ids = await itemIds(t.ds.id);
      for (const id of ids.slice(0, 3)) await store.items.fail(id, 'analyze', `reason ${id}`);
      expect(await store.items.countFailures(t.ds.id)).toBe(3);
      const all = await store.items.failures(t.ds.id, 0, 10);
      expect(all).toHaveLength(3);
      expect(all[0]).toMatchObject({ stage: 'analyze', reason: expect.stringMatching(/^reason /), fileName: expect.stringMatching(/\.jpg$/), originalUri: expect.stringMatching(/^s3:/) });
      expect([...(await store.items.failures(t.ds.id, 0, 2)), ...(await store.items.failures(t.ds.id, 2, 2))]).toEqual(all);
    });
  });

  it('finds embeddings by task, seq and byte hash, and folds new members into duplicate groups', async () => {
    const t1 = await newTask();
    const model = 'test-model@1';
    await store.items.insertMany([item(t1, 'a'), item(t1, 'b')]);
    const [a, b] = (await itemIds(t1.ds.id)) as [string, string];
    await store.items.completeImage(a, 'analyze', facts(1));
    await store.items.completeImage(b, 'analyze', facts(2));
    await store.tasks.finish(t1.task.id, { taskStatus: 'COMPLETED', errorMessage: null, datasetStatus: 'READY', fatalErrorMsg: null });
    const added = await store.tasks.start({ datasetId: t1.ds.id, operation: 'ADD_MEDIA', stage: 'discover', createdBy: t1.ds.ownerId }, { from: 'READY', to: 'READ ONLY' });
    await store.items.insertMany([item({ ds: t1.ds, task: added }, 'c')]);
    const c = (await itemIds(t1.ds.id)).find((id) => id !== a && id !== b)!;
    await store.items.completeImage(c, 'analyze', facts(1)); // a's bytes again

    expect((await store.similarity.embeddingPage(t1.ds.id, model, 0, 10, 'IMAGES', added.id)).items.map((i) => i.itemId)).toEqual([c]);
    const all = await store.similarity.embeddingPage(t1.ds.id, model, 0, 10, 'IMAGES');
    expect(all.items).toHaveLength(3);
    const some = await store.similarity.embeddingsOfSeqs(t1.ds.id, model, [all.items[0]!.seq, all.items[2]!.seq]);
    expect(some.items.map((i) => i.itemId).sort()).toEqual([all.items[0]!.itemId, all.items[2]!.itemId].sort());
    expect(some.vectors).toHaveLength(2 * some.dimension);
    expect(some.copyDescriptors).toHaveLength(2);
    expect(await store.similarity.itemsWithByteHashes(t1.ds.id, ['hash-1', 'nope'])).toEqual([a, c].sort().map((itemId) => ({ itemId, byteHash: 'hash-1' })));

    expect(await store.similarity.nextDuplicateGroupId(t1.ds.id)).toBe(0);
    const first = await store.similarity.startResults(t1.ds.id);
    await store.similarity.insertDuplicateMembers(t1.ds.id, first, [
      { level: 1, groupId: 5, itemId: a },
      { level: 1, groupId: 5, itemId: b },
      { level: 0.96, groupId: 2, itemId: a },
      { level: 0.96, groupId: 3, itemId: b },
    ]);
    // Written, not yet published: readers see the results before.
    expect(await other.similarity.nextDuplicateGroupId(t1.ds.id)).toBe(0);
    expect(await other.media.duplicateIds(t1.ds.id, a, 1)).toEqual([]);
    await store.similarity.publishResults(t1.ds.id, first);
    expect(await store.similarity.nextDuplicateGroupId(t1.ds.id)).toBe(6);
    await other.similarity.mergeDuplicateGroups(t1.ds.id, {
      relabels: [{ level: 0.96, from: 3, to: 2 }],
      members: [
        { level: 1, groupId: 5, itemId: c },
        { level: 0.96, groupId: 2, itemId: c },
      ],
    });
    expect(await store.media.duplicateIds(t1.ds.id, c, 1)).toEqual([a, b].sort());
    expect(await store.media.duplicateIds(t1.ds.id, c, 0.96)).toEqual([a, b].sort());
    // A member already recorded at a level moves to the group it is given.
    await store.similarity.mergeDuplicateGroups(t1.ds.id, { relabels: [], members: [{ level: 1, groupId: 9, itemId: c }] });
    expect(await store.media.duplicateIds(t1.ds.id, c, 1)).toEqual([]);
    // New results replace these only once published, whole.
    const second = await other.similarity.startResults(t1.ds.id);
    expect(second).toBe(first + 1);
    await other.similarity.insertDuplicateMembers(t1.ds.id, second, [{ level: 0.96, groupId: 0, itemId: a }]);
    await other.similarity.insertDuplicateMembers(t1.ds.id, second, [{ level: 0.96, groupId: 0, itemId: b }]);
    expect(await store.media.duplicateIds(t1.ds.id, c, 0.96)).toEqual([a, b].sort());
    expect(await store.media.groupsOfItems(t1.ds.id, [a])).toEqual(new Map([[a, [{ level: 0.96, groupId: 2 }, { level: 1, groupId: 5 }]]]));
    // A write that never finished is dropped by the next one, unseen.
    const third = await store.similarity.startResults(t1.ds.id);
    expect(third).toBe(second);
    await store.similarity.insertDuplicateMembers(t1.ds.id, third, [{ level: 1, groupId: 0, itemId: c }]);
    await store.similarity.publishResults(t1.ds.id, third);
    expect(await other.media.duplicateIds(t1.ds.id, c, 0.96)).toEqual([]);
    expect(await other.media.groupsOfItems(t1.ds.id, [a, c])).toEqual(new Map([[c, [{ level: 1, groupId: 0 }]]]));
    expect(await other.similarity.nextDuplicateGroupId(t1.ds.id)).toBe(1);
  });

  it('pages a ranked listing as a join of items and scores would, ties by id, through failures, added media, objects, frames and deletion', async () => {
    const t = await newTask();
    const noIssues = { duplicates: null, outliers: null, blur: null, dark: null, bright: null, mislabels: null, low_information: null, odd_aspect_ratio: null, odd_size: null, grayscale: null };
    const box = { x: 0, y: 0, width: 10, height: 10 };
    const objects = [0, 1].map((i) => ({ label: 'cat', confidence: 0.9, box, embedding: facts(i).embedding }));
    await store.items.insertMany([
      ...Array.from({ length: 20 }, (_, i) => item(t, `i${i}`)),
      item(t, 'v', { kind: 'video' }),
      item(t, 'refused', { failure: { stage: 'discover', reason: 'symlink' } }),
    ]);
    const byKey = new Map((await store.items.page(t.ds.id, '', 1000)).map((i) => [i.sourceKey, i.id]));
    for (let i = 0; i < 14; i++) await store.items.completeImage(byKey.get(`i${i}`)!, 'analyze', facts(i), i < 2 ? { labels: [], caption: null, objects, problems: [] } : undefined);
    for (let i = 14; i < 17; i++) await store.items.fail(byKey.get(`i${i}`)!, 'analyze', 'truncated');
    const frames = [0, 1, 2].map((i) => ({ ...facts(i), id: randomUUID(), frameIndex: i, frameTimestamp: i, location: `blob:f${i}` }));
    await store.items.completeVideo(byKey.get('v')!, 'analyze', { codec: 'h264' }, frames);

    // Scores for every item whatever its state or kind (the similarity stage scores only indexed
    // images, frames and objects); few distinct values, so pages are mostly ties, blur often absent.
    let round = 0;
    let scored: Array<{ itemId: string; uniqueness: number; blur: number | null }> = [];
    async function scoreAll(): Promise<void> {
      round++;
      const all = await store.items.page(t.ds.id, '', 1000);
      scored = all.map((it, i) => ({ itemId: it.id, uniqueness: ((i + round) % 4) / 4, blur: (i + round) % 3 === 0 ? null : ((i * round) % 5) / 5 }));
      const generation = await store.similarity.startResults(t.ds.id);
      await store.similarity.insertScores(
        t.ds.id,
        generation,
        scored.map((s) => ({ itemId: s.itemId, uniqueness: s.uniqueness, maxSimilarity: 0, nnCosine: 0, outlierScore: 0, issues: { ...noIssues, blur: s.blur }, dupGroup: null, clusters: [0, 0, 0, 0, 0] as const })),
      );
      await store.similarity.publishResults(t.ds.id, generation);
    }
    /** Every page of the listing against the reference: items indexed, images or frames, with a score at or above `min`, by score then id. */
    async function expectReference(): Promise<void> {
      const items = new Map((await store.items.page(t.ds.id, '', 1000)).map((i) => [i.id, i]));
      for (const [by, min] of [['uniqueness', 0], ['uniqueness', 0.5], ['blur', 0.4]] as const) {
        const score = (s: (typeof scored)[number]) => (by === 'blur' ? s.blur : s.uniqueness);
        const expected = scored
          .filter((s) => items.get(s.itemId)?.state === 'done' && ['image', 'video_frame'].includes(items.get(s.itemId)!.kind) && score(s) !== null && score(s)! >= min)
          .sort((x, y) => score(y)! - score(x)! || (x.itemId < y.itemId ? -1 : 1))
          .map((s) => s.itemId);
        const seen: string[] = [];
        for (let offset = 0; offset < expected.length + 4; offset += 4) {
          const page = await store.media.page(t.ds.id, offset, 4, { kind: 'ranked', by, min });
          expect(page.total).toBe(expected.length);
          seen.push(...page.media.map((m) => m.item.id));
        }
        expect(seen).toEqual(expected);
      }
    }

    await scoreAll();
    await expectReference();

    // Media added later: indexed or failed, listed only once the dataset is scored again.
    await store.tasks.finish(t.task.id, { taskStatus: 'COMPLETED', errorMessage: null, datasetStatus: 'READY', fatalErrorMsg: null });
    const added = { ds: t.ds, task: await store.tasks.start({ datasetId: t.ds.id, operation: 'ADD_MEDIA', stage: 'analyze', createdBy: t.ds.ownerId }, { from: 'READY', to: 'READ ONLY' }) };
    await store.items.insertMany(Array.from({ length: 6 }, (_, i) => item(added, `a${i}`)));
    const addedIds = (await store.items.page(t.ds.id, '', 1000)).filter((i) => i.taskId === added.task.id).map((i) => i.id);
    for (const id of addedIds.slice(0, 4)) await store.items.completeImage(id, 'analyze', facts(7));
    await store.items.fail(addedIds[4]!, 'analyze', 'truncated');
    await expectReference();
    await store.similarity.publishResults(t.ds.id, await store.similarity.startResults(t.ds.id));
    scored = [];
    await expectReference();
    await scoreAll();
    await expectReference();

    // Deleted with the dataset.
    await store.tasks.finish(added.task.id, { taskStatus: 'COMPLETED', errorMessage: null, datasetStatus: 'READY', fatalErrorMsg: null });
    await store.datasets.delete(t.ds.id);
    await expectReference();
  });

  it("records each entity's saved vector index with its file's size and SHA-256 (none before they were kept)", async () => {
    const { ds } = await newTask();
    const base = { datasetId: ds.id, blobKey: `datasets/${ds.id}/vectors.usearch`, model: 'test-model@1', dimension: 8, size: 3, builtAt: '2001-01-01T00:00:00.000000' };
    const big = { ...base, size: 4, builtAt: '2001-01-02T00:00:00.000000', file: { bytes: 3 * 2 ** 31, sha256: 'ab'.repeat(32) } };
    expect(await store.similarity.vectorIndex(ds.id, 'IMAGES')).toBeNull();
    await store.similarity.setVectorIndex({ ...base, file: null }, 'IMAGES');
    expect(await other.similarity.vectorIndex(ds.id, 'IMAGES')).toEqual({ ...base, file: null });
    await store.similarity.setVectorIndex(big, 'IMAGES');
    await store.similarity.setVectorIndex({ ...big, blobKey: `datasets/${ds.id}/objects.usearch` }, 'OBJECTS');
    expect(await other.similarity.vectorIndex(ds.id, 'IMAGES')).toEqual(big);
    expect(await other.similarity.vectorIndex(ds.id, 'OBJECTS')).toEqual({ ...big, blobKey: `datasets/${ds.id}/objects.usearch` });
  });

  it("keeps each user's newest anchors only, and drops expired ones", async () => {
    const ds = await newDataset();
    const [alice, bob] = [(await newUser('viewer')).id, (await newUser('viewer')).id];
    const anchor = (createdBy: string, n: number, createdAt: string) => ({
      id: `${createdBy}-${n}`,
      datasetId: ds.id,
      model: 'm',
      vector: new Float32Array([n, 1]),
      fileName: 'q.jpg',
      createdBy,
      createdAt,
    });
    const limits = { keepPerUser: 3, expireBefore: '2000-01-01T00:00:00.000000' };
    await store.similarity.createAnchor(anchor(bob, 0, '2001-01-01T00:00:00.000000'), limits);
    for (let n = 0; n < 5; n++) await store.similarity.createAnchor(anchor(alice, n, `2001-01-01T00:00:0${n}.000000`), limits);
    const kept = async (who: string, n: number) => (await store.similarity.getAnchor(`${who}-${n}`)) !== null;
    expect(await Promise.all([0, 1, 2, 3, 4].map((n) => kept(alice, n)))).toEqual([false, false, true, true, true]);
    expect(await store.similarity.getAnchor(`${alice}-4`)).toMatchObject({ createdBy: alice, datasetId: ds.id, vector: new Float32Array([4, 1]) });
    expect(await kept(bob, 0)).toBe(true);
    // A day later: bob's anchor (and alice's older ones) have expired.
    await store.similarity.createAnchor(anchor(alice, 5, '2001-01-02T00:00:03.500000'), { keepPerUser: 3, expireBefore: '2001-01-01T00:00:03.000000' });
    expect(await kept(bob, 0)).toBe(false);
    expect(await Promise.all([2, 3, 4, 5].map((n) => kept(alice, n)))).toEqual([false, true, true, true]);
  });

  describe('jobs', () => {
    const job = (name: string, extra: { singletonKey?: string; serialKey?: string; retryLimit?: number; payload?: unknown } = {}) => ({
      name,
      payload: extra.payload ?? { at: name },
      singletonKey: extra.singletonKey ?? null,
      serialKey: extra.serialKey ?? null,
      retryLimit: extra.retryLimit ?? 2,
    });

    it('claims up to the limit, in order, and completes', async () => {
      const name = unique('limit');
      expect(await store.jobs.insertMany([1, 2, 3, 4, 5].map((i) => job(name, { payload: { i } })))).toBe(5);
      const open = await store.jobs.countOpen();
      const first = await store.jobs.claim(name, 2);
      expect(first.map((j) => j.payload)).toEqual([{ i: 1 }, { i: 2 }]);
      expect(first[0]).toMatchObject({ name, retryCount: 0, retryLimit: 2 });
      expect((await store.jobs.claim(name, 10)).map((j) => j.payload)).toEqual([{ i: 3 }, { i: 4 }, { i: 5 }]);
      expect(await store.jobs.claim(name, 10)).toEqual([]);
      expect(await store.jobs.claim(name, 0)).toEqual([]);
      await store.jobs.complete(first[0]!.id);
      expect(await store.jobs.countOpen()).toBe(open - 1);
    });

    it('keeps one open job per singleton key, across stores and concurrent sends', async () => {
      const name = unique('single');
      const key = unique('key');
      expect(await store.jobs.insertMany([job(name, { singletonKey: key }), job(name, { singletonKey: key }), job(name)])).toBe(2);
      const sends = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).jobs.insertMany([job(name, { singletonKey: key })])));
      expect(sends.reduce((a, b) => a + b, 0)).toBe(0);

      const other2 = unique('key');
      const raced = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).jobs.insertMany([job(name, { singletonKey: other2 })])));
      expect(raced.reduce((a, b) => a + b, 0)).toBe(1);

      // Active and waiting-to-retry still count as open; once done, or failed for good, the key is free again.
      const claimed = await store.jobs.claim(name, 10);
      expect(claimed).toHaveLength(3);
      expect(await store.jobs.insertMany([job(name, { singletonKey: key })])).toBe(0);
      for (const j of claimed) await store.jobs.complete(j.id);
      expect(await store.jobs.insertMany([job(name, { singletonKey: key, retryLimit: 1 })])).toBe(1);
      const [again] = await store.jobs.claim(name, 10);
      expect(await store.jobs.retryOrFail(again!.id, 'x', 0)).toBe('retry');
      expect(await store.jobs.insertMany([job(name, { singletonKey: key })])).toBe(0);
      const [last] = await store.jobs.claim(name, 10);
      expect(await store.jobs.retryOrFail(last!.id, 'x', 0)).toBe('failed');
      expect(await store.jobs.insertMany([job(name, { singletonKey: key })])).toBe(1);
    });

    it('never hands the same job to two claimers', async () => {
      const name = unique('race');
      await store.jobs.insertMany(Array.from({ length: 300 }, (_, i) => job(name, { payload: { i } })));
      const claimed: number[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          const s = w % 2 ? other : store;
          for (;;) {
            const got = await s.jobs.claim(name, 7);
            if (got.length === 0) return;
            claimed.push(...got.map((j) => j.id));
          }
        }),
      );
      expect(claimed).toHaveLength(300);
      expect(new Set(claimed).size).toBe(300);
    });

    it('runs jobs sharing a serial key one at a time, oldest first, across names and stores', async () => {
      const [a, b] = [unique('serial-a'), unique('serial-b')];
      const key = unique('ds');
      await store.jobs.insertMany([job(a, { serialKey: key, payload: 1 }), job(b, { serialKey: key, payload: 2 }), job(a, { serialKey: key, payload: 3 }), job(a), job(a)]);
      const first = await store.jobs.claim(a, 10);
      expect(first.map((j) => j.payload)).toEqual([1, { at: a }, { at: a }]);
      expect(await store.jobs.claim(a, 10)).toEqual([]);
      expect(await store.jobs.claim(b, 10)).toEqual([]);
      await store.jobs.complete(first[0]!.id);

      // Job 2 (another name) is next in line for the key: job 3 waits for it.
      const racers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).jobs.claim(i < 5 ? a : b, 5)));
      expect(racers.flat().map((j) => j.payload)).toEqual([2]);
      await store.jobs.complete(racers.flat()[0]!.id);
      const last = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).jobs.claim(a, 5)));
      expect(last.flat().map((j) => j.payload)).toEqual([3]);
    });

    it('keeps the serial-key rule under concurrent claimers, retries included', async () => {
      // The race is timing-dependent: a few rounds make a broken claim show up far more often.
      for (let round = 0; round < 3; round++) {
        const name = unique('serial-stress');
        const keys = Array.from({ length: 4 }, () => unique('k'));
        await store.jobs.insertMany(keys.flatMap((k) => Array.from({ length: 6 }, (_, i) => job(name, { serialKey: k, payload: { k, i }, retryLimit: 1 }))));
        const held = new Set<string>();
        let finished = 0;
        const deadline = Date.now() + 20_000;
        await Promise.all(
          Array.from({ length: 8 }, async (_, w) => {
            const s = w % 2 ? other : store;
            while (finished < 24 && Date.now() < deadline) {
              const got = await s.jobs.claim(name, 3);
              // SQLite answers in microtasks only: yield so that the holders' setImmediate runs.
              if (got.length === 0) await new Promise((r) => setImmediate(r));
              for (const j of got) {
                const { k } = j.payload as { k: string };
                expect(held.has(k), `two jobs of ${k} at once`).toBe(false);
                held.add(k);
              }
              await Promise.all(
                got.map(async (j) => {
                  await new Promise((r) => setImmediate(r));
                  held.delete((j.payload as { k: string }).k);
                  // Every first attempt fails once and comes straight back.
                  if (j.retryCount === 0) await s.jobs.retryOrFail(j.id, 'again', 0);
                  else {
                    await s.jobs.complete(j.id);
                    finished++;
                  }
                }),
              );
            }
          }),
        );
        expect(finished).toBe(24);
      }
    });

    it('retries with a delay, then fails for good', async () => {
      const name = unique('retry');
      await store.jobs.insertMany([job(name, { retryLimit: 1 })]);
      const open = await store.jobs.countOpen();
      const [j] = await store.jobs.claim(name, 1);
      expect(await store.jobs.retryOrFail(j!.id, 'first', 60_000)).toBe('retry');
      expect(await store.jobs.claim(name, 1)).toEqual([]);
      expect(await store.jobs.countOpen()).toBe(open);
      expect(await store.jobs.requeueActive()).toBeGreaterThanOrEqual(0); // a waiting retry is not active: still delayed
      expect(await store.jobs.claim(name, 1)).toEqual([]);

      const name2 = unique('retry');
      await store.jobs.insertMany([job(name2, { retryLimit: 1 })]);
      const [k] = await store.jobs.claim(name2, 1);
      expect(await store.jobs.retryOrFail(k!.id, 'first', 0)).toBe('retry');
      const [k2] = await store.jobs.claim(name2, 1);
      expect(k2).toMatchObject({ id: k!.id, retryCount: 1, retryLimit: 1 });
      const before = await store.jobs.countOpen();
      expect(await store.jobs.retryOrFail(k2!.id, 'second', 0)).toBe('failed');
      expect(await store.jobs.claim(name2, 1)).toEqual([]);
      expect(await store.jobs.countOpen()).toBe(before - 1);
    });

    it('puts jobs left active back in the queue', async () => {
      const name = unique('requeue');
      await store.jobs.insertMany([job(name), job(name), job(name)]);
      const claimed = await store.jobs.claim(name, 2);
      expect(await store.jobs.requeueActive()).toBeGreaterThanOrEqual(2);
      const again = await store.jobs.claim(name, 10);
      expect(again).toHaveLength(3);
      expect(again.map((j) => j.id)).toEqual(expect.arrayContaining(claimed.map((j) => j.id)));
    });
  });

  it('tells change listeners only after the change is committed', async () => {
    const t = await newTask();
    await store.items.insertMany([item(t, 'a')]);
    const [a] = await itemIds(t.ds.id);
    const seen: Array<Promise<[string, number]>> = [];
    // Read through the other store: a connection that only sees committed data.
    const stop = store.onDatasetChange((id) => seen.push(other.datasets.get(id).then((d) => [id, d?.revision ?? -1])));
    // Each write is followed by the listener's read before the next write starts.
    const step = async (write: () => Promise<unknown>) => {
      const before = seen.length;
      await write();
      expect(seen.length).toBe(before + 1);
      const [id, revision] = await seen.at(-1)!;
      expect(id).toBe(t.ds.id);
      expect(revision).toBe((await store.datasets.get(t.ds.id))!.revision);
    };

    await step(() => store.datasets.update(t.ds.id, { uploadOpen: true }));
    await step(() => store.items.insertMany([item(t, 'refused', { failure: { stage: 'discover', reason: 'symlink' } })]));
    await step(() => store.tasks.update(t.task.id, { total: 2 }));
    await step(() => store.tasks.advanceStage(t.task.id, 'analyze', 'analyze2'));
    await step(() => store.items.completeImage(a!, 'analyze', facts()).then(() => undefined));
    await step(() => store.tasks.finish(t.task.id, { taskStatus: 'COMPLETED', errorMessage: null, datasetStatus: 'READY', fatalErrorMsg: null }));
    stop();
    await store.datasets.update(t.ds.id, { uploadOpen: false });
    expect(seen).toHaveLength(6);
  });
});
