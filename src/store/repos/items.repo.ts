import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { ItemAnnotations } from '../../domain/annotations.ts';
import type { Item, ItemKind, ItemState, Quality } from '../../domain/types.ts';
import { isoMicros } from '../../lib/time.ts';
import type { Embedding } from '../../ports/media-processor.ts';
import type { AddedEnrichment, ImageFacts, ImportedAnnotations, ItemOutcome, ItemsRepo } from '../../ports/store.ts';
import { chunkRows, type DialectHelpers } from '../dialect.ts';
import type { DB, ItemsTable } from '../schema.ts';
import { insertCaption, insertEnrichment, insertObjectsAndLabels } from './object-rows.ts';

function parse<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

export function toItem(r: Selectable<ItemsTable>): Item {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    taskId: r.task_id,
    kind: r.kind as ItemKind,
    parentId: r.parent_id,
    sourceKey: r.source_key,
    fileName: r.file_name,
    originalUri: r.original_uri,
    location: r.location,
    state: r.state as ItemState,
    stage: r.stage,
    failStage: r.fail_stage,
    failReason: r.fail_reason,
    sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
    format: r.format,
    width: r.width,
    height: r.height,
    exif: parse(r.exif),
    byteHash: r.byte_hash,
    phash: r.phash,
    quality: parse<Quality>(r.quality),
    thumbKey: r.thumb_key,
    frameIndex: r.frame_index,
    frameTimestamp: r.frame_timestamp,
    video: parse(r.video),
    annotations: parse<ItemAnnotations>(r.annotations),
    createdAt: r.created_at,
  };
}

function factColumns(f: ImageFacts) {
  return {
    format: f.format,
    width: f.width,
    height: f.height,
    exif: f.exif === null ? null : JSON.stringify(f.exif),
    byte_hash: f.byteHash,
    phash: f.phash,
    quality: JSON.stringify(f.quality),
    thumb_key: f.thumbKey,
    ...(f.sizeBytes !== undefined && { size_bytes: f.sizeBytes }),
  };
}

/**
 * The annotation rows an image could not use, as its failure reason: the image itself is
 * indexed, so it stays done (as a failed detection leaves it).
 */
function annotationColumns(imported: ImportedAnnotations) {
  return {
    annotations: null,
    ...(imported.problems.length > 0 && { fail_stage: 'annotations', fail_reason: imported.problems.join('; ') }),
  };
}

/** Why an added item's enrichment could not run, on the item (indexed all the same). */
const enrichmentColumns = (enriched: AddedEnrichment | undefined) => (enriched !== undefined && 'failure' in enriched ? { fail_stage: 'detect', fail_reason: enriched.failure } : {});

const objectsOf = (enriched: AddedEnrichment | undefined) => (enriched !== undefined && 'result' in enriched ? enriched.result.objects.length : 0);

/** Float32 vectors as little-endian bytes (the byte order of every platform Node runs on). */
export const vectorBytes = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

export function vectorOf(bytes: Uint8Array): Float32Array {
  // Copied: the driver's buffer need not be 4-byte aligned.
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

export function embeddingRow(itemId: string, datasetId: string, e: Embedding) {
  return { item_id: itemId, dataset_id: datasetId, model: e.model, vector: vectorBytes(e.vector), copy_descriptor: Buffer.from(e.copyDescriptor) };
}

/**
 * Counts one finished unit on the task (and, for successes, its images, videos, frames and
 * objects on the dataset), bumps the dataset revision, and tells whether the task has no
 * unfinished items left. Runs inside the same transaction that changed the item, so a unit is
 * counted exactly once. The task row is locked before the dataset row, always: two items
 * finishing together in the other order would deadlock on PostgreSQL.
 */
export async function countUnit(
  trx: Transaction<DB>,
  item: { task_id: string; dataset_id: string },
  outcome: { failed: true } | { failed: false; images: number; videos: number; frames: number; objects: number },
): Promise<ItemOutcome & { datasetId?: string }> {
  const now = Date.now();
  const task = await trx
    .updateTable('tasks')
    .set(outcome.failed ? { failed: sql`failed + 1`, last_progress_at: now } : { done: sql`done + 1`, last_progress_at: now })
    .where('id', '=', item.task_id)
    // Checked again here, under the task row's lock: an abort that committed since the item was
    // claimed wins (PostgreSQL re-reads the row), and the whole outcome is rolled back.
    .where('abort_requested_at', 'is', null)
    .returning(['total', 'done', 'failed'])
    .executeTakeFirst();
  if (task === undefined) throw new AbortedMeanwhile();
  await trx
    .updateTable('datasets')
    .set({
      revision: sql`revision + 1`,
      ...(!outcome.failed && {
        n_images: sql`n_images + ${outcome.images}`,
        n_videos: sql`n_videos + ${outcome.videos}`,
        n_frames: sql`n_frames + ${outcome.frames}`,
        n_objects: sql`n_objects + ${outcome.objects}`,
      }),
    })
    .where('id', '=', item.dataset_id)
    .execute();
  const finished = task.total !== null && Number(task.done) + Number(task.failed) >= Number(task.total);
  return { applied: true, taskItemsFinished: finished, datasetId: item.dataset_id };
}

export const notApplied: ItemOutcome & { datasetId?: string } = { applied: false, taskItemsFinished: false };

/**
 * Locks in the item's move out of `pending` at `stage`; undefined when another run got there
 * first, or when its task no longer runs or is being aborted: an abort keeps what was finished
 * when it was asked for, so an item in flight then stays pending (a retry takes it up) and the
 * counts an aborted task shows never change afterwards.
 */
export async function claimFinish(trx: Transaction<DB>, itemId: string, stage: string, set: Partial<Selectable<ItemsTable>>) {
  return trx
    .updateTable('items')
    .set(set)
    .where('id', '=', itemId)
    .where('state', '=', 'pending')
    .where('stage', '=', stage)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('tasks')
          .select('tasks.id')
          .whereRef('tasks.id', '=', 'items.task_id')
          .where('tasks.status', 'in', ['INITIALIZING', 'RUNNING'])
          .where('tasks.abort_requested_at', 'is', null),
      ),
    )
    .returning(['task_id', 'dataset_id', 'kind'])
    .executeTakeFirst();
}

