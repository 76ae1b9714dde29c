import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * A delete first marks the dataset (from then on it is gone for every reader), removes its
 * blobs, then its rows; a process killed in between leaves the mark, and the next start
 * finishes the delete. Deleting the rows first left blobs nothing pointed at any more.
 */
export async function up(db: Kysely<any>, _d: DialectHelpers): Promise<void> {
  await db.schema.alterTable('datasets').addColumn('deleting', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
