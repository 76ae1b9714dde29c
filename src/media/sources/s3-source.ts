import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DomainError } from '../../domain/errors.ts';
import { MediaFailure } from '../../ports/media-processor.ts';
import type { MediaSource, SourceEntry } from '../../ports/media-source.ts';
import { mediaKindOf } from '../media-types.ts';
import { downloadToTemp, isS3NotFound, s3ErrorName } from '../s3-client.ts';
import { readAnnotationRows } from './annotation-files.ts';
import { isManifestPath, isParquetPath, manifestRefs, parquetManifestRefs } from './manifest-source.ts';

export interface S3SourceDeps {
  client: S3Client;
  /** Where objects read whole (annotation files, parquet manifests) are downloaded. */
  tmpDir: string;
}

// Lenient on purpose (S3-compatible servers differ); S3 itself rejects what it does not accept.
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$/;
const MAX_KEY_BYTES = 1024;
// HEAD requests in flight while checking a manifest's entries.
const HEAD_CONCURRENCY = 16;
const URI_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

const invalid = (uri: string) => new DomainError('BAD_REQUEST', `Invalid S3 URI or no media files found at ${uri}`);

/**
 * `s3://bucket[/prefix]` → its parts. The prefix is kept as written (no leading slash); empty,
 * `.` and `..` segments and control characters are refused, as they are almost certainly typos
 * and some S3-compatible servers normalise them away.
 */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/is.exec(uri);
  if (!m) throw invalid(uri);
  const bucket = m[1]!;
  const prefix = m[2] ?? '';
  if (!BUCKET.test(bucket) || bucket.includes('..')) throw invalid(uri);
  if (/[\u0000-\u001f\u007f]/.test(prefix) || Buffer.byteLength(prefix) > MAX_KEY_BYTES) throw invalid(uri);
  const segments = prefix.split('/');
  const inner = prefix.endsWith('/') ? segments.slice(0, -1) : segments;
  if (prefix !== '' && inner.some((s) => s === '' || s === '.' || s === '..')) throw invalid(uri);
  return { bucket, prefix };
}

/** A folder (prefix) or, for a `.txt`/`.csv`/`.parquet` object, a manifest listing objects. */
export function s3Source(deps: S3SourceDeps, uri: string): MediaSource {
  const { prefix } = parseS3Uri(uri);
  return isManifestPath(prefix) ? s3ManifestSource(deps, uri) : s3FolderSource(deps, uri);
}

/**
 * Checks, before a dataset is created, that the URI names something readable: the manifest
 * object exists, or at least one object lives under the prefix (S3 has no empty folders, so
 * an empty prefix is the same mistake as a path that does not exist).
 */
export async function checkS3Source(deps: S3SourceDeps, uri: string): Promise<void> {
  const { bucket, prefix } = parseS3Uri(uri);
  try {
    if (isManifestPath(prefix)) {
      await deps.client.send(new HeadObjectCommand({ Bucket: bucket, Key: prefix }));
      return;
    }
    const page = await deps.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: folderPrefix(prefix), MaxKeys: 1 }));
    if ((page.KeyCount ?? page.Contents?.length ?? 0) === 0) throw invalid(uri);
  } catch (err) {
    throw sourceError(err, uri);
  }
}

/** Every media object under the prefix, in S3's key order (stable); sourceKey is the key relative to the prefix. */
export function s3FolderSource(deps: S3SourceDeps, uri: string): MediaSource {
  const { bucket, prefix: raw } = parseS3Uri(uri);
  const prefix = folderPrefix(raw);
  return {
    async *list() {
      let ContinuationToken: string | undefined;
      do {
        let page;
        try {
          page = await deps.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
        } catch (err) {
          throw sourceError(err, uri);
        }
        for (const o of page.Contents ?? []) {
          const rel = o.Key?.slice(prefix.length) ?? '';
          const kind = mediaKindOf(rel);
          if (rel === '' || rel.endsWith('/') || kind === null) continue;
          const location = `s3://${bucket}/${o.Key}`;
          yield { sourceKey: rel, fileName: rel, originalUri: location, location, sizeBytes: o.Size ?? null, kind };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken !== undefined);
    },
    annotationRows: () => s3AnnotationRows(deps, bucket, prefix),
  };
}

/** The annotation files under `folderKey` (a key prefix ending in "/", or empty). */
function s3AnnotationRows(deps: S3SourceDeps, bucket: string, folderKey: string) {
  return readAnnotationRows((name) => downloadToTemp(deps.client, bucket, `${folderKey}${name}`, deps.tmpDir));
}

/**
 * A `.txt`/`.csv`/`.parquet` object listing media: `s3://` URIs, or keys relative to the manifest's folder.
 * Local paths and other schemes are per-item failures (an S3 manifest must not reach the server's
 * disk); so are objects that do not exist.
 */
export function s3ManifestSource(deps: S3SourceDeps, uri: string): MediaSource {
  const { bucket, prefix: manifestKey } = parseS3Uri(uri);
  const baseDir = posix.dirname(manifestKey);

  async function entryFor(ref: string, lineNo: number): Promise<SourceEntry | null> {
    const target = resolveRef(ref, bucket, baseDir);
    const kind = mediaKindOf(typeof target === 'string' ? ref : target.key);
    const base = { sourceKey: `line:${lineNo}`, fileName: ref, originalUri: ref, location: ref, sizeBytes: null };
    if (typeof target === 'string') {
      // Like local manifests: a non-media key is skipped, but any URI we cannot read is reported.
      if (kind === null && !URI_SCHEME.test(ref)) return null;
      return { ...base, kind: kind ?? 'image', refused: target };
    }
    if (kind === null) return null;
    const location = `s3://${target.bucket}/${target.key}`;
    const entry = { ...base, originalUri: location, location, kind };
    try {
      const head = await deps.client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: target.key }));
      return { ...entry, sizeBytes: head.ContentLength ?? null };
    } catch (err) {
      if (isS3NotFound(err)) return { ...entry, refused: 'object not found' };
      if (s3ErrorName(err) === 'AccessDenied' || s3ErrorName(err) === 'Forbidden') return { ...entry, refused: 'access denied' };
      throw err;
    }
  }

  return {
    async *list() {
      const batch: { ref: string; lineNo: number }[] = [];
      const flush = async () => (await Promise.all(batch.splice(0).map((r) => entryFor(r.ref, r.lineNo)))).filter((e) => e !== null);
      for await (const ref of manifestObjectRefs(deps, uri)) {
        batch.push(ref);
        if (batch.length >= HEAD_CONCURRENCY) yield* await flush();
      }
      yield* await flush();
    },
    annotationRows: () => s3AnnotationRows(deps, bucket, baseDir === '.' ? '' : `${baseDir}/`),
  };
}

