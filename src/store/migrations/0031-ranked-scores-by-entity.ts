import { sql, type Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';
import { rankedColumns } from './0027-ranked-listing-order.ts';

/**
 * Each score row says which entity type its item is (images and video frames, or objects),
 * and score rows are kept for indexed (`done`) items only, so that the ranked listing (the
 * Issues tab) is counted and paged from the score indexes alone: joined to the items for their
 * state and kind, a million-item dataset took seconds for the count and the first page and
 * tens of seconds for the last (bench/README.md). The ranked indexes lead with the entity type.
 * SQLite adds a NOT NULL column only with a default; every write sets it.
 */
export async function up(db: Kysely<any>, _d: DialectHelpers): Promise<void> {
  await db.schema.alterTable('item_scores').addColumn('entity_type', 'text', (c) => c.notNull().defaultTo('IMAGES')).execute();
  await sql`update item_scores set entity_type = 'OBJECTS' where item_id in (select id from items where kind = 'object')`.execute(db);
  await sql`delete from item_scores where item_id in (select id from items where state <> 'done')`.execute(db);
  for (const column of rankedColumns) {
    await db.schema.dropIndex(`item_scores_ranked_${column}`).execute();
    await db.schema.createIndex(`item_scores_ranked_${column}`).on('item_scores').columns(['dataset_id', 'entity_type', `${column} desc`, 'item_id']).execute();
  }
}
