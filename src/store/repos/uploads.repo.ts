import type { Kysely } from 'kysely';
import { isoMicros } from '../../lib/time.ts';
import type { UploadsRepo } from '../../ports/store.ts';
import type { DB } from '../schema.ts';

export function uploadsRepo(db: Kysely<DB>): UploadsRepo {
  return {
    async openTransaction(datasetId) {
      const r = await db
        .insertInto('upload_transactions')
        .values({ dataset_id: datasetId, state: 'open', created_at: isoMicros() })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(r.id);
    },

    async getTransaction(datasetId, transId) {
      const r = await db
        .selectFrom('upload_transactions')
        .select(['id', 'state'])
        .where('dataset_id', '=', datasetId)
        .where('id', '=', transId)
        .executeTakeFirst();
      return r ? { id: Number(r.id), state: r.state as 'open' | 'submitted' } : null;
    },

    async submitTransaction(datasetId, transId) {
      await db.updateTable('upload_transactions').set({ state: 'submitted' }).where('dataset_id', '=', datasetId).where('id', '=', transId).execute();
    },

    async add(input) {
      await db
        .insertInto('uploads')
        .values({
          dataset_id: input.datasetId,
          trans_id: input.transId,
          file_name: input.fileName,
          blob_key: input.blobKey,
          size_bytes: input.sizeBytes,
          created_at: isoMicros(),
        })
        .execute();
    },

    async page(datasetId, transId, afterId, limit) {
      const rows = await db
        .selectFrom('uploads')
        .select(['id', 'file_name', 'blob_key', 'size_bytes'])
        .where('dataset_id', '=', datasetId)
        .where('trans_id', '=', transId)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ id: Number(r.id), fileName: r.file_name, blobKey: r.blob_key, sizeBytes: Number(r.size_bytes) }));
    },
  };
}
