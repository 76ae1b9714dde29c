import { isAnnotationFileName } from '../domain/annotations.ts';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../domain/errors.ts';
import type { Dataset, User } from '../domain/types.ts';
import { archiveEntries } from '../media/archive-entries.ts';
import { startSweeper } from '../lib/sweeper.ts';
import { mediaKindOf } from '../media/media-types.ts';
import { startOperation, stateWhenStarting } from '../pipeline/operations.ts';
import type { AppContext } from './context.ts';
import { writableDataset } from './datasets.ts';
import { storeUpload } from './ingestion.ts';

/** Visual Layer's wording (SPEC §6). */
export const EXACTLY_ONE_SOURCE = 'Exactly one media source must be provided: files[], s3_uri, or archive';
const invalidUri = (uri: string, reason: string) => new DomainError('BAD_REQUEST', `Invalid S3 URI or no media files found at ${uri} (${reason})`);

/**
 * How long an add_media request's upload transaction outlives the last sign that the request
 * is alive. The request renews it three times as often; a process killed mid-request stops
 * renewing, and its stored files are reclaimed once the lease has run out (reclaimAbandonedBatches).
 */
export const BATCH_LEASE_MS = 60_000;

export interface AddMediaStarted {
  dataset_id: string;
  task_id: string;
  status: 'READ ONLY';
  files_received: number;
}

/** Checks, before any bytes are read, that the caller may add media to the dataset now. */
export async function beginAddMedia(ctx: AppContext, user: User, datasetId: string): Promise<Dataset> {
  const dataset = await writableDataset(ctx, user, datasetId);
  await stateWhenStarting(ctx.pipeline, dataset, 'ADD_MEDIA');
  return dataset;
}

/**
 * The sources of one add_media request, gathered as its multipart parts arrive (in any order):
 * files stream into an upload transaction of their own, an archive to a scratch file. start()
 * checks that exactly one source came, unpacks an archive into the transaction, and starts the
 * operation; discard() removes whatever a refused request left.
 */
export class MediaBatch {
  readonly #ctx: AppContext;
  readonly #dataset: Dataset;
  #transId: number | null = null;
  #files = 0;
  #mediaFiles = 0;
  #archives = 0;
  #archivePath: string | null = null;
  #renewing: NodeJS.Timeout | null = null;

  constructor(ctx: AppContext, dataset: Dataset) {
    this.#ctx = ctx;
    this.#dataset = dataset;
  }

