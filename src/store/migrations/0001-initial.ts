import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/** Text columns use `d.text` so they compare by code point on both dialects (see dialect.ts). */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', d.text, (c) => c.primaryKey())
    .addColumn('email', d.text, (c) => c.notNull().unique())
    .addColumn('password_hash', d.text, (c) => c.notNull())
    .addColumn('role', d.text, (c) => c.notNull())
    .addColumn('created_at', d.text, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('api_key', d.text, (c) => c.primaryKey())
    .addColumn('user_id', d.text, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('secret_sealed', d.text, (c) => c.notNull())
    .addColumn('created_at', d.text, (c) => c.notNull())
    .addColumn('revoked_at', d.text)
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', d.text, (c) => c.primaryKey())
    .addColumn('user_id', d.text, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', d.text, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('datasets')
    .addColumn('id', d.text, (c) => c.primaryKey())
    .addColumn('display_name', d.text, (c) => c.notNull())
    .addColumn('description', d.text, (c) => c.notNull())
    .addColumn('source_type', d.text, (c) => c.notNull())
    .addColumn('source_uri', d.text)
    .addColumn('owner_id', d.text, (c) => c.notNull().references('users.id'))
    .addColumn('created_at', d.text, (c) => c.notNull())
    .addColumn('status', d.text, (c) => c.notNull())
    .addColumn('fatal_error_msg', d.text)
    .addColumn('source_dataset_id', d.text)
    .addColumn('n_images', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('n_videos', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('n_frames', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('n_objects', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('upload_open', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_task_id', d.text)
    .execute();
  await db.schema.createIndex('datasets_owner').on('datasets').columns(['owner_id', 'created_at']).execute();

  await db.schema
    .createTable('dataset_shares')
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('user_id', d.text, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('dataset_shares_pk', ['dataset_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', d.text, (c) => c.primaryKey())
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('operation', d.text, (c) => c.notNull())
    .addColumn('status', d.text, (c) => c.notNull())
    .addColumn('stage', d.text, (c) => c.notNull())
    .addColumn('total', 'integer')
    .addColumn('done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', d.text, (c) => c.notNull())
    .addColumn('created_at', d.text, (c) => c.notNull())
    .addColumn('started_at', d.text)
    .addColumn('ended_at', d.text)
    .addColumn('last_progress_at', 'bigint')
    .addColumn('error_message', d.text)
    .addColumn('params', d.text, (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('tasks_dataset').on('tasks').columns(['dataset_id', 'created_at']).execute();

  await db.schema
    .createTable('upload_transactions')
    .addColumn('id', d.autoIncrementId, (c) => d.autoIncrementModifier(c))
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('state', d.text, (c) => c.notNull())
    .addColumn('created_at', d.text, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('uploads')
    .addColumn('id', d.autoIncrementId, (c) => d.autoIncrementModifier(c))
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('trans_id', 'integer', (c) => c.notNull())
    .addColumn('file_name', d.text, (c) => c.notNull())
    .addColumn('blob_key', d.text, (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('created_at', d.text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('uploads_trans').on('uploads').columns(['dataset_id', 'trans_id', 'id']).execute();

  await db.schema
    .createTable('items')
    .addColumn('id', d.text, (c) => c.primaryKey())
    .addColumn('dataset_id', d.text, (c) => c.notNull().references('datasets.id').onDelete('cascade'))
    .addColumn('task_id', d.text, (c) => c.notNull())
    .addColumn('kind', d.text, (c) => c.notNull())
    .addColumn('parent_id', d.text)
    .addColumn('source_key', d.text, (c) => c.notNull())
    .addColumn('file_name', d.text, (c) => c.notNull())
    .addColumn('original_uri', d.text, (c) => c.notNull())
    .addColumn('location', d.text, (c) => c.notNull())
    .addColumn('state', d.text, (c) => c.notNull())
    .addColumn('stage', d.text, (c) => c.notNull())
    .addColumn('fail_stage', d.text)
    .addColumn('fail_reason', d.text)
    .addColumn('size_bytes', 'bigint')
    .addColumn('format', d.text)
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('exif', d.text)
    .addColumn('byte_hash', d.text)
    .addColumn('phash', d.text)
    .addColumn('quality', d.text)
    .addColumn('thumb_key', d.text)
    .addColumn('frame_index', 'integer')
    .addColumn('frame_timestamp', 'double precision')
    .addColumn('video', d.text)
    .addColumn('created_at', d.text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('items_source').on('items').columns(['task_id', 'source_key']).unique().execute();
  await db.schema.createIndex('items_dataset_state').on('items').columns(['dataset_id', 'state', 'kind']).execute();
  await db.schema.createIndex('items_task_pending').on('items').columns(['task_id', 'state', 'stage', 'id']).execute();
  await db.schema.createIndex('items_parent').on('items').columns(['parent_id']).execute();
  await db.schema.createIndex('items_byte_hash').on('items').columns(['dataset_id', 'byte_hash']).execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', d.autoIncrementId, (c) => d.autoIncrementModifier(c))
    .addColumn('name', d.text, (c) => c.notNull())
    .addColumn('payload', d.text, (c) => c.notNull())
    .addColumn('singleton_key', d.text)
    .addColumn('serial_key', d.text)
    .addColumn('state', d.text, (c) => c.notNull())
    .addColumn('retry_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('retry_limit', 'integer', (c) => c.notNull())
    .addColumn('start_after', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('completed_at', 'bigint')
    .addColumn('output', d.text)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_ready').on('jobs').columns(['state', 'name', 'start_after', 'id']).execute();
  await db.schema.createIndex('jobs_singleton').on('jobs').columns(['singleton_key', 'state']).execute();
}
