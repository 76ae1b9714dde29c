import type { Kysely, Selectable } from 'kysely';
import { exportStatusOf, type ExportFormat, type ExportTask, type MediaSelection } from '../../domain/export.ts';
import type { TaskStatus } from '../../domain/types.ts';
import { isoMicros } from '../../lib/time.ts';
import type { ExportsRepo } from '../../ports/exports-repo.ts';
import type { DB, ExportsTable, TasksTable } from '../schema.ts';
import { newTaskRow } from './tasks.repo.ts';

const LIVE = ['INITIALIZING', 'RUNNING'] as const;

type ExportRow = Selectable<ExportsTable> & Pick<Selectable<TasksTable>, 'status' | 'progress' | 'created_at' | 'ended_at' | 'error_message'>;

function toExport(r: ExportRow): ExportTask {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    createdBy: r.created_by,
    status: exportStatusOf[r.status as TaskStatus],
    progress: Number(r.progress),
    format: r.format as ExportFormat,
    includeImages: Number(r.include_images) === 1,
    fileName: r.file_name,
    selection: r.selection === null ? null : (JSON.parse(r.selection) as MediaSelection),
    blobKey: r.blob_key,
    sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
    resultMessage: r.error_message ?? r.result_message,
    createdAt: r.created_at,
    endedAt: r.ended_at,
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  };
}

/** An export is its own row and its task's (same id): the task holds where it is. */
export function exportsRepo(db: Kysely<DB>): ExportsRepo {
  const withTask = () =>
    db
      .selectFrom('exports')
      .innerJoin('tasks', 'tasks.id', 'exports.id')
      .selectAll('exports')
      .select(['tasks.status', 'tasks.progress', 'tasks.created_at', 'tasks.ended_at', 'tasks.error_message']);

  async function get(id: string): Promise<ExportTask | null> {
    const r = await withTask().where('exports.id', '=', id).executeTakeFirst();
    return r ? toExport(r) : null;
  }

  return {
    async create(input) {
      const task = newTaskRow({ datasetId: input.datasetId, operation: 'EXPORT', stage: 'export', createdBy: input.createdBy });
      const { id } = task;
      await db.transaction().execute(async (trx) => {
        // Not the dataset's last task, nor a change of its state: an export only reads it.
        await trx.insertInto('tasks').values(task).execute();
        await trx
          .insertInto('exports')
          .values({
            id,
            dataset_id: input.datasetId,
            created_by: input.createdBy,
            format: input.format,
            include_images: input.includeImages ? 1 : 0,
            file_name: input.fileName,
            selection: input.selection === null ? null : JSON.stringify(input.selection),
            blob_key: null,
            size_bytes: null,
            result_message: null,
            expires_at: null,
          })
          .execute();
      });
      return (await get(id))!;
    },

    get,

    async setProgress(id, progress) {
      await db
        .updateTable('tasks')
        .set((eb) => ({ status: 'RUNNING', progress, started_at: eb.fn.coalesce('started_at', eb.val(isoMicros())) }))
        .where('id', '=', id)
        .where('status', 'in', LIVE)
        .execute();
    },

    async complete(id, result) {
      await db.transaction().execute(async (trx) => {
        const ended = await trx.updateTable('tasks').set({ status: 'COMPLETED', progress: 100, ended_at: isoMicros() }).where('id', '=', id).where('status', 'in', LIVE).executeTakeFirst();
        if (Number(ended.numUpdatedRows) === 0) return;
        await trx
          .updateTable('exports')
          .set({ blob_key: result.blobKey, size_bytes: result.sizeBytes, result_message: result.message, expires_at: result.expiresAt })
          .where('id', '=', id)
          .execute();
      });
    },

    async end(id, status, message) {
      await db.updateTable('tasks').set({ status, error_message: message, ended_at: isoMicros() }).where('id', '=', id).where('status', 'in', LIVE).execute();
    },

    async unfinished() {
      const rows = await withTask().where('tasks.status', 'in', LIVE).orderBy('tasks.created_at').execute();
      return rows.map((r) => r.id);
    },

    async expired(now, limit) {
      const rows = await withTask().where('exports.expires_at', '<=', now).orderBy('exports.expires_at').limit(limit).execute();
      return rows.map(toExport);
    },

    async delete(id) {
      await db.deleteFrom('exports').where('id', '=', id).execute();
    },
  };
}
