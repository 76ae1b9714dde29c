import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * What indexing computes beyond per-item facts (SPEC §5): embeddings, the dataset's vector
 * index, and the results of the similarity stage (scores, duplicate groups, clusters), plus the
 * anchors of image-similarity searches.
 */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  // `seq` doubles as the vector's key in the ANN index: a 64-bit integer, unique for ever.
  await db.schema
    .createTable('embeddings')
    .addColumn('seq', d.autoIncrementId, (c) => d.autoIncrementModifier(c))
    .addColumn('item_id', d.text, (c) => c.notNull().unique().references('items.id').onDelete('cascade'))
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('model', d.text, (c) => c.notNull())
    .addColumn('vector', d.blob, (c) => c.notNull())
    .addColumn('copy_descriptor', d.blob, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('embeddings_dataset').on('embeddings').columns(['dataset_id', 'model', 'seq']).execute();

  await db.schema
    .createTable('item_scores')
    .addColumn('item_id', d.text, (c) => c.primaryKey().references('items.id').onDelete('cascade'))
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('uniqueness', 'double precision', (c) => c.notNull())
    .addColumn('max_similarity', 'double precision', (c) => c.notNull())
    .addColumn('nn_cosine', 'double precision', (c) => c.notNull())
    .addColumn('outlier_score', 'double precision', (c) => c.notNull())
    .addColumn('issue_duplicates', 'double precision')
    .addColumn('issue_outliers', 'double precision')
    .addColumn('issue_blur', 'double precision')
    .addColumn('issue_dark', 'double precision')
    .addColumn('issue_bright', 'double precision')
    .addColumn('dup_group', 'integer')
    .addColumn('cluster_0', 'integer', (c) => c.notNull())
    .addColumn('cluster_1', 'integer', (c) => c.notNull())
    .addColumn('cluster_2', 'integer', (c) => c.notNull())
    .addColumn('cluster_3', 'integer', (c) => c.notNull())
    .addColumn('cluster_4', 'integer', (c) => c.notNull())
    .execute();
  for (let g = 0; g <= 4; g++) {
    await db.schema.createIndex(`item_scores_cluster_${g}`).on('item_scores').columns(['dataset_id', `cluster_${g}`]).execute();
  }

  // Members of duplicate groups only (an item without duplicates at a level has no row there).
  await db.schema
    .createTable('duplicate_members')
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('level', 'double precision', (c) => c.notNull())
    .addColumn('group_id', 'integer', (c) => c.notNull())
    .addColumn('item_id', d.text, (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('duplicate_members_pk', ['item_id', 'level'])
    .execute();
  await db.schema.createIndex('duplicate_members_group').on('duplicate_members').columns(['dataset_id', 'level', 'group_id']).execute();

  await db.schema
    .createTable('clusters')
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('granularity', 'integer', (c) => c.notNull())
    .addColumn('cluster_id', 'integer', (c) => c.notNull())
    .addColumn('rank', 'integer', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('n_images', 'integer', (c) => c.notNull())
    .addColumn('n_frames', 'integer', (c) => c.notNull())
    .addColumn('n_videos', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('clusters_pk', ['dataset_id', 'granularity', 'cluster_id'])
    .execute();
  await db.schema.createIndex('clusters_rank').on('clusters').columns(['dataset_id', 'granularity', 'rank']).execute();

  await db.schema
    .createTable('vector_indexes')
    .addColumn('dataset_id', d.text, (c) => c.primaryKey().references('datasets.id').onDelete('cascade'))
    .addColumn('blob_key', d.text, (c) => c.notNull())
    .addColumn('model', d.text, (c) => c.notNull())
    .addColumn('dimension', 'integer', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('built_at', d.text, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('anchors')
    .addColumn('id', d.text, (c) => c.primaryKey())
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('model', d.text, (c) => c.notNull())
    .addColumn('vector', d.blob, (c) => c.notNull())
    .addColumn('file_name', d.text, (c) => c.notNull())
    .addColumn('created_by', d.text, (c) => c.notNull())
    .addColumn('created_at', d.text, (c) => c.notNull())
    .execute();
}
