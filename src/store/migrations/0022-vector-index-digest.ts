import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * The saved index file's byte count and SHA-256, checked before the file is loaded: a damaged
 * file would crash the native loader. Null for indexes saved before, which load unchecked.
 */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  for (const table of ['vector_indexes', 'object_vector_indexes']) {
    await db.schema.alterTable(table).addColumn('file_bytes', 'bigint').execute();
    await db.schema.alterTable(table).addColumn('file_sha256', d.text).execute();
  }
}
