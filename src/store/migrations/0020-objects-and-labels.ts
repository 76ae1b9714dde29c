import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * What enrichment adds to a dataset (SPEC §8). A detected object is an item of kind `object`
 * whose parent is its image (so it gets an embedding, scores, clusters and duplicate groups
 * like any item), plus a row here with its box (in the image's displayed pixels), label and
 * confidence. Labels per image (IMAGE_TAGGING) have their own table. Objects are clustered and
 * indexed apart from the images: clusters say which entity they group, and objects have their
 * own vector index.
 */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable('objects')
    .addColumn('id', d.text, (c) => c.primaryKey().references('items.id').onDelete('cascade'))
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('item_id', d.text, (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('label', d.text, (c) => c.notNull())
    .addColumn('confidence', 'double precision', (c) => c.notNull())
    .addColumn('x', 'integer', (c) => c.notNull())
    .addColumn('y', 'integer', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('objects_item').on('objects').columns(['item_id']).execute();
  await db.schema.createIndex('objects_dataset_label').on('objects').columns(['dataset_id', 'label']).execute();

  await db.schema.alterTable('item_scores').addColumn('issue_mislabels', 'double precision').execute();
  await db.schema.alterTable('clusters').addColumn('entity_type', d.text, (c) => c.notNull().defaultTo('IMAGES')).execute();
  await db.schema
    .createTable('object_vector_indexes')
    .addColumn('dataset_id', d.text, (c) => c.primaryKey().references('datasets.id').onDelete('cascade'))
    .addColumn('blob_key', d.text, (c) => c.notNull())
    .addColumn('model', d.text, (c) => c.notNull())
    .addColumn('dimension', 'integer', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('built_at', d.text, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('image_labels')
    .addColumn('item_id', d.text, (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('label', d.text, (c) => c.notNull())
    .addColumn('confidence', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_labels_pk', ['item_id', 'label'])
    .execute();
  await db.schema.createIndex('image_labels_dataset_label').on('image_labels').columns(['dataset_id', 'label']).execute();
  // Enrichment copies are looked up by their source (a source with copies keeps its files).
  await db.schema.createIndex('datasets_source').on('datasets').column('source_dataset_id').execute();
}
