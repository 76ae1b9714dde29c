import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DatasetStatus } from '../../domain/dataset-status.ts';
import type { Dataset, Role, SourceType } from '../../domain/types.ts';
import { isoMicros } from '../../lib/time.ts';
import type { DatasetsRepo } from '../../ports/store.ts';
import type { DB, DatasetsTable } from '../schema.ts';

type Row = Selectable<DatasetsTable> & { owner_email: string };

function toDataset(r: Row): Dataset {
  return {
    id: r.id,
    displayName: r.display_name,
    description: r.description,
    sourceType: r.source_type as SourceType,
    sourceUri: r.source_uri,
    ownerId: r.owner_id,
    ownerEmail: r.owner_email,
    createdAt: r.created_at,
    status: r.status as DatasetStatus,
    fatalErrorMsg: r.fatal_error_msg,
    sourceDatasetId: r.source_dataset_id,
    nImages: Number(r.n_images),
    nVideos: Number(r.n_videos),
    nFrames: Number(r.n_frames),
    nObjects: Number(r.n_objects),
    revision: Number(r.revision),
    uploadOpen: Number(r.upload_open) === 1,
    lastTaskId: r.last_task_id,
  };
}

export function datasetsRepo(db: Kysely<DB>, changed: (datasetId: string) => void): DatasetsRepo {
  // A dataset being deleted is gone for every reader: only the delete itself still sees it.
  const withOwner = () =>
    db
      .selectFrom('datasets')
      .innerJoin('users', 'users.id', 'datasets.owner_id')
      .selectAll('datasets')
      .select('users.email as owner_email')
      .where('datasets.deleting', '=', 0);

  return {
    async create(input) {
      const id = randomUUID();
      await db
        .insertInto('datasets')
        .values({
          id,
          display_name: input.displayName,
          description: input.description,
          source_type: input.sourceType,
          source_uri: input.sourceUri,
          owner_id: input.ownerId,
          created_at: isoMicros(),
          status: 'DRAFT',
          fatal_error_msg: null,
          source_dataset_id: input.sourceDatasetId ?? null,
          n_images: 0,
          n_videos: 0,
          n_frames: 0,
          n_objects: 0,
          revision: 1,
          upload_open: 0,
          last_task_id: null,
          deleting: 0,
        })
        .execute();
      const created = await this.get(id);
      if (!created) throw new Error('dataset vanished right after insert');
      return created;
    },

    async get(id) {
      const r = await withOwner().where('datasets.id', '=', id).executeTakeFirst();
      return r ? toDataset(r) : null;
    },

    async listVisible(user, sortBy) {
      let q = withOwner();
      if (user.role !== 'admin') {
        q = q.where((eb) =>
          eb.or([
            eb('datasets.owner_id', '=', user.id),
            eb.exists(
              eb.selectFrom('dataset_shares').select('dataset_id').whereRef('dataset_shares.dataset_id', '=', 'datasets.id').where('dataset_shares.user_id', '=', user.id),
            ),
          ]),
        );
      }
      q = sortBy === 'name' ? q.orderBy('datasets.display_name').orderBy('datasets.created_at', 'desc') : q.orderBy('datasets.created_at', 'desc');
      return (await q.execute()).map(toDataset);
    },

    async isSharedWith(datasetId, userId) {
      const r = await db.selectFrom('dataset_shares').select('dataset_id').where('dataset_id', '=', datasetId).where('user_id', '=', userId).executeTakeFirst();
      return r !== undefined;
    },

    async share(datasetId, userId) {
      await db.insertInto('dataset_shares').values({ dataset_id: datasetId, user_id: userId }).onConflict((oc) => oc.doNothing()).execute();
    },

    async unshare(datasetId, userId) {
      const r = await db.deleteFrom('dataset_shares').where('dataset_id', '=', datasetId).where('user_id', '=', userId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async sharedWith(datasetId) {
      const rows = await db
        .selectFrom('dataset_shares')
        .innerJoin('users', 'users.id', 'dataset_shares.user_id')
        .select(['users.email', 'users.role'])
        .where('dataset_shares.dataset_id', '=', datasetId)
        .orderBy('users.email')
        .execute();
      return rows.map((r) => ({ email: r.email, role: r.role as Role }));
    },

    async update(id, patch) {
      await db
        .updateTable('datasets')
        .set({
          ...(patch.status !== undefined && { status: patch.status }),
          ...(patch.fatalErrorMsg !== undefined && { fatal_error_msg: patch.fatalErrorMsg }),
          ...(patch.uploadOpen !== undefined && { upload_open: patch.uploadOpen ? 1 : 0 }),
          ...(patch.lastTaskId !== undefined && { last_task_id: patch.lastTaskId }),
          ...(patch.sourceUri !== undefined && { source_uri: patch.sourceUri }),
          revision: sql`revision + 1`,
        })
        .where('id', '=', id)
        .execute();
      changed(id);
    },

    async revisions(ids) {
      if (ids.length === 0) return new Map();
      const rows = await db.selectFrom('datasets').select(['id', 'revision']).where('id', 'in', [...ids]).execute();
      return new Map(rows.map((r) => [r.id, Number(r.revision)]));
    },

    async markDeleting(id) {
      const res = await db
        .updateTable('datasets')
        .set({ deleting: 1, revision: sql`revision + 1` })
        .where('id', '=', id)
        .where('deleting', '=', 0)
        .where(({ not, exists, selectFrom }) =>
          // A running export does not hold a delete back: it fails once its dataset is gone.
          not(exists(selectFrom('tasks').select('tasks.id').whereRef('tasks.dataset_id', '=', 'datasets.id').where('tasks.status', 'in', ['INITIALIZING', 'RUNNING']).where('tasks.operation', '!=', 'EXPORT'))),
        )
        .executeTakeFirst();
      changed(id);
      return Number(res.numUpdatedRows) > 0;
    },

    async listDeleting() {
      return (await db.selectFrom('datasets').select('id').where('deleting', '=', 1).execute()).map((r) => r.id);
    },

    async delete(id) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('items').where('dataset_id', '=', id).execute();
        await trx.deleteFrom('uploads').where('dataset_id', '=', id).execute();
        await trx.deleteFrom('upload_transactions').where('dataset_id', '=', id).execute();
        await trx.deleteFrom('tasks').where('dataset_id', '=', id).execute();
        await trx.deleteFrom('dataset_shares').where('dataset_id', '=', id).execute();
        await trx.deleteFrom('datasets').where('id', '=', id).execute();
      });
      changed(id);
    },
  };
}
