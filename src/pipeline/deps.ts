import type { Logger } from 'pino';
import type { Dataset, Task } from '../domain/types.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { MediaProcessor } from '../ports/media-processor.ts';
import type { MediaSource } from '../ports/media-source.ts';
import type { Store } from '../ports/store.ts';

export interface PipelineDeps {
  store: Store;
  queue: JobQueue;
  blobs: BlobStore;
  media: MediaProcessor;
  logger: Logger;
  /** The source an operation reads (folder, manifest, upload transaction). */
  openSource(dataset: Dataset, task: Task): Promise<MediaSource>;
  /** A local file for an item's `location`; release() when done. */
  openLocation(location: string): Promise<{ path: string; release(): Promise<void> }>;
  /** Scratch space for video frames. */
  tmpDir: string;
}

/** A fault of the whole operation (source unreachable, nothing to index): ends it in ERROR. */
export class OperationFailure extends Error {
  override name = 'OperationFailure';
}
