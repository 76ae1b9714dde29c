/** One file found in a source, before any processing. */
export interface SourceEntry {
  /** Stable identity within the source (listing twice yields the same keys). */
  sourceKey: string;
  fileName: string;
  originalUri: string;
  /** `file:<absolute path>` or `blob:<key>`. */
  location: string;
  sizeBytes: number | null;
  kind: 'image' | 'video';
  /** Set when the entry cannot be used (e.g. a symlink out of the import roots): a per-item failure. */
  refused?: string;
}

/** Where a dataset's media come from: a folder, a manifest, an upload transaction, later S3. */
export interface MediaSource {
  /** Media entries (by extension) in a stable order. Throws DomainError when the source itself is unusable. */
  list(): AsyncIterable<SourceEntry>;
}
