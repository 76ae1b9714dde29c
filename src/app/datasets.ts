import { DomainError } from '../domain/errors.ts';
import type { Dataset, ItemFailure, User } from '../domain/types.ts';
import { isManifestPath } from '../media/sources/manifest-source.ts';
import { startOperation } from '../pipeline/operations.ts';
import type { AppContext } from './context.ts';
import { datasetView, type DatasetView } from './dataset-view.ts';
import type { CachedView } from './dataset-view-cache.ts';

export const DATASET_NOT_FOUND = 'Dataset not found';

/** The dataset if `user` may see it; otherwise NOT_FOUND, indistinguishable from a missing one. */
export async function visibleDataset(ctx: AppContext, user: User, id: string): Promise<Dataset> {
  return (await visibleView(ctx, user, id)).dataset;
}

/** The dataset with its current view, if `user` may see it (NOT_FOUND otherwise). */
export async function visibleView(ctx: AppContext, user: User, id: string): Promise<CachedView> {
  const cached = await ctx.viewCache.get(id);
  if (cached) {
    const { ownerId } = cached.dataset;
    if (ownerId === user.id || user.role === 'admin' || (await ctx.store.datasets.isSharedWith(id, user.id))) return cached;
  }
  throw new DomainError('NOT_FOUND', DATASET_NOT_FOUND);
}

export function requireWriter(user: User): void {
  if (user.role === 'viewer') throw new DomainError('FORBIDDEN', 'Your role (viewer) does not allow changes');
}

/** A dataset the caller may change: visible, and the caller is owner or admin (or a writer it is shared with). */
export async function writableDataset(ctx: AppContext, user: User, id: string): Promise<Dataset> {
  const dataset = await visibleDataset(ctx, user, id);
  requireWriter(user);
  return dataset;
}

export async function viewOf(ctx: AppContext, dataset: Dataset): Promise<DatasetView> {
  const task = dataset.lastTaskId ? await ctx.store.tasks.get(dataset.lastTaskId) : null;
  return datasetView(dataset, task, ctx.storage.full);
}

export async function listDatasetViews(ctx: AppContext, user: User, sortBy: 'date' | 'name'): Promise<Array<Record<string, unknown>>> {
  const datasets = await ctx.store.datasets.listVisible(user, sortBy);
  return Promise.all(datasets.map(async (d) => (await viewOf(ctx, d)).body));
}

function checkName(name: string): string {
  const n = name.trim();
  if (n === '') throw new DomainError('BAD_REQUEST', 'dataset_name must not be empty');
  if (n.length > 255) throw new DomainError('BAD_REQUEST', 'dataset_name must be at most 255 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(n)) throw new DomainError('BAD_REQUEST', 'dataset_name must not contain control characters');
  return n;
}

export async function createFromBucket(ctx: AppContext, user: User, input: { name: string; bucketPath: string; description?: string }): Promise<{ dataset_id: string }> {
  requireWriter(user);
  const name = checkName(input.name);
  const bucketPath = input.bucketPath.trim();
  // Checked before the dataset exists, so a typo is a 400 now rather than an ERROR later.
  await ctx.sources.check(bucketPath);
  await requireMediaInFolder(ctx, bucketPath);
  const dataset = await ctx.store.datasets.create({ displayName: name, description: input.description ?? '', sourceType: 'BUCKET', sourceUri: bucketPath, ownerId: user.id });
  await startOperation(ctx.pipeline, dataset, 'CREATE', user.id);
  return { dataset_id: dataset.id };
}

/**
 * A local folder with no media file in it (empty, or holding other files only) is refused like
 * a missing one. The listing stops at the first media file, so a folder of media costs little
 * to check. A media file that cannot be read still counts, so its reason is recorded as a
 * failure. A bucket prefix is checked by `check` (S3 has no empty folders); a manifest's rows
 * are read by indexing.
 */
async function requireMediaInFolder(ctx: AppContext, bucketPath: string): Promise<void> {
  if (bucketPath.startsWith('s3://') || isManifestPath(bucketPath)) return;
  const source = await ctx.sources.open({ id: '', sourceUri: bucketPath }, { params: {} });
  const entries = source.list()[Symbol.asyncIterator]();
  const first = await entries.next();
  await entries.return?.();
  if (first.done) throw new DomainError('BAD_REQUEST', `Invalid path or no media files found at ${bucketPath}: the folder holds no media files (see the supported types in the README)`);
}

export async function createDraft(ctx: AppContext, user: User, name: string): Promise<{ dataset_id: string }> {
  requireWriter(user);
  const dataset = await ctx.store.datasets.create({ displayName: checkName(name), description: '', sourceType: 'UPLOAD', sourceUri: null, ownerId: user.id });
  return { dataset_id: dataset.id };
}

export async function deleteDataset(ctx: AppContext, user: User, id: string): Promise<void> {
  const dataset = await visibleDataset(ctx, user, id);
  if (dataset.ownerId !== user.id && user.role !== 'admin') throw new DomainError('FORBIDDEN', 'Only the owner or an admin may delete a dataset');
  const task = dataset.lastTaskId ? await ctx.store.tasks.get(dataset.lastTaskId) : null;
  if (task && (task.status === 'RUNNING' || task.status === 'INITIALIZING')) {
    throw new DomainError('CONFLICT', `Dataset cannot be deleted while ${task.operation === 'CREATE' ? 'DATASET_CREATION' : task.operation} task is running`);
  }
  // Enrichment copies read the source's files in place (SPEC §8): those files must outlive them.
  const copies = await ctx.store.enrichment.copiesOf(id);
  if (copies.length > 0) throw new DomainError('CONFLICT', `Dataset cannot be deleted while enrichment copies use its media (${copies.join(', ')}): delete them first`);
  if (!(await ctx.store.datasets.markDeleting(id))) throw new DomainError('CONFLICT', 'The dataset changed state meanwhile; try again');
  await purgeDataset(ctx, id);
}

/**
 * The rest of a delete, once the dataset is marked: its blobs (uploads, thumbnails, frames,
 * vector index: all under one prefix), then its rows. The rows go last, so a process killed
 * in between leaves the mark, and resumeDeletions finishes the job at the next start.
 */
async function purgeDataset(ctx: AppContext, id: string): Promise<void> {
  await ctx.blobs.deletePrefix(`datasets/${id}`);
  await ctx.store.datasets.delete(id);
}

/** At start: finishes the deletes a crash interrupted. Returns how many there were. */
export async function resumeDeletions(ctx: AppContext): Promise<number> {
  const ids = await ctx.store.datasets.listDeleting();
  for (const id of ids) await purgeDataset(ctx, id);
  return ids.length;
}

export async function listFailures(ctx: AppContext, user: User, id: string, page: { offset: number; limit: number }): Promise<{ errors: ItemFailure[]; total: number }> {
  await visibleDataset(ctx, user, id);
  const [errors, total] = await Promise.all([ctx.store.items.failures(id, page.offset, page.limit), ctx.store.items.countFailures(id)]);
  return { errors, total };
}
