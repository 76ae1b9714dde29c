import type { Readable } from 'node:stream';

/** Bytes Strata stores: uploads, thumbnails, video frames. Keys are relative, '/'-separated. */
export interface BlobStore {
  /** Writes atomically (readers never see a partial blob); returns the byte count. */
  put(key: string, data: Buffer | Readable, options?: { maxBytes?: number }): Promise<number>;
  /** Null when the blob does not exist. */
  read(key: string): Promise<{ stream: Readable; size: number } | null>;
  /** A local file with the blob's bytes for decoders that need a path; release() when done. */
  localFile(key: string): Promise<{ path: string; release(): Promise<void> }>;
  deletePrefix(prefix: string): Promise<void>;
}
