import { Migrator, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../src/store/migrate.ts';
import { migrationBackends, seedDataset } from '../helpers/migration-backends.ts';

/**
 * Migration 0032 on a video indexed before it, when frames counted from 1: its frames count
 * from 0 as new ones do (frame 0 at 0 s), and are listed in that order.
 */
const { backends, cleanup } = migrationBackends();
afterAll(cleanup);

const BEFORE = '0031-ranked-scores-by-entity';
const created = '2026-01-03T00:00:00.000000';

async function seedOldVideo(db: Kysely<any>): Promise<void> {
  await seedDataset(db);
  const item = (id: string, kind: string, fields: Record<string, unknown>) => ({
    id, dataset_id: 'd1', task_id: 't1', kind, source_key: id, original_uri: `file:///data/${id}`, location: `blob:${id}`,
    state: 'done', stage: 'summarize', created_at: created, file_name: 'clip.mp4', ...fields,
  });
  await db
    .insertInto('items')
    .values([
      item('video', 'video', {}),
      // Frame ids out of frame order, as random ids are.
      ...[3, 1, 2].map((n) => item(`frame-${4 - n}`, 'video_frame', { parent_id: 'video', source_key: `video#${n}`, frame_index: n, frame_timestamp: n - 1 })),
      item('photo', 'image', { file_name: 'a.jpg' }),
    ])
    .execute();
}

describe.each(backends)('migration 0032 on frames indexed before it ($name)', (backend) => {
  it('numbers them from 0, as their timestamps, and lists them in that order', async () => {
    const { db, dialect, reopen } = await backend.open();
    const migrated = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateTo(BEFORE);
    expect(migrated.error).toBeUndefined();
    await seedOldVideo(db);
    await db.destroy();

    const store = await reopen();
    try {
      const { media } = await store.media.page('d1', 0, 10);
      expect(media.map((m) => [m.item.id, m.item.frameIndex, m.item.frameTimestamp])).toEqual([
        ['photo', null, null],
        ['frame-3', 0, 0],
        ['frame-2', 1, 1],
        ['frame-1', 2, 2],
      ]);
    } finally {
      await store.close();
    }
  }, 120_000);
});
