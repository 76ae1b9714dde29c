import type { Logger } from 'pino';
import type { StorageState } from '../lib/storage-full.ts';
import type { Config } from '../config/config.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { SourceResolver } from '../ports/media-source.ts';
import type { Store } from '../ports/store.ts';
import type { PipelineDeps } from '../pipeline/deps.ts';
import type { AccountDeps } from './accounts.ts';
import type { DatasetViewCache } from './dataset-view-cache.ts';
import type { StatusHub } from './status-hub.ts';
import type { VectorSearch } from './vector-search.ts';
import type { ClipTextEncoder } from '../ml/clip-text-encoder.ts';

/** What the use cases need, built once by the container. */
export interface AppContext {
  config: Config;
  logger: Logger;
  store: Store;
  blobs: BlobStore;
  queue: JobQueue;
  sources: SourceResolver;
  pipeline: PipelineDeps;
  accounts: AccountDeps;
  statusHub: StatusHub;
  viewCache: DatasetViewCache;
  vectorSearch: VectorSearch;
  /** The configured CLIP pair's text tower (text-to-image search); null without one. */
  textEncoder: ClipTextEncoder | null;
  /** Whether this process's processing waits for storage space. */
  storage: StorageState;
}
