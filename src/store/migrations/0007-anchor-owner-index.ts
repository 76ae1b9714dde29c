import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * Upload anchors belong to the user who made them, who keeps only the newest few, and expire:
 * each new anchor prunes its creator's oldest and every expired one, by these two indexes.
 */
export async function up(db: Kysely<any>, _d: DialectHelpers): Promise<void> {
  await db.schema.createIndex('anchors_creator').on('anchors').columns(['created_by', 'created_at']).execute();
  await db.schema.createIndex('anchors_created').on('anchors').column('created_at').execute();
}
