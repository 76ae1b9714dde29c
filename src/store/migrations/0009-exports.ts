import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * Export tasks (SPEC §9). Kept apart from `tasks`, whose rows move the dataset through its
 * states: an export only reads, runs beside any operation, and ends with a file that expires.
 * Exports walk a dataset's items in id order, a page at a time: (dataset_id, id) lets each page
 * start where the last one ended instead of sorting what remains of the dataset again.
 */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable('exports')
    .addColumn('id', d.text, (c) => c.primaryKey())
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('created_by', d.text, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('status', d.text, (c) => c.notNull())
    .addColumn('progress', 'integer', (c) => c.notNull())
    .addColumn('format', d.text, (c) => c.notNull())
    .addColumn('include_images', 'integer', (c) => c.notNull())
    .addColumn('file_name', d.text, (c) => c.notNull())
    .addColumn('selection', d.text)
    .addColumn('blob_key', d.text)
    .addColumn('size_bytes', 'bigint')
    .addColumn('result_message', d.text)
    .addColumn('created_at', d.text, (c) => c.notNull())
    .addColumn('ended_at', d.text)
    .addColumn('expires_at', 'bigint')
    .execute();
  await db.schema.createIndex('exports_dataset').on('exports').columns(['dataset_id', 'created_at']).execute();
  await db.schema.createIndex('exports_expiry').on('exports').column('expires_at').execute();
  await db.schema.createIndex('items_dataset_id').on('items').columns(['dataset_id', 'id']).execute();
}
