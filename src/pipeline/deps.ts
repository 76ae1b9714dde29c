import type { Logger } from 'pino';
import type { SimilarityConfig } from '../config/config.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Captioner } from '../ports/captioner.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { MediaProcessor } from '../ports/media-processor.ts';
import type { SourceResolver } from '../ports/media-source.ts';
import type { Store } from '../ports/store.ts';
import type { VectorIndexBackend } from '../ports/vector-index.ts';

export interface PipelineDeps {
  store: Store;
  queue: JobQueue;
  blobs: BlobStore;
  media: MediaProcessor;
  logger: Logger;
  /** Sources of operations and bytes of items. */
  sources: SourceResolver;
  /** ANN indexes over the embeddings (the similarity stage builds one per dataset). */
  vectors: VectorIndexBackend;
  similarity: SimilarityConfig;
  /** CAPTION_IMAGES' captioner, when the operator configured one. */
  captioner: Captioner | null;
  /** Scratch space for video frames and index files. */
  tmpDir: string;
}

/** A fault of the whole operation (source unreachable, nothing to index): ends it in ERROR. */
export class OperationFailure extends Error {
  override name = 'OperationFailure';
}
