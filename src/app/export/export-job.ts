import { DomainError } from '../../domain/errors.ts';
import type { ExportTask } from '../../domain/export.ts';
import { isoMicros } from '../../lib/time.ts';
import type { JobHandler, OutgoingJob } from '../../ports/job-queue.ts';
import type { AppContext } from '../context.ts';
import { METADATA_SCHEMA_VERSION, type ExportInfo } from './metadata.ts';
import { writeExportZip } from './write-export-zip.ts';
import { startSweeper } from '../../lib/sweeper.ts';
import { abortMessage } from '../../domain/tasks.ts';
import { OperationAborted, stopIfAborted } from '../../pipeline/abort.ts';

/** Where an export's zip lives: under its dataset, so deleting the dataset deletes it too. */
export const exportKeyOf = (task: ExportTask): string => `datasets/${task.datasetId}/exports/${task.id}.zip`;

export function exportJob(exportId: string): OutgoingJob<'export'> {
  return { name: 'export', payload: { exportId }, options: { singletonKey: `export:${exportId}` } };
}

/** The `info` header of an export of `total` items of a dataset, made by `userId`. */
export async function exportInfo(ctx: AppContext, datasetId: string, userId: string, total: number): Promise<ExportInfo> {
  const dataset = await ctx.store.datasets.get(datasetId);
  if (dataset === null) throw new DomainError('NOT_FOUND', 'The dataset was deleted');
  const user = await ctx.store.users.findById(userId);
  return {
    schema_version: METADATA_SCHEMA_VERSION,
    dataset: dataset.displayName,
    description: dataset.description,
    dataset_url: `/api/v1/dataset/${dataset.id}`,
    export_time: isoMicros(),
    dataset_creation_time: dataset.createdAt,
    exported_by: user?.email ?? '',
    total_media_items: total,
  };
}

/**
 * Builds the export's zip and records the outcome; a restarted job starts the zip afresh. An
 * abort asked for on its task stops it before it starts and between pages of items.
 */
async function runExport(ctx: AppContext, task: ExportTask): Promise<void> {
  await stopIfAborted(ctx.pipeline, task.id);
  const total = await ctx.store.media.countSelected(task.datasetId, task.selection);
  const info = await exportInfo(ctx, task.datasetId, task.createdBy, total);
  await ctx.store.exports.setProgress(task.id, 0);
  let shown = 0;
  const key = exportKeyOf(task);
  const { sizeBytes, missingImages } = await writeExportZip(ctx, { ...task, info }, key, async (done) => {
    await stopIfAborted(ctx.pipeline, task.id);
    // Below 100 until the zip is stored; written only when the percentage moves.
    const percent = Math.min(99, Math.floor((done / Math.max(1, total)) * 100));
    if (percent > shown) await ctx.store.exports.setProgress(task.id, (shown = percent));
  });
  const message = `Exported ${total} media item${total === 1 ? '' : 's'}${missingImages > 0 ? `; ${missingImages} image file(s) no longer at their source were left out` : ''}`;
  await ctx.store.exports.complete(task.id, { blobKey: key, sizeBytes, message, expiresAt: Date.now() + ctx.config.exportTtlSeconds * 1000 });
  // Deleted with its dataset while it ran: the zip written since has no owner left.
  if ((await ctx.store.exports.get(task.id)) === null) await ctx.blobs.deletePrefix(key);
}

export function exportJobHandler(ctx: AppContext): JobHandler<'export'> {
  return async ({ exportId }, job) => {
    const task = await ctx.store.exports.get(exportId);
    if (task === null || task.status === 'COMPLETED' || task.status === 'FAILED') return { status: 'skipped', reason: 'export ended' };
    try {
      await runExport(ctx, task);
      return { status: 'done' };
    } catch (err) {
      if (err instanceof OperationAborted) {
        await endAborted(ctx, exportId);
        return { status: 'done' };
      }
      if (!(err instanceof DomainError) && !job.isLastAttempt) throw err;
      const reason = `Export failed: ${err instanceof Error ? err.message : String(err)}`;
      ctx.logger.warn({ err, exportId }, 'export failed');
      await ctx.store.exports.end(exportId, 'FAILED', reason);
      return { status: 'failed', reason };
    }
  };
}

/** Ends an export whose abort was asked for: ABORTED as a task, FAILED on export_status, saying who. */
async function endAborted(ctx: AppContext, exportId: string): Promise<void> {
  const task = await ctx.store.tasks.get(exportId);
  const by = task?.abortRequestedBy ? await ctx.store.users.findById(task.abortRequestedBy) : null;
  await ctx.store.exports.end(exportId, 'ABORTED', abortMessage(by?.email ?? 'a user'));
  ctx.logger.info({ exportId }, 'export aborted');
}

/** After a restart: queues every export that had not finished (the database is the truth). */
export async function resumeExports(ctx: AppContext): Promise<number> {
  const ids = await ctx.store.exports.unfinished();
  if (ids.length > 0) await ctx.queue.send(ids.map(exportJob));
  return ids.length;
}

/** Deletes the exports (zip and record) whose time ran out by `now`, keeping their tasks as history; returns how many. */
export async function purgeExpiredExports(ctx: AppContext, now: number = Date.now()): Promise<number> {
  let purged = 0;
  for (;;) {
    const expired = await ctx.store.exports.expired(now, 100);
    if (expired.length === 0) return purged;
    for (const task of expired) {
      if (task.blobKey !== null) await ctx.blobs.deletePrefix(task.blobKey);
      await ctx.store.exports.delete(task.id);
      purged++;
    }
  }
}

/** Purges expired exports now and then every `everyMs`; the returned stop() waits for a purge under way. */
export function startExportSweeper(ctx: AppContext, everyMs: number): () => Promise<void> {
  return startSweeper(() => purgeExpiredExports(ctx).catch((err: unknown) => ctx.logger.warn({ err }, 'purging expired exports failed')), everyMs);
}
