import { sql, type Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * A dataset's failures in listing order, the failed items alone: the dataset page counts and
 * pages them on every visit, and without this index both walked every item of the dataset
 * (a second or more at a million items, holding SQLite's connection meanwhile).
 */
export async function up(db: Kysely<any>, _d: DialectHelpers): Promise<void> {
  await db.schema
    .createIndex('items_failed')
    .on('items')
    .columns(['dataset_id', 'created_at', 'id'])
    .where(sql<boolean>`fail_reason is not null`)
    .execute();
}