  async #transaction(): Promise<number> {
    if (this.#transId === null) {
      const transId = await this.#ctx.store.uploads.openTransaction(this.#dataset.id, BATCH_LEASE_MS);
      this.#transId = transId;
      const renew = () => this.#ctx.store.uploads.renewLease(this.#dataset.id, transId, BATCH_LEASE_MS).catch((err: unknown) => this.#ctx.logger.warn({ err, transId }, 'could not renew an add_media lease'));
      this.#renewing = setInterval(renew, BATCH_LEASE_MS / 3);
      this.#renewing.unref();
    }
    return this.#transId;
  }

  #stopRenewing(): void {
    if (this.#renewing !== null) clearInterval(this.#renewing);
    this.#renewing = null;
  }

  /** Stores one file of the `files` source. */
  async addFile(fileName: string, data: Readable): Promise<void> {
    this.#files++;
    if (mediaKindOf(fileName) !== null) this.#mediaFiles++;
    await storeUpload(this.#ctx, this.#dataset, await this.#transaction(), fileName, data);
  }

  /** Keeps the `archive` source in a scratch file until start(); a second archive is counted and drained. */
  async addArchive(data: Readable): Promise<void> {
    if (++this.#archives > 1) {
      data.resume();
      return;
    }
    const path = join(this.#ctx.pipeline.tmpDir, `archive-${randomUUID()}`);
    this.#archivePath = path;
    const max = this.#ctx.config.archive.maxBytes;
    let bytes = 0;
    const capped = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        cb(bytes > max ? new DomainError('PAYLOAD_TOO_LARGE', `The archive is larger than ${max} bytes`) : null, chunk);
      },
    });
    await pipeline(data, capped, createWriteStream(path));
  }

  async start(user: User, input: { s3Uri: string | null; autoReindex: boolean }): Promise<AddMediaStarted> {
    try {
      return await this.#start(user, input);
    } finally {
      this.#stopRenewing();
    }
  }

  async #start(user: User, input: { s3Uri: string | null; autoReindex: boolean }): Promise<AddMediaStarted> {
    const sources = (this.#files > 0 ? 1 : 0) + this.#archives + (input.s3Uri !== null ? 1 : 0);
    if (sources !== 1) throw new DomainError('BAD_REQUEST', EXACTLY_ONE_SOURCE);
    let params: Record<string, unknown>;
    if (input.s3Uri !== null) {
      await this.#checkUri(input.s3Uri);
      params = { sourceUri: input.s3Uri };
    } else {
      if (this.#archivePath !== null) await this.#unpackArchive(this.#archivePath);
      else if (this.#mediaFiles === 0) throw new DomainError('BAD_REQUEST', `No media files among the ${this.#files} uploaded files (see the supported types in the README)`);
      const transId = await this.#transaction();
      await this.#ctx.store.uploads.submitTransaction(this.#dataset.id, transId);
      params = { transId };
    }
    const task = await startOperation(this.#ctx.pipeline, this.#dataset, 'ADD_MEDIA', user.id, { ...params, autoReindex: input.autoReindex });
    await this.#removeArchive();
    return { dataset_id: this.#dataset.id, task_id: task.id, status: 'READ ONLY', files_received: this.#mediaFiles };
  }

  /** Removes what a refused request stored: the scratch archive, and the files of its transaction. */
  async discard(): Promise<void> {
    this.#stopRenewing();
    await this.#removeArchive();
    if (this.#transId !== null) {
      await this.#ctx.store.uploads.submitTransaction(this.#dataset.id, this.#transId);
      await this.#ctx.blobs.deletePrefix(`datasets/${this.#dataset.id}/uploads/${this.#transId}/`);
    }
  }

  async #removeArchive(): Promise<void> {
    if (this.#archivePath !== null) await rm(this.#archivePath, { force: true });
    this.#archivePath = null;
  }

  /**
   * Stores the archive's media entries and annotation files in the transaction, under generated
   * keys; the entry's path inside the archive ("trip/day 1/a.jpg", without "." segments) is its
   * file name, only metadata, as for an uploaded folder. Other entries, and the resource forks and hidden files
   * archivers add, are left out: they are not media of the dataset.
   */
  async #unpackArchive(path: string): Promise<void> {
    const { maxEntries, maxExpandedBytes } = this.#ctx.config.archive;
    const limits = { maxEntries, maxEntryBytes: this.#ctx.config.maxUploadFileBytes, maxTotalBytes: maxExpandedBytes };
    for await (const entry of archiveEntries(path, limits)) {
      const name = basename(entry.path);
      if (entry.path.split('/').includes('__MACOSX') || name.startsWith('.') || (mediaKindOf(name) === null && !isAnnotationFileName(name))) {
        await pipeline(entry.stream, devNull());
        continue;
      }
      await this.addFile(entry.path.split('/').filter((s) => s !== '' && s !== '.').join('/'), entry.stream);
    }
    if (this.#mediaFiles === 0) throw new DomainError('BAD_REQUEST', 'No media files found in the archive');
  }

  /** A folder, manifest or S3 prefix must hold at least one media file: listed up to the first one. */
  async #checkUri(uri: string): Promise<void> {
    try {
      await this.#ctx.sources.check(uri);
      const source = await this.#ctx.sources.open(this.#dataset, { params: { sourceUri: uri } });
      for await (const entry of source.list()) if (entry.refused === undefined) return;
    } catch (err) {
      if (err instanceof DomainError && err.code === 'BAD_REQUEST') throw invalidUri(uri, err.message);
      throw err;
    }
    throw invalidUri(uri, 'no media files there');
  }
}

/**
 * Removes the upload transactions of add_media requests whose process died while their files
 * streamed in (the lease ran out): their rows and stored files. The dataset never left its
 * state — the operation starts only once the request has all its files — so nothing else is
 * left to undo. Returns how many were reclaimed.
 */
export async function reclaimAbandonedBatches(ctx: AppContext): Promise<number> {
  let reclaimed = 0;
  for (const { datasetId, transId } of await ctx.store.uploads.expiredLeases()) {
    if (!(await ctx.store.uploads.dropExpired(datasetId, transId))) continue;
    await ctx.blobs.deletePrefix(`datasets/${datasetId}/uploads/${transId}/`);
    reclaimed++;
  }
  return reclaimed;
}

/** Runs reclaimAbandonedBatches now and every half lease; stop() waits for a sweep under way. */
export function startBatchReclaimer(ctx: AppContext): () => Promise<void> {
  const sweep = () =>
    reclaimAbandonedBatches(ctx).then(
      (n) => n > 0 && ctx.logger.info({ transactions: n }, 'reclaimed the files of add_media requests cut off by a crash'),
      (err: unknown) => ctx.logger.warn({ err }, 'could not reclaim abandoned add_media uploads'),
    );
  return startSweeper(sweep, BATCH_LEASE_MS / 2);
}

const devNull = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });

/** Adds the media of one folder, manifest or S3 prefix (the on-prem API's form of add_media). */
export async function addMediaFrom(ctx: AppContext, user: User, datasetId: string, input: { uri: string; autoReindex: boolean }): Promise<AddMediaStarted> {
  const dataset = await beginAddMedia(ctx, user, datasetId);
  return new MediaBatch(ctx, dataset).start(user, { s3Uri: input.uri, autoReindex: input.autoReindex });
}

export async function reindexDataset(ctx: AppContext, user: User, datasetId: string): Promise<{ dataset_id: string; task_id: string; status: 'READ ONLY' }> {
  const dataset = await writableDataset(ctx, user, datasetId);
  const task = await startOperation(ctx.pipeline, dataset, 'REINDEX', user.id);
  return { dataset_id: dataset.id, task_id: task.id, status: 'READ ONLY' };
}
