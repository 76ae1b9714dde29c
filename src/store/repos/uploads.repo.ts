import { sql, type Kysely } from 'kysely';
import { isoMicros } from '../../lib/time.ts';
import type { UploadsRepo } from '../../ports/store.ts';
import type { DialectHelpers } from '../dialect.ts';
import type { DB } from '../schema.ts';

export function uploadsRepo(db: Kysely<DB>, d: DialectHelpers): UploadsRepo {
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
      // The transaction's state and the dataset's delete mark are checked in the insert itself,
      // holding their rows: a submit or a delete either comes first (nothing is inserted) or
      // waits until this file is recorded (and a delete then removes it).
      const res = await sql`insert into uploads (dataset_id, trans_id, file_name, blob_key, size_bytes, sha256, created_at)
        select ${input.datasetId}, ${input.transId}, ${input.fileName}, ${input.blobKey}, ${input.sizeBytes}, ${input.sha256}, ${isoMicros()}
        where exists (select 1 from upload_transactions t join datasets ds on ds.id = t.dataset_id
                      where t.dataset_id = ${input.datasetId} and t.id = ${input.transId} and t.state = 'open' and ds.deleting = 0 ${d.forShare})
        on conflict do nothing`.execute(db);
      if (Number(res.numAffectedRows ?? 0) > 0) return 'added';
      const same = await db
        .selectFrom('uploads')
        .select('id')
        .where('dataset_id', '=', input.datasetId)
        .where('trans_id', '=', input.transId)
        .where('file_name', '=', input.fileName)
        .where('sha256', '=', input.sha256)
        .executeTakeFirst();
      return same ? 'duplicate' : 'closed';
    },

    async page(datasetId, transId, afterId, limit) {
      const rows = await db
        .selectFrom('uploads')
        .select(['id', 'file_name', 'blob_key', 'size_bytes', 'sha256'])
        .where('dataset_id', '=', datasetId)
        .where('trans_id', '=', transId)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ id: Number(r.id), fileName: r.file_name, blobKey: r.blob_key, sizeBytes: Number(r.size_bytes), sha256: r.sha256 }));
    },
  };
}