/** The item's task was asked to abort while its outcome was being recorded: nothing is recorded. */
class AbortedMeanwhile extends Error {}

/** Runs an item's outcome transaction, then tells the change feed once it has committed. */
export async function countedOutcome(
  db: Kysely<DB>,
  changed: (datasetId: string) => void,
  fn: (trx: Transaction<DB>) => Promise<ItemOutcome & { datasetId?: string }>,
): Promise<ItemOutcome> {
  let result;
  try {
    result = await db.transaction().execute(fn);
  } catch (err) {
    if (err instanceof AbortedMeanwhile) return notApplied;
    throw err;
  }
  const { datasetId, ...outcome } = result;
  if (datasetId !== undefined) changed(datasetId);
  return outcome;
}

/** Images whose annotations one statement sets: three parameters each, far below either dialect's limit. */
const ANNOTATION_BATCH = 1000;

export function itemsRepo(db: Kysely<DB>, d: DialectHelpers, changed: (datasetId: string) => void): ItemsRepo {
  const counted = (fn: (trx: Transaction<DB>) => Promise<ItemOutcome & { datasetId?: string }>) => countedOutcome(db, changed, fn);

  return {
    async insertMany(items) {
      if (items.length === 0) return;
      const created = isoMicros();
      const rows = items.map((i) => ({
        id: randomUUID(),
        dataset_id: i.datasetId,
        task_id: i.taskId,
        kind: i.kind,
        parent_id: null,
        source_key: i.sourceKey,
        file_name: i.fileName,
        original_uri: i.originalUri,
        location: i.location,
        state: i.failure ? 'failed' : 'pending',
        stage: i.failure?.stage ?? i.stage,
        fail_stage: i.failure?.stage ?? null,
        fail_reason: i.failure?.reason ?? null,
        size_bytes: i.sizeBytes,
        format: null,
        width: null,
        height: null,
        exif: null,
        byte_hash: null,
        phash: null,
        quality: null,
        thumb_key: null,
        frame_index: null,
        frame_timestamp: null,
        video: null,
        created_at: created,
      }));
      const failedDatasets = await db.transaction().execute(async (trx) => {
        // Items refused at listing time count as failed units right away; only rows this call
        // inserted count, so a repeated listing counts nothing twice.
        const failedByTask = new Map<string, { n: number; datasetId: string }>();
        for (const chunk of chunkRows(d, rows)) {
          const res = await trx
            .insertInto('items')
            .values(chunk)
            .onConflict((oc) => oc.columns(['task_id', 'source_key']).doNothing())
            .returning(['state', 'task_id', 'dataset_id'])
            .execute();
          for (const r of res) {
            if (r.state !== 'failed') continue;
            const seen = failedByTask.get(r.task_id);
            failedByTask.set(r.task_id, { n: (seen?.n ?? 0) + 1, datasetId: r.dataset_id });
          }
        }
        for (const [taskId, { n }] of failedByTask) {
          await trx.updateTable('tasks').set({ failed: sql`failed + ${n}` }).where('id', '=', taskId).execute();
        }
        const datasetIds = [...new Set([...failedByTask.values()].map((v) => v.datasetId))];
        if (datasetIds.length > 0) await trx.updateTable('datasets').set({ revision: sql`revision + 1` }).where('id', 'in', datasetIds).execute();
        return datasetIds;
      });
      for (const id of failedDatasets) changed(id);
    },

    async get(id) {
      const r = await db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toItem(r) : null;
    },

    async page(datasetId, afterId, limit) {
      const rows = await db.selectFrom('items').selectAll().where('dataset_id', '=', datasetId).where('id', '>', afterId).orderBy('id').limit(limit).execute();
      return rows.map(toItem);
    },

    async pendingIds(taskId, stage, afterId, limit) {
      const rows = await db
        .selectFrom('items')
        .select('id')
        .where('task_id', '=', taskId)
        .where('state', '=', 'pending')
        .where('stage', '=', stage)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },

    async completeImage(itemId, stage, facts, imported, enriched) {
      return counted(async (trx) => {
        const set = { state: 'done', ...factColumns(facts), ...(imported && annotationColumns(imported)), ...enrichmentColumns(enriched) };
        const row = await claimFinish(trx, itemId, stage, set);
        if (!row) return notApplied;
        await trx.insertInto('embeddings').values(embeddingRow(itemId, row.dataset_id, facts.embedding)).execute();
        const image = await trx.selectFrom('items').selectAll().where('id', '=', itemId).executeTakeFirstOrThrow();
        if (imported) {
          await insertObjectsAndLabels(trx, d, image, stage, { objects: imported.objects, labels: imported.labels.map((label) => ({ label, confidence: 1 })), imported: true });
          if (imported.caption !== null) await insertCaption(trx, image, { text: imported.caption, source: 'ANNOTATIONS', model: null });
        }
        if (enriched !== undefined && 'result' in enriched) await insertEnrichment(trx, d, image, stage, enriched.result);
        return countUnit(trx, row, { failed: false, images: 1, videos: 0, frames: 0, objects: (imported?.objects.length ?? 0) + objectsOf(enriched) });
      });
    },

    async listedNames(taskId) {
      return db
        .selectFrom('items')
        .select(['id', 'file_name as fileName', 'kind'])
        .where('task_id', '=', taskId)
        .where('parent_id', 'is', null)
        .where('state', '!=', 'failed')
        .orderBy('id')
        .execute();
    },

    async setAnnotations(annotations) {
      const entries = [...annotations];
      // One statement per batch, joined with the batch's (id, JSON) rows: an UPDATE per image
      // cost a statement each (bench/README.md, "Keeping imported annotations").
      for (let i = 0; i < entries.length; i += ANNOTATION_BATCH) {
        const batch = entries.slice(i, i + ANNOTATION_BATCH);
        const rows = sql.join(batch.map(([id, a]) => sql`(${id}, ${JSON.stringify(a)})`));
        // VALUES names its columns column1, column2 on both dialects.
        await sql`update items set annotations = v.column2 from (values ${rows}) as v
                  where items.id = v.column1 and items.state = 'pending'`.execute(db);
      }
    },

    async completeVideo(itemId, stage, video, frames) {
      return counted(async (trx) => {
        const row = await claimFinish(trx, itemId, stage, { state: 'done', video: JSON.stringify(video) });
        if (!row) return notApplied;
        const parent = await trx.selectFrom('items').select(['file_name', 'original_uri', 'task_id']).where('id', '=', itemId).executeTakeFirstOrThrow();
        const created = isoMicros();
        const rows = frames.map((f) => ({
          id: f.id,
          dataset_id: row.dataset_id,
          task_id: parent.task_id,
          kind: 'video_frame',
          parent_id: itemId,
          source_key: `${itemId}#${f.frameIndex}`,
          file_name: parent.file_name,
          original_uri: parent.original_uri,
          location: f.location,
          state: 'done',
          stage,
          fail_stage: null,
          fail_reason: null,
          size_bytes: f.sizeBytes ?? null,
          frame_index: f.frameIndex,
          frame_timestamp: f.frameTimestamp,
          video: null,
          created_at: created,
          ...factColumns(f),
          ...enrichmentColumns(f.enriched),
        }));
        for (const chunk of chunkRows(d, rows)) await trx.insertInto('items').values(chunk).execute();
        const vectors = frames.map((f) => embeddingRow(f.id, row.dataset_id, f.embedding));
        for (const chunk of chunkRows(d, vectors)) await trx.insertInto('embeddings').values(chunk).execute();
        for (const [i, f] of frames.entries()) {
          if (f.enriched !== undefined && 'result' in f.enriched) await insertEnrichment(trx, d, { ...rows[i]!, annotations: null }, stage, f.enriched.result);
        }
        const objects = frames.reduce((n, f) => n + objectsOf(f.enriched), 0);
        return countUnit(trx, row, { failed: false, images: 0, videos: 1, frames: frames.length, objects });
      });
    },

    async fail(itemId, stage, reason) {
      return counted(async (trx) => {
        const row = await claimFinish(trx, itemId, stage, { state: 'failed', fail_stage: stage, fail_reason: reason });
        if (!row) return notApplied;
        return countUnit(trx, row, { failed: true });
      });
    },

    async countListed(taskId) {
      const r = await db
        .selectFrom('items')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('task_id', '=', taskId)
        .where('parent_id', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    async failures(datasetId, offset, limit) {
      const rows = await db
        .selectFrom('items')
        .select(['file_name', 'original_uri', 'fail_stage', 'fail_reason'])
        .where('dataset_id', '=', datasetId)
        .where('fail_reason', 'is not', null)
        .orderBy('created_at')
        .orderBy('id')
        .offset(offset)
        .limit(limit)
        .execute();
      return rows.map((r) => ({ fileName: r.file_name, originalUri: r.original_uri, stage: r.fail_stage ?? '', reason: r.fail_reason ?? '' }));
    },

    async countFailures(datasetId) {
      const r = await db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n')).where('dataset_id', '=', datasetId).where('fail_reason', 'is not', null).executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
