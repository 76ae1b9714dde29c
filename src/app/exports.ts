import { DomainError } from '../domain/errors.ts';
import type { ClusterSelection, ExportFormat, ExportTask, MediaSelection } from '../domain/export.ts';
import type { User } from '../domain/types.ts';
import { parseVql } from '../domain/vql.ts';
import type { AppContext } from './context.ts';
import { visibleDataset } from './datasets.ts';
import { exportJob } from './export/export-job.ts';

export const EXPORT_NOT_FOUND = 'Export not found (finished exports are deleted after a while; start a new one)';
/** Media ids one entities export may list, in all: they travel in the query of every page read. */
export const MAX_SELECTED_IDS = 10_000;

export interface ExportOptions {
  format: ExportFormat;
  includeImages: boolean;
  fileName?: string;
}

/** The zip's name: the caller's, or the dataset's, made safe for a download header and any file system. */
function zipNameOf(given: string | undefined, datasetName: string): string {
  const base = (given ?? datasetName)
    .replace(/\.zip$/i, '')
    .replace(/[^\p{L}\p{N}._ -]+/gu, '_')
    .trim()
    .slice(0, 120);
  return `${base === '' || /^\.+$/.test(base) ? 'export' : base}.zip`;
}

async function startExport(ctx: AppContext, user: User, datasetId: string, options: ExportOptions, selection: MediaSelection | null): Promise<{ id: string }> {
  const dataset = await visibleDataset(ctx, user, datasetId);
  if (dataset.status === 'DRAFT' || dataset.status === 'INDEXING') {
    throw new DomainError('CONFLICT', `Export is not available while the dataset is ${dataset.status}`);
  }
  if (selection !== null) await requireSelectable(ctx, datasetId, selection);
  const task = await ctx.store.exports.create({
    datasetId,
    createdBy: user.id,
    format: options.format,
    includeImages: options.includeImages,
    fileName: zipNameOf(options.fileName, dataset.displayName),
    selection,
  });
  await ctx.queue.send([exportJob(task.id)]);
  return { id: task.id };
}

/**
 * Every listed media id is an indexed image or frame of the dataset and every listed cluster
 * exists: a mistyped id is a 404 now, not an export that silently leaves it out.
 */
async function requireSelectable(ctx: AppContext, datasetId: string, selection: MediaSelection): Promise<void> {
  const { mediaIds } = selection;
  // A count first: the records themselves are read only to name what is missing.
  if (mediaIds.length > 0 && (await ctx.store.media.countSelected(datasetId, { mediaIds, clusters: [] })) < mediaIds.length) {
    const found = new Set((await ctx.store.media.selected(datasetId, { mediaIds, clusters: [] }, '', mediaIds.length)).map((r) => r.item.id));
    const missing = mediaIds.filter((m) => !found.has(m));
    const named = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ', …' : '');
    throw new DomainError('NOT_FOUND', `${missing.length} of the selected media ids are not indexed media of this dataset: ${named}`);
  }
  for (const c of selection.clusters) {
    const whole = { ...c, filters: [], excludedIds: [] };
    if ((await ctx.store.media.countSelected(datasetId, { mediaIds: [], clusters: [whole] })) === 0) {
      throw new DomainError('NOT_FOUND', `Cluster ${c.granularity}-${c.clusterId} not found in this dataset (cluster ids come from explore)`);
    }
  }
}

/** GET export_context_async: every indexed item of the dataset. */
export function exportDataset(ctx: AppContext, user: User, datasetId: string, options: ExportOptions): Promise<{ id: string }> {
  return startExport(ctx, user, datasetId, options, null);
}

export type SelectionEntry =
  | { type: 'media'; payload: { media_ids: string[] } }
  | { type: 'cluster'; payload: { cluster_id: string; vql?: unknown[]; excluded_media_ids?: string[] } };

