import { sql, type Kysely } from 'kysely';
import { isoMicros } from '../../lib/time.ts';
import type { UploadsRepo } from '../../ports/store.ts';
import type { DialectHelpers } from '../dialect.ts';
import type { DB } from '../schema.ts';

/** A future time in isoMicros' format (isoMicros itself must only see the present: it keeps its clock monotonic). */
const leaseEnd = (ms: number): string => `${new Date(Date.now() + ms).toISOString().slice(0, 23)}000`;

export function uploadsRepo(db: Kysely<DB>, d: DialectHelpers): UploadsRepo {
  return {
    async openTransaction(datasetId, leaseMs) {
      const r = await db
        .insertInto('upload_transactions')
        .values({ dataset_id: datasetId, state: 'open', created_at: isoMicros(), lease_until: leaseMs === undefined ? null : leaseEnd(leaseMs) })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(r.id);
    },

    async renewLease(datasetId, transId, leaseMs) {
      await db
        .updateTable('upload_transactions')
        .set({ lease_until: leaseEnd(leaseMs) })
        .where('dataset_id', '=', datasetId)
        .where('id', '=', transId)
        .where('state', '=', 'open')
        .where('lease_until', 'is not', null)
        .execute();
    },

    async expiredLeases() {
      const rows = await db
        .selectFrom('upload_transactions')
        .select(['dataset_id', 'id'])
        .where('state', '=', 'open')
        .where('lease_until', '<', isoMicros())
        .execute();
      return rows.map((r) => ({ datasetId: r.dataset_id, transId: Number(r.id) }));
    },

    async dropExpired(datasetId, transId) {
      return db.transaction().execute(async (trx) => {
        // Closed first, holding the row: a request renewing or adding a file meanwhile finds it gone.
        const res = await trx
          .updateTable('upload_transactions')
          .set({ state: 'submitted' })
          .where('dataset_id', '=', datasetId)
          .where('id', '=', transId)
          .where('state', '=', 'open')
          .where('lease_until', '<', isoMicros())
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) return false;
        await trx.deleteFrom('uploads').where('dataset_id', '=', datasetId).where('trans_id', '=', transId).execute();
        await trx.deleteFrom('upload_transactions').where('dataset_id', '=', datasetId).where('id', '=', transId).execute();
        return true;
      });
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
      await db.updateTable('upload_transactions').set({ state: 'submitted', lease_until: null }).where('dataset_id', '=', datasetId).where('id', '=', transId).execute();
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
