import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * Where each label and object came from: enrichment's models, or the annotation files a dataset
 * was made with (exports say which). Rows made before this migration came from enrichment.
 */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  await db.schema.alterTable('image_labels').addColumn('source', d.text, (c) => c.notNull().defaultTo('IMAGE_TAGGING')).execute();
  await db.schema.alterTable('objects').addColumn('source', d.text, (c) => c.notNull().defaultTo('OBJECT_DETECTION')).execute();
}
