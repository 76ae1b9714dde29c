import { mkdirSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { createSecretBox, loadOrCreateKey, parseKey } from './app/auth/secret-box.ts';
import type { AppContext } from './app/context.ts';
import { createStatusHub } from './app/status-hub.ts';
import { createDatasetViewCache } from './app/dataset-view-cache.ts';
import type { Config } from './config/config.ts';
import { DomainError } from './domain/errors.ts';
import { createInprocessQueue } from './jobs/inprocess/inprocess-queue.ts';
import { createLocalBlobStore } from './media/blob/local-blob-store.ts';
import { createMediaProcessor } from './media/media-processor.ts';
import { isInside, realRoots, resolveImportPath } from './media/sources/import-roots.ts';
import { localFolderSource } from './media/sources/local-folder-source.ts';
import { manifestSource } from './media/sources/manifest-source.ts';
import { uploadSource } from './media/sources/upload-source.ts';
import type { PipelineDeps } from './pipeline/deps.ts';
import { MediaFailure } from './ports/media-processor.ts';
import type { MediaSource } from './ports/media-source.ts';
import { createSqliteStore } from './store/create-store.ts';

/**
 * The composition root: the only place that picks concrete backends. Everything else receives
 * them through the AppContext.
 */
export async function createContainer(config: Config, logger: Logger = pino({ level: config.logLevel })): Promise<AppContext> {
  mkdirSync(config.dataDir, { recursive: true });
  const store = await createSqliteStore(config.dataDir);
  const blobs = createLocalBlobStore(join(config.dataDir, 'blobs'));
  const queue = createInprocessQueue({ jobs: store.jobs, logger, retryLimit: config.jobRetryLimit });
  const media = createMediaProcessor(config);
  const secretBox = createSecretBox(config.secretKey !== null ? parseKey(config.secretKey) : loadOrCreateKey(join(config.dataDir, 'secret.key')));
  const tmpDir = join(config.dataDir, 'tmp');
  mkdirSync(tmpDir, { recursive: true });

  async function openSource(dataset: { sourceUri: string | null; id: string }, task: { params: Record<string, unknown> }): Promise<MediaSource> {
    const transId = task.params.transId;
    if (typeof transId === 'number') return uploadSource(store.uploads, dataset.id, transId);
    if (dataset.sourceUri === null) throw new DomainError('BAD_REQUEST', 'The dataset has no source to read');
    const real = await resolveImportPath(dataset.sourceUri, config.importRoots);
    const roots = await realRoots(config.importRoots);
    return (await stat(real)).isDirectory() ? localFolderSource(real, roots) : manifestSource(real, roots);
  }

  async function openLocation(location: string): Promise<{ path: string; release(): Promise<void> }> {
    if (location.startsWith('blob:')) return blobs.localFile(location.slice(5));
    if (location.startsWith('file:')) {
      // Checked again at read time: a file may have been swapped for a symlink since listing.
      const real = await realpath(location.slice(5));
      if (!isInside(real, await realRoots(config.importRoots))) throw new MediaFailure('file is outside the import roots');
      return { path: real, release: async () => {} };
    }
    throw new Error(`unknown item location: ${location}`);
  }

  const pipeline: PipelineDeps = { store, queue, blobs, media, logger, openSource, openLocation, tmpDir };

  return {
    config,
    logger,
    store,
    blobs,
    queue,
    pipeline,
    accounts: { store, secretBox, jwtMaxLifetimeSeconds: config.jwtMaxLifetimeSeconds, sessionTtlSeconds: config.sessionTtlSeconds, verifiedTokens: new Map() },
    statusHub: createStatusHub(store.datasets),
    viewCache: createDatasetViewCache(store),
  };
}
