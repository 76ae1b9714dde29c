import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * An upload's SHA-256, and one row per (transaction, name, bytes): a client that sends again
 * a request a crash cut off (some of its files already recorded) gets each file once, and
 * can ask which files a transaction holds before resuming. Rows from before have no digest.
 */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  await db.schema.alterTable('uploads').addColumn('sha256', d.text).execute();
  await db.schema.createIndex('uploads_same_file').on('uploads').columns(['dataset_id', 'trans_id', 'file_name', 'sha256']).unique().execute();
}
