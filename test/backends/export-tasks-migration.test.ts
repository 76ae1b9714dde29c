import { Migrator, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports/store.ts';
import { migrationProvider } from '../../src/store/migrate.ts';
import { migrationBackends } from '../helpers/migration-backends.ts';

/**
 * Migration 0030 on exports made before it: each gets a task row of type EXPORT with its id,
 * its status named as tasks name it, and reads back through the store as it did before.
 */
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const backends = migrationBackends(cleanups);

const BEFORE = '0029-label-and-caption-per-source';
const old = { INIT: 'e-init', IN_PROGRESS: 'e-running', COMPLETED: 'e-done', FAILED: 'e-failed' } as const;

async function seedOldExports(db: Kysely<any>): Promise<void> {
  await db.insertInto('users').values({ id: 'u1', email: 'a@example.com', password_hash: 'x', role: 'admin', created_at: '2026-01-01T00:00:00.000000' }).execute();
  await db
    .insertInto('datasets')
    .values({ id: 'd1', display_name: 'photos', description: '', source_type: 'BUCKET', owner_id: 'u1', created_at: '2026-01-01T00:00:00.000000', status: 'READY' })
    .execute();
  for (const [status, id] of Object.entries(old)) {
    await db
      .insertInto('exports')
      .values({
        id, dataset_id: 'd1', created_by: 'u1', status, progress: status === 'COMPLETED' ? 100 : 40, format: 'json', include_images: 0, file_name: 'photos.zip',
        selection: null, blob_key: status === 'COMPLETED' ? 'k.zip' : null, size_bytes: status === 'COMPLETED' ? 123 : null,
        result_message: status === 'COMPLETED' ? 'Exported 3 media items' : status === 'FAILED' ? 'Export failed: disk full' : null,
        created_at: `2026-01-02T00:00:0${Object.keys(old).indexOf(status)}.000000`, ended_at: status === 'COMPLETED' || status === 'FAILED' ? '2026-01-02T00:01:00.000000' : null,
        expires_at: status === 'COMPLETED' ? 4_102_444_800_000 : null,
      })
      .execute();
  }
}

describe.each(backends)('migration 0030 on existing exports ($name)', (backend) => {
  it('gives each export its task, and reads it back as before', async () => {
    const { db, dialect, reopen } = await backend.open();
    const migrated = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateTo(BEFORE);
    expect(migrated.error).toBeUndefined();
    await seedOldExports(db);
    await db.destroy();

    const store: Store = await reopen();
    try {
      expect(await store.exports.get(old.INIT)).toMatchObject({ status: 'INIT', progress: 40, resultMessage: null, createdAt: '2026-01-02T00:00:00.000000', endedAt: null });
      expect(await store.exports.get(old.IN_PROGRESS)).toMatchObject({ status: 'IN_PROGRESS', progress: 40, resultMessage: null });
      expect(await store.exports.get(old.COMPLETED)).toMatchObject({ status: 'COMPLETED', progress: 100, blobKey: 'k.zip', sizeBytes: 123, resultMessage: 'Exported 3 media items', endedAt: '2026-01-02T00:01:00.000000' });
      expect(await store.exports.get(old.FAILED)).toMatchObject({ status: 'FAILED', resultMessage: 'Export failed: disk full' });
      expect(await store.tasks.get(old.INIT)).toMatchObject({ datasetId: 'd1', operation: 'EXPORT', status: 'INITIALIZING', createdBy: 'u1', errorMessage: null });
      expect(await store.tasks.get(old.IN_PROGRESS)).toMatchObject({ status: 'RUNNING' });
      expect(await store.tasks.get(old.COMPLETED)).toMatchObject({ status: 'COMPLETED', errorMessage: null });
      expect(await store.tasks.get(old.FAILED)).toMatchObject({ status: 'FAILED', errorMessage: 'Export failed: disk full', endedAt: '2026-01-02T00:01:00.000000' });
      expect(await store.exports.unfinished()).toEqual([old.INIT, old.IN_PROGRESS]);
      expect(await store.datasets.get('d1')).toMatchObject({ status: 'READY', lastTaskId: null });
      const listed = await store.tasks.list({ id: 'u1', role: 'admin' }, { operation: 'EXPORT', sortBy: 'start_time', sortOrder: 'asc', offset: 0, limit: 10 });
      expect(listed.tasks.map((x) => x.task.id)).toEqual(Object.values(old));
    } finally {
      await store.close();
    }
  }, 120_000);
});
