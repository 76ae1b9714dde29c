import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteHelpers } from '../dialect.ts';
import { migrateToLatest } from '../migrate.ts';
import type { DB } from '../schema.ts';
import { itemsRepo } from './items.repo.ts';
import { mediaRepo } from './media.repo.ts';

// The web UI reads these on datasets of a million items, on the connection that also serves
// every other request: each must read the rows of the page it answers through an index, never
// walk every item of the dataset.
describe('paged reads on SQLite', () => {
  const sqlite = new Database(':memory:');
  const statements: Array<{ sql: string; parameters: readonly unknown[] }> = [];
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }), log: (e) => void statements.push(e.query) });

  beforeAll(async () => {
    await migrateToLatest(db, sqliteHelpers);
  });
  afterAll(async () => {
    await db.destroy();
  });

  /** The query plan of every statement `read` runs, one string each. */
  async function plans(read: () => Promise<unknown>): Promise<string[]> {
    statements.length = 0;
    await read();
    return statements.map((s) =>
      (sqlite.prepare(`explain query plan ${s.sql}`).all(...s.parameters) as Array<{ detail: string }>).map((r) => r.detail).join('\n'),
    );
  }

  it("reads a page of clusters' previews and sizes off the scores' cluster index, each item by its key", async () => {
    const media = mediaRepo(db);
    const steps = [...(await plans(() => media.clusterPreviews('ds', 2, [1, 2, 3], [], 4))), ...(await plans(() => media.clusterBytes('ds', 2, [1, 2, 3], [])))];
    expect(steps).toHaveLength(2);
    for (const plan of steps) {
      // The generation read (migration 0033) is a scalar subquery, run once.
      expect(plan).toMatch(
        /SEARCH s USING INDEX item_scores_cluster_2 \(dataset_id=\? AND generation=\? AND cluster_2=\?\)\nSCALAR SUBQUERY \d+\nSEARCH datasets USING INDEX sqlite_autoindex_datasets_1 \(id=\?\)\nSEARCH i USING INDEX sqlite_autoindex_items_1 \(id=\?\)/,
      );
      expect(plan).not.toMatch(/SCAN [is]\b|SEARCH i USING (COVERING )?INDEX items_/);
    }
  });

  it("reads a page of clusters' labels off the same index, each member's labels by its key", async () => {
    const media = mediaRepo(db);
    for (const entity of ['IMAGES', 'OBJECTS'] as const) {
      const [plan] = await plans(() => media.clusterLabels('ds', 2, [1, 2, 3], [], 10, entity));
      expect(plan).toMatch(
        /SEARCH s USING INDEX item_scores_cluster_2 \(dataset_id=\? AND generation=\? AND cluster_2=\?\)\nSCALAR SUBQUERY \d+\nSEARCH datasets USING INDEX sqlite_autoindex_datasets_1 \(id=\?\)\nSEARCH i USING INDEX sqlite_autoindex_items_1 \(id=\?\)\nSEARCH l USING (COVERING )?INDEX sqlite_autoindex_(objects_1 \(id|image_labels_1 \(item_id)=\?\)/,
      );
      expect(plan).not.toMatch(/SCAN [isl]\b/);
    }
  });

  it('counts and pages a ranked listing off its score index alone, forwards or from its far end, no item row read', async () => {
    const media = mediaRepo(db);
    // Four scored images, so that both ends are read (their plans need no item rows behind them).
    sqlite.pragma('foreign_keys = OFF');
    await sql`insert into datasets (id, display_name, description, source_type, owner_id, created_at, status) values ('ranked', 'r', '', 'LOCAL', 'u', '', 'READY')`.execute(db);
    for (let i = 0; i < 4; i++) {
      await sql`insert into item_scores (item_id, dataset_id, generation, uniqueness, max_similarity, nn_cosine, outlier_score, issue_blur, issue_mislabels, cluster_0, cluster_1, cluster_2, cluster_3, cluster_4)
                values (${`ranked-${i}`}, 'ranked', 0, 0.5, 0, 0, 0, 0.5, 0.5, 0, 0, 0, 0, 0)`.execute(db);
    }
    sqlite.pragma('foreign_keys = ON');
    for (const [by, column] of [['uniqueness', 'uniqueness'], ['blur', 'issue_blur'], ['mislabels', 'issue_mislabels']] as const) {
      for (const offset of [0, 3]) {
        // The count, the page's ids, then the page's records by id.
        const [count, ids] = await plans(() => media.page('ranked', offset, 1, { kind: 'ranked', by, min: 0.5 }));
        // The generation read (migration 0033) is a scalar subquery, run once.
        const generation = 'SCALAR SUBQUERY 1\nSEARCH datasets USING INDEX sqlite_autoindex_datasets_1 (id=?)';
        for (const plan of [count, ids]) expect(plan).toBe(`SEARCH s USING COVERING INDEX item_scores_ranked_${column} (dataset_id=? AND entity_type=? AND generation=? AND ${column}>?)\n${generation}`);
      }
    }
  });

  it('pages the media listing in its order off items_listing alone, no sort', async () => {
    const media = mediaRepo(db);
    // The page's ids, the count, then the page's records by id.
    const [ids, count] = await plans(() => media.page('ds', 40, 20));
    expect(ids).toBe('SEARCH i USING COVERING INDEX items_listing (dataset_id=?)');
    expect(count).toMatch(/^SEARCH i USING COVERING INDEX items_\w+ \(dataset_id=\?/);
  });

  it("counts and pages a dataset's failures through the failed items alone", async () => {
    const items = itemsRepo(db, sqliteHelpers, () => {});
    const steps = [...(await plans(() => items.failures('ds', 0, 50))), ...(await plans(() => items.countFailures('ds')))];
    expect(steps).toHaveLength(2);
    for (const plan of steps) expect(plan).toMatch(/^SEARCH items USING (COVERING )?INDEX items_failed \(dataset_id=\?\)$/);
  });
});
