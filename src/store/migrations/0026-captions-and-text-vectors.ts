import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * An image's caption, imported with the dataset (source ANNOTATIONS, no model) or written by
 * CAPTION_IMAGES in an enrichment copy (SPEC §8, its model recorded): one table, so every reader
 * sees both alike. And what MULTIMODEL_IMAGE_ENCODING adds to an enrichment copy: a
 * text-aligned vector per image, frame and object (from a CLIP image tower, so a text tower's
 * vector can be compared with it). Text-aligned vectors are indexed apart from the visual ones,
 * for images and for objects, each index keyed like the visual one by the item's `embeddings.seq`.
 */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable('captions')
    .addColumn('item_id', d.text, (c) => c.primaryKey().references('items.id').onDelete('cascade'))
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('caption', 'text', (c) => c.notNull())
    .addColumn('source', d.text, (c) => c.notNull())
    .addColumn('model', d.text)
    .execute();
  await db.schema.createIndex('captions_dataset').on('captions').column('dataset_id').execute();
  await db.schema
    .createTable('text_embeddings')
    .addColumn('item_id', d.text, (c) => c.primaryKey().references('items.id').onDelete('cascade'))
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('model', d.text, (c) => c.notNull())
    .addColumn('vector', d.blob, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('text_embeddings_dataset').on('text_embeddings').columns(['dataset_id', 'model']).execute();
  for (const table of ['text_vector_indexes', 'text_object_vector_indexes']) {
    await db.schema
      .createTable(table)
      .addColumn('dataset_id', d.text, (c) => c.primaryKey().references('datasets.id').onDelete('cascade'))
      .addColumn('blob_key', d.text, (c) => c.notNull())
      .addColumn('model', d.text, (c) => c.notNull())
      .addColumn('dimension', 'integer', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('built_at', d.text, (c) => c.notNull())
      .addColumn('file_bytes', 'bigint')
      .addColumn('file_sha256', d.text)
      .execute();
  }
}