/** A manifest object's references: streamed for text, downloaded whole for parquet (read from its end). */
async function* manifestObjectRefs(deps: S3SourceDeps, uri: string): AsyncGenerator<{ ref: string; lineNo: number }> {
  const { bucket, prefix: key } = parseS3Uri(uri);
  if (isParquetPath(key)) {
    let file;
    try {
      file = await downloadToTemp(deps.client, bucket, key, deps.tmpDir);
    } catch (err) {
      throw sourceError(err, uri);
    }
    if (file === null) throw invalid(uri);
    try {
      yield* parquetManifestRefs(file.path);
    } finally {
      await file.release();
    }
    return;
  }
  let body: Readable;
  try {
    body = (await deps.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable;
  } catch (err) {
    throw sourceError(err, uri);
  }
  try {
    yield* manifestRefs(createInterface({ input: body, crlfDelay: Infinity }), /\.csv$/i.test(key));
  } finally {
    // A consumer that stops early must not leave the object's connection open.
    body.destroy();
  }
}

/**
 * Downloads the object behind an item location `s3://bucket/key` to a temp file for the
 * decoders; release() deletes it. A missing object is a per-item failure.
 */
export async function openS3Location(deps: S3SourceDeps, location: string): Promise<{ path: string; release(): Promise<void> }> {
  let parsed;
  try {
    parsed = parseS3Uri(location);
  } catch {
    throw new MediaFailure(`invalid S3 location: ${location}`);
  }
  if (parsed.prefix === '' || parsed.prefix.endsWith('/')) throw new MediaFailure(`invalid S3 location: ${location}`);
  const file = await downloadToTemp(deps.client, parsed.bucket, parsed.prefix, deps.tmpDir);
  if (file === null) throw new MediaFailure(`object not found: ${location}`);
  return file;
}

/** A prefix that names a folder: `a/b` lists `a/b/…`, not also `a/bc/…`. */
function folderPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** A manifest line → the object it names, or the reason it cannot be used. */
function resolveRef(ref: string, bucket: string, baseDir: string): { bucket: string; key: string } | string {
  if (/^s3:\/\//i.test(ref)) {
    try {
      const { bucket: b, prefix: key } = parseS3Uri(ref);
      return key === '' || key.endsWith('/') ? 'not an object URI' : { bucket: b, key };
    } catch {
      return 'invalid S3 URI';
    }
  }
  if (URI_SCHEME.test(ref)) return `unsupported URI scheme in manifest: ${ref.split('://')[0]}`;
  if (ref.startsWith('/') || ref.includes('\\')) return 'local paths are not allowed in an S3 manifest: use s3:// URIs or keys relative to the manifest';
  if (/[\u0000-\u001f\u007f]/.test(ref)) return 'invalid key';
  const key = posix.normalize(posix.join(baseDir === '.' ? '' : baseDir, ref));
  if (key === '..' || key.startsWith('../') || key.endsWith('/')) return 'key escapes the bucket';
  return { bucket, key };
}

/** Bucket-level failures are the caller's mistake (400); anything else is infrastructure. */
function sourceError(err: unknown, uri: string): unknown {
  if (err instanceof DomainError) return err;
  const name = s3ErrorName(err);
  if (name === 'NoSuchBucket' || isS3NotFound(err)) return invalid(uri);
  if (name === 'AccessDenied' || name === 'Forbidden') return new DomainError('BAD_REQUEST', `Access denied reading ${uri}: check the S3 credentials and bucket policy`);
  return err;
}
