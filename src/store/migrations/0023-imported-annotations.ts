import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * Annotations imported with a dataset's files (SPEC §4). What the annotation files say of an
 * image is kept on its item (JSON) from listing until the image is decoded, when its boxes can
 * be checked against its size and cropped; its caption then goes to `captions` (0026) beside
 * the generated ones.
 */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  await db.schema.alterTable('items').addColumn('annotations', d.text).execute();
}
