import { randomUUID } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import { DomainError } from '../domain/errors.ts';
import type { Dataset, User } from '../domain/types.ts';
import { sha256Passthrough } from '../lib/sha256.ts';
import { startOperation } from '../pipeline/operations.ts';
import type { AppContext } from './context.ts';
import { visibleDataset, writableDataset } from './datasets.ts';

/**
 * The four-step upload flow (SPEC §4): new_dataset → data_files (a transaction) → uploads →
 * process_files. Files stream straight to storage under a generated key; the client's name is
 * kept only as metadata, so no name can reach outside the data directory.
 */

// eslint-disable-next-line no-control-regex
const BAD_CHARS = /[\\\u0000-\u001f\u007f]/;

/**
 * A file's name, or its path relative to an uploaded folder ("trip/day 1/a.jpg", as a folder
 * dataset names its files). Only metadata: the bytes go under a generated key. Still, no
 * segment may be empty, "." or "..", and backslashes and control characters are refused, so
 * no name can read as a path out of anywhere.
 */
export function checkUploadName(name: string): string {
  if (name === '' || name === '.' || name === '..') throw new DomainError('BAD_REQUEST', 'Uploaded file has no usable name');
  if (BAD_CHARS.test(name) || name.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new DomainError('BAD_REQUEST', `Invalid file name ${JSON.stringify(name)}: a relative path of non-empty segments (no ".", "..", backslashes or control characters)`);
  }
  if (Buffer.byteLength(name) > 1024) throw new DomainError('BAD_REQUEST', 'Uploaded file name is too long');
  return name;
}

async function draftUpload(ctx: AppContext, user: User, datasetId: string): Promise<Dataset> {
  const dataset = await writableDataset(ctx, user, datasetId);
  if (dataset.sourceType !== 'UPLOAD') throw new DomainError('CONFLICT', 'This dataset was not created for uploads');
  if (dataset.status !== 'DRAFT') throw new DomainError('CONFLICT', `Uploads are not accepted while the dataset is ${dataset.status}`);
  return dataset;
}

export async function openTransaction(ctx: AppContext, user: User, datasetId: string): Promise<{ trans_id: number }> {
  const dataset = await draftUpload(ctx, user, datasetId);
  const transId = await ctx.store.uploads.openTransaction(dataset.id);
  await ctx.store.datasets.update(dataset.id, { uploadOpen: true });
  return { trans_id: transId };
}

async function openTransactionOf(ctx: AppContext, dataset: Dataset, transId: number): Promise<void> {
  const trans = await ctx.store.uploads.getTransaction(dataset.id, transId);
  if (!trans) throw new DomainError('NOT_FOUND', `Upload transaction ${transId} not found`);
  if (trans.state !== 'open') throw new DomainError('CONFLICT', `Upload transaction ${transId} was already submitted for processing`);
}

/** Checks, before any bytes are read, that uploads to this transaction are allowed. */
export async function beginUpload(ctx: AppContext, user: User, datasetId: string, transId: number): Promise<Dataset> {
  const dataset = await draftUpload(ctx, user, datasetId);
  await openTransactionOf(ctx, dataset, transId);
  return dataset;
}

/**
 * Streams one uploaded file to storage and records it in the transaction, once it is whole.
 * The same name with the same bytes again (a client resending a request a crash cut off) is
 * recorded once: `alreadyUploaded` says the transaction held it already.
 */
export async function storeUpload(ctx: AppContext, dataset: Dataset, transId: number, fileName: string, data: Readable): Promise<{ bytes: number; alreadyUploaded: boolean }> {
  const name = checkUploadName(fileName);
  const key = `datasets/${dataset.id}/uploads/${transId}/${randomUUID()}`;
  const hashing = sha256Passthrough();
  // pipeline() destroys the source with the hashing stream, whichever side fails.
  const hashed = pipeline(data, hashing.stream, () => {});
  try {
    const bytes = await ctx.blobs.put(key, hashed, { maxBytes: ctx.config.maxUploadFileBytes });
    const outcome = await ctx.store.uploads.add({ datasetId: dataset.id, transId, fileName: name, blobKey: key, sizeBytes: bytes, sha256: hashing.digest() });
    if (outcome !== 'added') await ctx.blobs.deletePrefix(key);
    if (outcome !== 'closed') return { bytes, alreadyUploaded: outcome === 'duplicate' };
    throw new DomainError('CONFLICT', `Upload transaction ${transId} was submitted for processing while "${name}" was uploading; it was not added (upload it in a new transaction)`);
  } catch (err) {
    await refuseIfDeleted(ctx, dataset);
    throw err;
  }
}

/** The files a transaction holds, in upload order: what a client resuming a cut upload need not send again. */
export async function listTransactionFiles(ctx: AppContext, user: User, datasetId: string, transId: number, page: { after: number; limit: number }) {
  const dataset = await visibleDataset(ctx, user, datasetId);
  const trans = await ctx.store.uploads.getTransaction(dataset.id, transId);
  if (!trans) throw new DomainError('NOT_FOUND', `Upload transaction ${transId} not found`);
  const files = await ctx.store.uploads.page(dataset.id, transId, page.after, page.limit);
  return {
    trans_id: transId,
    state: trans.state,
    files: files.map((f) => ({ id: f.id, file_name: f.fileName, size_bytes: f.sizeBytes, sha256: f.sha256 })),
  };
}

/**
 * A dataset deleted while a file streamed in: its folder and rows are gone, which is the
 * answer; whatever the write put back is removed with them.
 */
async function refuseIfDeleted(ctx: AppContext, dataset: Dataset): Promise<void> {
  if ((await ctx.store.datasets.get(dataset.id)) !== null) return;
  await ctx.blobs.deletePrefix(`datasets/${dataset.id}/`);
  throw new DomainError('NOT_FOUND', 'The dataset was deleted during the upload');
}

export async function processFiles(ctx: AppContext, user: User, datasetId: string, transId: number): Promise<void> {
  const dataset = await draftUpload(ctx, user, datasetId);
  await openTransactionOf(ctx, dataset, transId);
  await ctx.store.uploads.submitTransaction(dataset.id, transId);
  await startOperation(ctx.pipeline, dataset, 'CREATE', user.id, { transId });
}
