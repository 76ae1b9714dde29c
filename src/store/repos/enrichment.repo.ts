import { sql, type Kysely, type Selectable } from 'kysely';
import { entityKinds } from '../../domain/entities.ts';
import type { CaptionSource, EnrichmentRepo, LabelSource, StoredLabel, StoredObject } from '../../ports/enrichment-repo.ts';
import { chunkRows, type DialectHelpers } from '../dialect.ts';
import type { DB, ObjectsTable } from '../schema.ts';
import { claimFinish, countedOutcome, countUnit, notApplied, vectorBytes, vectorOf } from './items.repo.ts';
import { derivedId as copyIdOf, insertCaption, insertObjectsAndLabels } from './object-rows.ts';

const toObject = (r: Selectable<ObjectsTable>): StoredObject => ({
  id: r.id,
  itemId: r.item_id,
  label: r.label,
  confidence: Number(r.confidence),
  box: { x: r.x, y: r.y, width: r.width, height: r.height },
  source: r.source as LabelSource,
});

/** Rows grouped by their item, each list in row order. */
function byItem<R extends { item_id: string }, T>(rows: readonly R[], map: (row: R) => T): Map<string, T[]> {
  const grouped = new Map<string, T[]>();
  for (const r of rows) {
    const list = grouped.get(r.item_id) ?? [];
    list.push(map(r));
    grouped.set(r.item_id, list);
  }
  return grouped;
}

export function enrichmentRepo(db: Kysely<DB>, d: DialectHelpers, changed: (datasetId: string) => void): EnrichmentRepo {
  return {
    async copyItems({ sourceId, targetId, taskId, stage }, afterId, limit) {
      const rows = await db
        .selectFrom('items')
        .selectAll()
        .where('dataset_id', '=', sourceId)
        .where('state', '=', 'done')
        // Objects of an earlier enrichment are not copied: this one detects its own.
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
      const vectors = await db.selectFrom('embeddings').selectAll().where('item_id', 'in', rows.map((r) => r.id)).execute();
      await db.transaction().execute(async (trx) => {
        for (const chunk of chunkRows(d, copies)) await trx.insertInto('items').values(chunk).onConflict((oc) => oc.column('id').doNothing()).execute();
        const copiedVectors = vectors.map(({ seq: _seq, ...v }) => ({ ...v, item_id: copyIdOf(targetId, v.item_id), dataset_id: targetId }));
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
          .set({ n_images: n('image'), n_videos: n('video'), n_frames: n('video_frame'), revision: sql`revision + 1` })
          .where('id', '=', targetId)
          .execute();
      });
      changed(targetId);
      return total;
    },

    completeDetection(itemId, stage, { objects, labels, caption, textVectors }) {
      return countedOutcome(db, changed, async (trx) => {
        const row = await claimFinish(trx, itemId, stage, { state: 'done' });
        if (!row) return notApplied;
        const image = await trx.selectFrom('items').selectAll().where('id', '=', itemId).executeTakeFirstOrThrow();
        const objectIds = await insertObjectsAndLabels(trx, d, image, stage, { objects, labels, imported: false });
        if (caption !== null) await insertCaption(trx, image, { text: caption.text, source: 'CAPTION_IMAGES', model: caption.model });
        if (textVectors !== null) {
          const textRows = [itemId, ...objectIds].map((id, i) => ({
            item_id: id,
            dataset_id: row.dataset_id,
            model: textVectors.model,
            vector: vectorBytes(i === 0 ? textVectors.image : textVectors.objects[i - 1]!),
          }));
          for (const chunk of chunkRows(d, textRows)) await trx.insertInto('text_embeddings').values(chunk).execute();
        }
        return countUnit(trx, row, { failed: false, images: 0, videos: 0, frames: 0, objects: objects.length });
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
      const rows = await db.selectFrom('image_labels').select(['item_id', 'label']).where('dataset_id', '=', datasetId).execute();
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
      const rows = await db.selectFrom('captions').select(['item_id', 'caption', 'source']).where('dataset_id', '=', datasetId).where('item_id', 'in', itemIds).execute();
      return new Map(rows.map((r) => [r.item_id, { text: r.caption, source: r.source as CaptionSource }]));
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
