import { sql, type Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';
import { rankedColumns } from './0027-ranked-listing-order.ts';

/**
 * The similarity results (scores, duplicate groups, clusters) of a dataset are written as a
 * new generation beside the one readers see, and `datasets.results_generation` is moved to
 * it in one short update once all of it is written: a reader sees the old results or the new
 * ones, never a mix, and a write that dies half-way leaves the old ones visible. A million
 * rows cannot be swapped in one transaction instead: SQLite's one connection would hold every
 * other query of the process for the minutes the write takes.
 *
 * Each table's key and indexes take the generation after the dataset, so two generations sit
 * side by side and a reader's plans stay as they were; the keys change, so each table is made
 * anew (SQLite cannot alter a primary key) and its rows copied as generation 0.
 */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  await db.schema.alterTable('datasets').addColumn('results_generation', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await rebuild(db, 'item_scores', (t) =>
    t
      .addColumn('item_id', d.text, (c) => c.notNull().references('items.id').onDelete('cascade'))
      .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
      .addColumn('generation', 'integer', (c) => c.notNull())
      .addColumn('entity_type', 'text', (c) => c.notNull().defaultTo('IMAGES'))
      .addColumn('uniqueness', 'double precision', (c) => c.notNull())
      .addColumn('max_similarity', 'double precision', (c) => c.notNull())
      .addColumn('nn_cosine', 'double precision', (c) => c.notNull())
      .addColumn('outlier_score', 'double precision', (c) => c.notNull())
      .addColumn('issue_duplicates', 'double precision')
      .addColumn('issue_outliers', 'double precision')
      .addColumn('issue_blur', 'double precision')
      .addColumn('issue_dark', 'double precision')
      .addColumn('issue_bright', 'double precision')
      .addColumn('issue_low_information', 'double precision')
      .addColumn('issue_odd_aspect_ratio', 'double precision')
      .addColumn('issue_odd_size', 'double precision')
      .addColumn('issue_grayscale', 'double precision')
      .addColumn('issue_mislabels', 'double precision')
      .addColumn('dup_group', 'integer')
      .addColumn('cluster_0', 'integer', (c) => c.notNull())
      .addColumn('cluster_1', 'integer', (c) => c.notNull())
      .addColumn('cluster_2', 'integer', (c) => c.notNull())
      .addColumn('cluster_3', 'integer', (c) => c.notNull())
      .addColumn('cluster_4', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('item_scores_generation_pk', ['item_id', 'generation']),
  );
  for (let g = 0; g <= 4; g++) {
    await db.schema.createIndex(`item_scores_cluster_${g}`).on('item_scores').columns(['dataset_id', 'generation', `cluster_${g}`]).execute();
  }
  for (const column of rankedColumns) {
    await db.schema.createIndex(`item_scores_ranked_${column}`).on('item_scores').columns(['dataset_id', 'entity_type', 'generation', `${column} desc`, 'item_id']).execute();
  }

  await rebuild(db, 'duplicate_members', (t) =>
    t
      .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
      .addColumn('generation', 'integer', (c) => c.notNull())
      .addColumn('level', 'double precision', (c) => c.notNull())
      .addColumn('group_id', 'integer', (c) => c.notNull())
      .addColumn('item_id', d.text, (c) => c.notNull().references('items.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('duplicate_members_generation_pk', ['item_id', 'level', 'generation']),
  );
  await db.schema.createIndex('duplicate_members_group').on('duplicate_members').columns(['dataset_id', 'generation', 'level', 'group_id']).execute();

  await rebuild(db, 'clusters', (t) =>
    t
      .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
      .addColumn('generation', 'integer', (c) => c.notNull())
      .addColumn('granularity', 'integer', (c) => c.notNull())
      .addColumn('cluster_id', 'integer', (c) => c.notNull())
      .addColumn('rank', 'integer', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('n_images', 'integer', (c) => c.notNull())
      .addColumn('n_frames', 'integer', (c) => c.notNull())
      .addColumn('n_videos', 'integer', (c) => c.notNull())
      .addColumn('entity_type', d.text, (c) => c.notNull().defaultTo('IMAGES'))
      .addPrimaryKeyConstraint('clusters_generation_pk', ['dataset_id', 'generation', 'granularity', 'cluster_id']),
  );
  await db.schema.createIndex('clusters_rank').on('clusters').columns(['dataset_id', 'generation', 'granularity', 'rank']).execute();
}

type TableBuilder = ReturnType<Kysely<any>['schema']['createTable']>;

/** Makes `table` anew as `define` says, its rows copied as generation 0 (indexes are the caller's). */
async function rebuild(db: Kysely<any>, table: string, define: (t: TableBuilder) => TableBuilder): Promise<void> {
  const next = define(db.schema.createTable(`${table}_next`));
  await next.execute();
  const columns = next.toOperationNode().columns.map((c) => c.column.column.name).filter((name) => name !== 'generation');
  const list = sql.join(columns.map((c) => sql.ref(c)));
  await sql`insert into ${sql.table(`${table}_next`)} (${list}, generation) select ${list}, 0 from ${sql.table(table)}`.execute(db);
  await db.schema.dropTable(table).execute();
  await db.schema.alterTable(`${table}_next`).renameTo(table).execute();
}
