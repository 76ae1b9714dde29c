import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * Cooperative abort: a request is recorded on the task (when, by whom) and the running work
 * stops at its next safe point; the task stays RUNNING until then. Kept in the database, so an
 * abort survives a restart of any process. The tasks API lists tasks newest first across
 * datasets: created_at gets its own index.
 */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  await db.schema.alterTable('tasks').addColumn('abort_requested_at', d.text).execute();
  await db.schema.alterTable('tasks').addColumn('abort_requested_by', d.text).execute();
  await db.schema.createIndex('tasks_created_at').on('tasks').column('created_at').execute();
}
