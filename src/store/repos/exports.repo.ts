import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { ExportFormat, ExportStatus, ExportTask, MediaSelection } from '../../domain/export.ts';
import { isoMicros } from '../../lib/time.ts';
import type { ExportsRepo } from '../../ports/exports-repo.ts';
import type { DB, ExportsTable } from '../schema.ts';

function toExport(r: Selectable<ExportsTable>): ExportTask {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    createdBy: r.created_by,
    status: r.status as ExportStatus,
    progress: Number(r.progress),
    format: r.format as ExportFormat,
    includeImages: Number(r.include_images) === 1,
    fileName: r.file_name,
    selection: r.selection === null ? null : (JSON.parse(r.selection) as MediaSelection),
    blobKey: r.blob_key,
    sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
    resultMessage: r.result_message,
    createdAt: r.created_at,
    endedAt: r.ended_at,
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  };
}

export function exportsRepo(db: Kysely<DB>): ExportsRepo {
  return {
    async create(input) {
      const row: Selectable<ExportsTable> = {
        id: randomUUID(),
        dataset_id: input.datasetId,
        created_by: input.createdBy,
        status: 'INIT',
        progress: 0,
        format: input.format,
        include_images: input.includeImages ? 1 : 0,
        file_name: input.fileName,
        selection: input.selection === null ? null : JSON.stringify(input.selection),
        blob_key: null,
        size_bytes: null,
        result_message: null,
        created_at: isoMicros(),
        ended_at: null,
        expires_at: null,
      };
      await db.insertInto('exports').values(row).execute();
      return toExport(row);
    },

    async get(id) {
      const r = await db.selectFrom('exports').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toExport(r) : null;
    },

    async setProgress(id, progress) {
      await db.updateTable('exports').set({ status: 'IN_PROGRESS', progress }).where('id', '=', id).where('status', 'in', ['INIT', 'IN_PROGRESS']).execute();
    },

    async complete(id, result) {
      await db
        .updateTable('exports')
        .set({ status: 'COMPLETED', progress: 100, blob_key: result.blobKey, size_bytes: result.sizeBytes, result_message: result.message, ended_at: isoMicros(), expires_at: result.expiresAt })
        .where('id', '=', id)
        .execute();
    },

    async fail(id, message) {
      await db.updateTable('exports').set({ status: 'FAILED', result_message: message, ended_at: isoMicros() }).where('id', '=', id).execute();
    },

    async unfinished() {
      const rows = await db.selectFrom('exports').select('id').where('status', 'in', ['INIT', 'IN_PROGRESS']).orderBy('created_at').execute();
      return rows.map((r) => r.id);
    },

    async expired(now, limit) {
      const rows = await db.selectFrom('exports').selectAll().where('expires_at', '<=', now).orderBy('expires_at').limit(limit).execute();
      return rows.map(toExport);
    },

    async delete(id) {
      await db.deleteFrom('exports').where('id', '=', id).execute();
    },
  };
}
