import type { AnnotationRow } from '../domain/annotations.ts';

/** One file found in a source, before any processing. */
export interface SourceEntry {
  /** Stable identity within the source (listing twice yields the same keys). */
  sourceKey: string;
  fileName: string;
  originalUri: string;
  /** `file:<absolute path>`, `blob:<key>` (stored by Strata) or `s3://bucket/key`. */
  location: string;
  sizeBytes: number | null;
  kind: 'image' | 'video';
  /** Set when the entry cannot be used (e.g. a symlink out of the import roots): a per-item failure. */
  refused?: string;
}

/** Where a dataset's media come from: a folder, a manifest, an upload transaction, an S3 prefix. */
export interface MediaSource {
  /** Media entries (by extension) in a stable order. Throws DomainError when the source itself is unusable. */
  list(): AsyncIterable<SourceEntry>;
  /** The rows of the annotation files beside the media (SPEC §4), in file order; none when there are none. */
  annotationRows(): Promise<AnnotationRow[]>;
}

/** Finds the source of an operation and the bytes of an item, whatever backend holds them. */
export interface SourceResolver {
  /** Checks a client's `bucket_path` before a dataset is made from it (a clear 400 if unusable). */
  check(uri: string): Promise<void>;
  /**
   * The source an operation reads: an upload transaction (`params.transId`), or a folder,
   * manifest or S3 prefix — the operation's own `params.sourceUri` (media added later), else the
   * dataset's.
   */
  open(dataset: { id: string; sourceUri: string | null }, task: { params: Record<string, unknown> }): Promise<MediaSource>;
  /** A local file with an item's bytes (`file:`, `blob:` or `s3://` location); release() when done. */
  openLocation(location: string): Promise<{ path: string; release(): Promise<void> }>;
}
