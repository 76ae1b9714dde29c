import { sql, type Kysely, type Selectable } from 'kysely';
import { entityKinds } from '../../domain/entities.ts';
import type { CaptionSource, EnrichmentRepo, LabelSource, StoredCaption, StoredLabel, StoredObject } from '../../ports/enrichment-repo.ts';
import { chunkRows, type DialectHelpers } from '../dialect.ts';
import type { DB, ObjectsTable } from '../schema.ts';
import { byItem } from './by-item.ts';
import { claimFinish, countedOutcome, countUnit, notApplied, vectorOf } from './items.repo.ts';
import { derivedId as copyIdOf, insertEnrichment } from './object-rows.ts';

const toObject = (r: Selectable<ObjectsTable>): StoredObject => ({
  id: r.id,
  itemId: r.item_id,
  label: r.label,
  confidence: Number(r.confidence),
  box: { x: r.x, y: r.y, width: r.width, height: r.height },
  source: r.source as LabelSource,
});


export function enrichmentRepo(db: Kysely<DB>, d: DialectHelpers, changed: (datasetId: string) => void): EnrichmentRepo {
  /**
   * What the annotation files gave the images `imageIds` (labels, caption, and the boxes with
   * their object items): an enrichment copy keeps it beside what its models find. What an
   * earlier enrichment found is left behind: the copy's models find their own.
   */
  async function importedOf(imageIds: readonly string[]) {
    const objects = await db.selectFrom('objects').selectAll().where('item_id', 'in', imageIds).where('source', '=', 'ANNOTATIONS').execute();
    const objectItems = objects.length === 0 ? [] : await db.selectFrom('items').selectAll().where('id', 'in', objects.map((o) => o.id)).where('state', '=', 'done').execute();
    const labels = await db.selectFrom('image_labels').selectAll().where('item_id', 'in', imageIds).where('source', '=', 'ANNOTATIONS').execute();
    const captions = await db.selectFrom('captions').selectAll().where('item_id', 'in', imageIds).where('source', '=', 'ANNOTATIONS').execute();
    return { objects, objectItems, labels, captions };
  }

  return {
    async copyItems({ sourceId, targetId, taskId, stage }, afterId, limit) {
      const rows = await db
        .selectFrom('items')
        .selectAll()
        .where('dataset_id', '=', sourceId)
        .where('state', '=', 'done')
        // Objects come with their image, when imported (importedOf).
        .where('kind', '!=', 'object')
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
      if (rows.length === 0) return null;
      const copies = rows.map((r) => ({
        ...r,
        id: copyIdOf(targetId, r.id),
        dataset_id: targetId,
        task_id: taskId,
        // Unique within the copy's one task, where the source's keys are unique per task only.
        source_key: `copy:${r.id}`,
        parent_id: r.parent_id === null ? null : copyIdOf(targetId, r.parent_id),
        // A video itself has no pixels to detect in: its frames do.
        state: r.kind === 'video' ? 'done' : 'pending',
        stage: r.kind === 'video' ? r.stage : stage,
        fail_stage: null,
        fail_reason: null,
      }));
      const imported = await importedOf(rows.map((r) => r.id));
      const importedItems = imported.objectItems.map((r) => ({
        ...r,
        id: copyIdOf(targetId, r.id),
        dataset_id: targetId,
        task_id: taskId,
        source_key: `copy:${r.id}`,
        parent_id: copyIdOf(targetId, r.parent_id!),
      }));
      const itemIds = [...rows, ...imported.objectItems].map((r) => r.id);
      const vectors = await db.selectFrom('embeddings').selectAll().where('item_id', 'in', itemIds).execute();
      const copied = <R extends { item_id: string; dataset_id: string }>(r: R): R => ({ ...r, item_id: copyIdOf(targetId, r.item_id), dataset_id: targetId });
      await db.transaction().execute(async (trx) => {
        for (const chunk of chunkRows(d, [...copies, ...importedItems])) {
          await trx.insertInto('items').values(chunk).onConflict((oc) => oc.column('id').doNothing()).execute();
        }
        const objectRows = imported.objects.map((o) => ({ ...copied(o), id: copyIdOf(targetId, o.id) }));
        for (const chunk of chunkRows(d, objectRows)) await trx.insertInto('objects').values(chunk).onConflict((oc) => oc.column('id').doNothing()).execute();
        for (const chunk of chunkRows(d, imported.labels.map(copied))) {
          await trx.insertInto('image_labels').values(chunk).onConflict((oc) => oc.columns(['item_id', 'label', 'source']).doNothing()).execute();
        }
        for (const chunk of chunkRows(d, imported.captions.map(copied))) {
          await trx.insertInto('captions').values(chunk).onConflict((oc) => oc.columns(['item_id', 'source']).doNothing()).execute();
        }
        const copiedVectors = vectors.map(({ seq: _seq, ...v }) => copied(v));
        for (const chunk of chunkRows(d, copiedVectors)) {
          await trx.insertInto('embeddings').values(chunk).onConflict((oc) => oc.column('item_id').doNothing()).execute();
        }
      });
      return rows[rows.length - 1]!.id;
    },

    async settleCopy(targetId, taskId, stage) {
      const counts = await db
        .selectFrom('items')
        .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
        .where('dataset_id', '=', targetId)
        .groupBy('kind')
        .execute();
      const n = (kind: string) => Number(counts.find((c) => c.kind === kind)?.n ?? 0);
      const pending = await db
        .selectFrom('items')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('task_id', '=', taskId)
        .where('stage', '=', stage)
        .executeTakeFirstOrThrow();
      const total = Number(pending.n);
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('tasks').set({ total }).where('id', '=', taskId).execute();
        await trx
          .updateTable('datasets')
          .set({ n_images: n('image'), n_videos: n('video'), n_frames: n('video_frame'), n_objects: n('object'), revision: sql`revision + 1` })
          .where('id', '=', targetId)
          .execute();
      });
      changed(targetId);
      return total;
    },

    completeDetection(itemId, stage, result) {
      return countedOutcome(db, changed, async (trx) => {
        const row = await claimFinish(trx, itemId, stage, { state: 'done' });
        if (!row) return notApplied;
        const image = await trx.selectFrom('items').selectAll().where('id', '=', itemId).executeTakeFirstOrThrow();
        await insertEnrichment(trx, d, image, stage, result);
        return countUnit(trx, row, { failed: false, images: 0, videos: 0, frames: 0, objects: result.objects.length });
      });
    },

    failDetection(itemId, stage, reason) {
      return countedOutcome(db, changed, async (trx) => {
        const row = await claimFinish(trx, itemId, stage, { state: 'done', fail_stage: stage, fail_reason: reason });
        if (!row) return notApplied;
        return countUnit(trx, row, { failed: true });
      });
    },

    async objectsOfItems(datasetId, itemIds) {
      if (itemIds.length === 0) return new Map();
      const rows = await db.selectFrom('objects').selectAll().where('dataset_id', '=', datasetId).where('item_id', 'in', itemIds).orderBy('item_id').orderBy('confidence', 'desc').execute();
      return byItem(rows, toObject);
    },

    async labelsOfDataset(datasetId) {
      // A label both imported and found by a model counts once.
      const rows = await db.selectFrom('image_labels').select(['item_id', 'label']).distinct().where('dataset_id', '=', datasetId).orderBy('item_id').orderBy('label').execute();
      return byItem(rows, (r) => r.label);
    },

    async objectsByIds(datasetId, objectIds) {
      if (objectIds.length === 0) return new Map();
      const rows = await db.selectFrom('objects').selectAll().where('dataset_id', '=', datasetId).where('id', 'in', objectIds).execute();
      return new Map(rows.map((r) => [r.id, toObject(r)]));
    },

    async labelsOfItems(datasetId, itemIds) {
      if (itemIds.length === 0) return new Map();
      const rows = await db
        .selectFrom('image_labels')
        .select(['item_id', 'label', 'confidence', 'source'])
        .where('dataset_id', '=', datasetId)
        .where('item_id', 'in', itemIds)
        .orderBy('item_id')
        .orderBy('confidence', 'desc')
        .execute();
      return byItem(rows, (r): StoredLabel => ({ label: r.label, confidence: Number(r.confidence), source: r.source as LabelSource }));
    },

    async captionsOfItems(datasetId, itemIds) {
      if (itemIds.length === 0) return new Map();
      // The imported caption first ('ANNOTATIONS' < 'CAPTION_IMAGES'): where one caption is shown, the dataset's own.
      const rows = await db
        .selectFrom('captions')
        .select(['item_id', 'caption', 'source'])
        .where('dataset_id', '=', datasetId)
        .where('item_id', 'in', itemIds)
        .orderBy('item_id')
        .orderBy('source')
        .execute();
      return byItem(rows, (r): StoredCaption => ({ text: r.caption, source: r.source as CaptionSource }));
    },

    async textVectorPage(datasetId, entity, afterSeq, limit) {
      const rows = await db
        .selectFrom('text_embeddings as t')
        .innerJoin('embeddings as e', 'e.item_id', 't.item_id')
        .innerJoin('items as i', 'i.id', 't.item_id')
        .select(['e.seq', 't.model', 't.vector'])
        .where('t.dataset_id', '=', datasetId)
        .where('i.state', '=', 'done')
        .where('i.kind', 'in', entityKinds[entity])
        .where('e.seq', '>', afterSeq)
        .orderBy('e.seq')
        .limit(limit)
        .execute();
      if (rows.length === 0) return null;
      const dimension = rows[0]!.vector.byteLength / 4;
      const vectors = new Float32Array(rows.length * dimension);
      rows.forEach((r, i) => vectors.set(vectorOf(r.vector), i * dimension));
      return { model: rows[0]!.model, dimension, seqs: rows.map((r) => Number(r.seq)), vectors };
    },

    async copiesOf(datasetId) {
      const rows = await db.selectFrom('datasets').select('id').where('source_dataset_id', '=', datasetId).where('deleting', '=', 0).execute();
      return rows.map((r) => r.id);
    },
  };
}
