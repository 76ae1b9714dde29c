import { Migrator, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports/store.ts';
import { migrationProvider } from '../../src/store/migrate.ts';
import { migrationBackends, seedDataset } from '../helpers/migration-backends.ts';

/**
 * Migration 0033 on similarity results written before it: they become the generation the
 * dataset's readers see, read back as before, and the next write replaces them.
 */
const { backends, cleanup } = migrationBackends();
afterAll(cleanup);

const BEFORE = '0032-frame-order';
const ids = ['i0', 'i1', 'i2'];

async function seedOldResults(db: Kysely<any>): Promise<void> {
  await seedDataset(db);
  for (const [n, id] of ids.entries()) {
    await db
      .insertInto('items')
      .values({ id, dataset_id: 'd1', task_id: 't1', kind: 'image', source_key: id, file_name: `${id}.jpg`, original_uri: `s3://b/${id}.jpg`, location: id, state: 'done', stage: 'done', created_at: `2026-01-01T00:00:0${n}.000000` })
      .execute();
    await db
      .insertInto('item_scores')
      .values({ item_id: id, dataset_id: 'd1', entity_type: 'IMAGES', uniqueness: n / 4, max_similarity: 0.99, nn_cosine: 0.9, outlier_score: 0, issue_blur: n === 2 ? 0.8 : null, dup_group: n < 2 ? 0 : null, cluster_0: n, cluster_1: 0, cluster_2: 0, cluster_3: 0, cluster_4: 0 })
      .execute();
  }
  await db.insertInto('duplicate_members').values(['i0', 'i1'].map((item_id) => ({ dataset_id: 'd1', level: 0.96, group_id: 0, item_id }))).execute();
  await db
    .insertInto('clusters')
    .values(ids.map((_, n) => ({ dataset_id: 'd1', granularity: 0, cluster_id: n, rank: n, size: 1, n_images: 1, n_frames: 0, n_videos: 0 })))
    .execute();
}

describe.each(backends)('migration 0033 on existing results ($name)', (backend) => {
  it('keeps them visible as they were, until the next write replaces them', async () => {
    const { db, dialect, reopen } = await backend.open();
    const migrated = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateTo(BEFORE);
    expect(migrated.error).toBeUndefined();
    await seedOldResults(db);
    await db.destroy();

    const store: Store = await reopen();
    try {
      expect(await store.media.duplicateIds('d1', 'i0', 0.96)).toEqual(['i1']);
      expect(await store.media.groupsOfItems('d1', ['i1'])).toEqual(new Map([['i1', [{ level: 0.96, groupId: 0 }]]]));
      expect((await store.media.clusters('d1', 0, [], 0, 10)).clusters.map((c) => c.clusterId)).toEqual([0, 1, 2]);
      const ranked = await store.media.page('d1', 0, 10, { kind: 'ranked', by: 'blur', min: 0.5 });
      expect(ranked.media.map((m) => m.item.id)).toEqual(['i2']);
      expect((await store.media.get('d1', 'i1'))!.scores).toMatchObject({ uniqueness: 0.25, dupGroup: 0, clusters: [1, 0, 0, 0, 0] });

      const generation = await store.similarity.startResults('d1');
      expect(generation).toBe(1);
      await store.similarity.insertClusters('d1', generation, [{ granularity: 0, clusterId: 7, rank: 0, size: 3, nImages: 3, nFrames: 0, nVideos: 0 }], 'IMAGES');
      expect((await store.media.clusters('d1', 0, [], 0, 10)).total).toBe(3);
      await store.similarity.publishResults('d1', generation);
      expect((await store.media.clusters('d1', 0, [], 0, 10)).clusters.map((c) => c.clusterId)).toEqual([7]);
      expect((await store.media.get('d1', 'i1'))!.scores).toBeNull();
      expect(await store.media.duplicateIds('d1', 'i0', 0.96)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 120_000);
});