/** A cluster entry of the selection, the `index`-th of `media_selection` (where its VQL's problems are located). */
function clusterSelectionOf(payload: { cluster_id: string; vql?: unknown[]; excluded_media_ids?: string[] }, index: number): ClusterSelection {
  const m = /^([0-4])-(\d{1,9})$/.exec(payload.cluster_id);
  if (!m) throw new DomainError('BAD_REQUEST', `cluster_id must be a cluster id as explore returns it ("<threshold>-<n>"), not ${JSON.stringify(payload.cluster_id)}`);
  return {
    granularity: Number(m[1]),
    clusterId: Number(m[2]),
    filters: payload.vql === undefined ? [] : parseVql(JSON.stringify(payload.vql), ['body', 'media_selection', index, 'payload', 'vql']),
    excludedIds: payload.excluded_media_ids ?? [],
  };
}

/** POST export_entities_async: the listed media, and the members of the listed clusters less their exclusions. */
export function exportEntities(ctx: AppContext, user: User, datasetId: string, options: ExportOptions, entries: readonly SelectionEntry[]): Promise<{ id: string }> {
  const selection: MediaSelection = { mediaIds: [], clusters: [] };
  for (const [i, e] of entries.entries()) {
    if (e.type === 'media') selection.mediaIds.push(...e.payload.media_ids);
    else selection.clusters.push(clusterSelectionOf(e.payload, i));
  }
  const ids = selection.mediaIds.length + selection.clusters.reduce((n, c) => n + c.excludedIds.length, 0);
  if (ids > MAX_SELECTED_IDS) throw new DomainError('BAD_REQUEST', `A selection may name at most ${MAX_SELECTED_IDS} media ids; export the dataset or whole clusters instead`);
  selection.mediaIds = [...new Set(selection.mediaIds)];
  return startExport(ctx, user, datasetId, options, selection);
}

/** The export if the caller started it (or is an admin) and it has not expired; NOT_FOUND otherwise. */
async function visibleExport(ctx: AppContext, user: User, datasetId: string, exportId: string): Promise<ExportTask> {
  await visibleDataset(ctx, user, datasetId);
  const task = await ctx.store.exports.get(exportId);
  const mine = task !== null && task.datasetId === datasetId && (task.createdBy === user.id || user.role === 'admin');
  if (!mine || (task.expiresAt !== null && task.expiresAt <= Date.now())) throw new DomainError('NOT_FOUND', EXPORT_NOT_FOUND);
  return task;
}

export const downloadUriOf = (task: ExportTask) => `/api/v1/dataset/${task.datasetId}/export_download/${task.id}`;

/** GET export_status: Visual Layer's fields, then when the file expires. */
export async function exportStatus(ctx: AppContext, user: User, datasetId: string, exportId: string) {
  const task = await visibleExport(ctx, user, datasetId, exportId);
  return {
    id: task.id,
    dataset_id: task.datasetId,
    status: task.status,
    progress: task.progress,
    download_uri: task.status === 'COMPLETED' ? downloadUriOf(task) : null,
    result_message: task.resultMessage,
    export_format: task.format,
    include_images: task.includeImages,
    file_name: task.fileName,
    size_bytes: task.sizeBytes,
    created_at: task.createdAt,
    finished_at: task.endedAt,
    expires_at: task.expiresAt === null ? null : new Date(task.expiresAt).toISOString().replace('Z', ''),
  };
}

/** The finished zip, streamed from the blob store. */
export async function exportDownload(ctx: AppContext, user: User, datasetId: string, exportId: string) {
  const task = await visibleExport(ctx, user, datasetId, exportId);
  if (task.status !== 'COMPLETED' || task.blobKey === null) throw new DomainError('CONFLICT', `The export is ${task.status}, not COMPLETED`);
  const blob = await ctx.blobs.read(task.blobKey);
  if (blob === null) throw new DomainError('NOT_FOUND', EXPORT_NOT_FOUND);
  return { stream: blob.stream, size: blob.size, fileName: task.fileName };
}
