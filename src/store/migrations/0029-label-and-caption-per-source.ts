import { sql, type Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * An image may hold the same label, and a caption, both from its annotation files and from
 * enrichment's models (an enrichment copy carries its source's imported ones): the source joins
 * the primary keys. Neither dialect can change a primary key in place, so each table is rebuilt.
 */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable('image_labels_by_source')
    .addColumn('item_id', d.text, (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('label', d.text, (c) => c.notNull())
    .addColumn('confidence', 'double precision', (c) => c.notNull())
    .addColumn('source', d.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('image_labels_source_pk', ['item_id', 'label', 'source'])
    .execute();
  await sql`insert into image_labels_by_source (item_id, dataset_id, label, confidence, source)
            select item_id, dataset_id, label, confidence, source from image_labels`.execute(db);
  await db.schema.dropTable('image_labels').execute();
  await db.schema.alterTable('image_labels_by_source').renameTo('image_labels').execute();
  await db.schema.createIndex('image_labels_dataset_label').on('image_labels').columns(['dataset_id', 'label']).execute();

  await db.schema
    .createTable('captions_by_source')
    .addColumn('item_id', d.text, (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('caption', 'text', (c) => c.notNull())
    .addColumn('source', d.text, (c) => c.notNull())
    .addColumn('model', d.text)
    .addPrimaryKeyConstraint('captions_source_pk', ['item_id', 'source'])
    .execute();
  await sql`insert into captions_by_source (item_id, dataset_id, caption, source, model)
            select item_id, dataset_id, caption, source, model from captions`.execute(db);
  await db.schema.dropTable('captions').execute();
  await db.schema.alterTable('captions_by_source').renameTo('captions').execute();
  await db.schema.createIndex('captions_dataset').on('captions').column('dataset_id').execute();
}
