import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
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
      expect(plan).toMatch(/SEARCH s USING INDEX item_scores_cluster_2 \(dataset_id=\? AND cluster_2=\?\)\nSEARCH i USING INDEX sqlite_autoindex_items_1 \(id=\?\)/);
      expect(plan).not.toMatch(/SCAN [is]\b|SEARCH i USING (COVERING )?INDEX items_/);
    }
  });

  it('counts and pages a ranked listing off its score index alone, no item row read', async () => {
    const media = mediaRepo(db);
    for (const [by, column] of [['uniqueness', 'uniqueness'], ['blur', 'issue_blur']] as const) {
      const steps = await plans(() => media.page('ds', 1000, 200, { kind: 'ranked', by, min: 0.5 }));
      // The page's ids and their count (the empty store has no page's records to read).
      expect(steps).toHaveLength(2);
      for (const plan of steps) {
        expect(plan).toBe(`SEARCH s USING COVERING INDEX item_scores_ranked_${column} (dataset_id=? AND entity_type=? AND ${column}>?)`);
      }
    }
  });

  it("counts and pages a dataset's failures through the failed items alone", async () => {
    const items = itemsRepo(db, sqliteHelpers, () => {});
    const steps = [...(await plans(() => items.failures('ds', 0, 50))), ...(await plans(() => items.countFailures('ds')))];
    expect(steps).toHaveLength(2);
    for (const plan of steps) expect(plan).toMatch(/^SEARCH items USING (COVERING )?INDEX items_failed \(dataset_id=\?\)$/);
  });
});
