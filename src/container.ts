import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { createSecretBox, loadOrCreateKey, parseKey } from './app/auth/secret-box.ts';
import type { AccountDeps } from './app/accounts.ts';
import type { AppContext } from './app/context.ts';
import { createDatasetViewCache } from './app/dataset-view-cache.ts';
import { createStatusHub } from './app/status-hub.ts';
import { createVectorSearch } from './app/vector-search.ts';
import type { Config } from './config/config.ts';
import { usearchBackend } from './index/usearch-index.ts';
import { createInprocessQueue } from './jobs/inprocess/inprocess-queue.ts';
import { createPgBossQueue } from './jobs/pgboss/pgboss-queue.ts';
import { ownScratchDir } from './lib/scratch-dir.ts';
import { createStorageState } from './lib/storage-full.ts';
import { createLocalBlobStore } from './media/blob/local-blob-store.ts';
import { createS3BlobStore } from './media/blob/s3-blob-store.ts';
import { createMediaProcessor } from './media/media-processor.ts';
import { createS3Client } from './media/s3-client.ts';
import { createSourceResolver } from './media/sources/source-resolver.ts';
import type { PipelineDeps } from './pipeline/deps.ts';
import { createEndpointCaptioner } from './ml/caption-endpoint.ts';
import { createClipTextEncoder } from './ml/clip-text-encoder.ts';
import type { BlobStore } from './ports/blob-store.ts';
import type { JobQueue } from './ports/job-queue.ts';
import type { Store } from './ports/store.ts';
import { createPostgresStore, createSqliteStore } from './store/create-store.ts';
import { createPostgresSessionLocks } from './store/postgres/session-locks.ts';

/**
 * The composition root: the only place that picks concrete backends — embedded (SQLite,
 * in-process queue, local disk) or scale-out (PostgreSQL, pg-boss, S3) — from the config.
 */
export async function createContainer(config: Config, logger: Logger = pino({ level: config.logLevel })): Promise<AppContext> {
  mkdirSync(config.dataDir, { recursive: true });
  const tmpDir = ownScratchDir(join(config.dataDir, 'tmp'));

  const storage = createStorageState(logger);
  const store = await storeFor(config);
  const queue: JobQueue =
    config.queue === 'pgboss'
      ? createPgBossQueue({
          connectionString: config.databaseUrl!,
          logger,
          locks: createPostgresSessionLocks({ connectionString: config.databaseUrl!, logger }),
          retryLimit: config.jobRetryLimit,
          storage,
          maintenanceIntervalSeconds: config.queueMaintenanceSeconds,
          ...(config.jobExpirySeconds !== null && { expireInSeconds: { 'item-stage': config.jobExpirySeconds, 'dataset-stage': config.jobExpirySeconds, 'task-abort': config.jobExpirySeconds, export: config.jobExpirySeconds } }),
        })
      : createInprocessQueue({ jobs: store.jobs, logger, retryLimit: config.jobRetryLimit, storage });
  const s3 = config.s3 !== null ? createS3Client(config.s3) : null;
  const blobs: BlobStore =
    config.s3 !== null ? createS3BlobStore({ ...config.s3, tmpDir }) : createLocalBlobStore(join(config.dataDir, 'blobs'));
  const sources = createSourceResolver({ importRoots: config.importRoots, uploads: store.uploads, blobs, s3, tmpDir });

  const vectors = usearchBackend();
  const captioner = config.multimodal.captions === null ? null : createEndpointCaptioner(config.multimodal.captions);
  const pipeline: PipelineDeps = { store, queue, blobs, media: createMediaProcessor(config), logger, sources, tmpDir, vectors, similarity: config.similarity, captioner };
  return {
    config,
    logger,
    store,
    blobs,
    queue,
    sources,
    pipeline,
    accounts: accountDepsOf(config, store),
    statusHub: createStatusHub(store.datasets, storage),
    viewCache: createDatasetViewCache(store, storage),
    vectorSearch: createVectorSearch({ store, blobs, vectors, logger }),
    textEncoder: config.multimodal.clip === null ? null : createClipTextEncoder(config.multimodal.clip),
    storage,
  };
}

/**
 * What the account commands (`strata user add`, `credentials create`) need: the configured
 * store and key, without the queue, media workers and the rest of a server. The caller closes
 * the store.
 */
export async function createAccountsContainer(config: Config): Promise<AccountDeps> {
  mkdirSync(config.dataDir, { recursive: true });
  return accountDepsOf(config, await storeFor(config));
}

function storeFor(config: Config): Promise<Store> {
  return config.databaseUrl !== null ? createPostgresStore(config.databaseUrl) : createSqliteStore(config.dataDir);
}

function accountDepsOf(config: Config, store: Store): AccountDeps {
  const secretBox = createSecretBox(config.secretKey !== null ? parseKey(config.secretKey) : loadOrCreateKey(join(config.dataDir, 'secret.key')));
  return { store, secretBox, jwtMaxLifetimeSeconds: config.jwtMaxLifetimeSeconds, sessionTtlSeconds: config.sessionTtlSeconds, verifiedTokens: new Map(), keyUseNoted: new Map() };
}
