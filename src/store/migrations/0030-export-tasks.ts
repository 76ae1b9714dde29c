import { sql, type Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * Every operation is a task (SPEC §6), an export too. Its status, progress, times and error
 * move to a task row with the export's id, listed and aborted like any other task; the export
 * row keeps what only an export has (format, selection, file, expiry). The task row outlives
 * the expired file, as history. Exports made before get their task rows here, their statuses
 * named as tasks name them; a failed export's message becomes its task's error.
 */
export async function up(db: Kysely<any>, _d: DialectHelpers): Promise<void> {
  await db
    .insertInto('tasks')
    .columns(['id', 'dataset_id', 'operation', 'status', 'stage', 'progress', 'created_by', 'created_at', 'ended_at', 'error_message'])
    .expression(
      db
        .selectFrom('exports')
        .select([
          'id',
          'dataset_id',
          sql.lit('EXPORT').as('operation'),
          sql`case status when 'INIT' then 'INITIALIZING' when 'IN_PROGRESS' then 'RUNNING' else status end`.as('status'),
          sql.lit('export').as('stage'),
          'progress',
          'created_by',
          'created_at',
          'ended_at',
          sql`case when status = 'FAILED' then result_message end`.as('error_message'),
        ]),
    )
    .execute();
  await db.updateTable('exports').set({ result_message: null }).where('status', '=', 'FAILED').execute();
  await db.schema.dropIndex('exports_dataset').execute();
  for (const column of ['status', 'progress', 'created_at', 'ended_at']) await db.schema.alterTable('exports').dropColumn(column).execute();
  await db.schema.createIndex('exports_dataset').on('exports').column('dataset_id').execute();
}
