import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DomainError } from '../../domain/errors.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { createS3Client, downloadToTemp, isS3NotFound } from '../s3-client.ts';
import { assertSafeKey } from './local-blob-store.ts';

export interface S3BlobStoreOptions {
  endpoint?: string | null;
  bucket: string;
  region: string;
  accessKeyId?: string | null;
  secretAccessKey?: string | null;
  forcePathStyle: boolean;
  /** Keys live under `<prefix>/` in the bucket, so one bucket can hold several installs. */
  prefix?: string;
  /** Where localFile() downloads blobs for decoders that need a path. */
  tmpDir: string;
}

// 8 MiB parts, two in flight: at most ~16 MiB buffered per upload, whatever the file size.
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;
// DeleteObjects accepts at most this many keys per call.
const DELETE_BATCH = 1000;

const tooLarge = (maxBytes: number) => new DomainError('PAYLOAD_TOO_LARGE', `File exceeds the limit of ${maxBytes} bytes`);

/**
 * Blobs as objects in an S3-compatible bucket. A put is a single PutObject or a multipart
 * upload, both of which become visible only when complete, so readers never see a partial blob.
 */
export function createS3BlobStore(opts: S3BlobStoreOptions): BlobStore {
  const client = createS3Client(opts);
  const Bucket = opts.bucket;
  const base = (opts.prefix ?? '').replace(/\/+$/, '');
  if (base !== '') assertSafeKey(base);
  const objectKey = (key: string): string => {
    assertSafeKey(key);
    return base === '' ? key : `${base}/${key}`;
  };

  return {
    async put(key, data, options = {}) {
      const Key = objectKey(key);
      const { maxBytes } = options;
      if (Buffer.isBuffer(data)) {
        if (maxBytes !== undefined && data.length > maxBytes) throw tooLarge(maxBytes);
        await upload(client, { Bucket, Key, Body: data });
        return data.length;
      }
      return putStream(client, Bucket, Key, data, maxBytes);
    },

    async read(key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket, Key: objectKey(key) }));
        return { stream: res.Body as Readable, size: res.ContentLength ?? 0 };
      } catch (err) {
        if (isS3NotFound(err)) return null;
        throw err;
      }
    },

    async localFile(key) {
      const file = await downloadToTemp(client, Bucket, objectKey(key), opts.tmpDir);
      if (file === null) throw Object.assign(new Error(`blob not found: ${key}`), { code: 'ENOENT' });
      return file;
    },

    async deletePrefix(prefix) {
      // Same meaning as the local store: the blob named `prefix` and everything under
      // `prefix/`, but not siblings that merely start with the same characters.
      const exact = objectKey(prefix.replace(/\/+$/, ''));
      const keys: string[] = [exact];
      for await (const k of listKeys(client, Bucket, `${exact}/`)) {
        keys.push(k);
        if (keys.length === DELETE_BATCH) await deleteBatch(client, Bucket, keys.splice(0));
      }
      if (keys.length > 0) await deleteBatch(client, Bucket, keys);
    },
  };
}

async function upload(client: S3Client, params: { Bucket: string; Key: string; Body: Buffer | Readable }): Promise<void> {
  await new Upload({ client, params, partSize: PART_SIZE, queueSize: QUEUE_SIZE }).done();
}

/** Counts bytes as they stream to S3; past maxBytes the stream fails and the upload is aborted. */
async function putStream(client: S3Client, Bucket: string, Key: string, data: Readable, maxBytes: number | undefined): Promise<number> {
  let bytes = 0;
  let overLimit = false;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (maxBytes !== undefined && bytes > maxBytes) {
        overLimit = true;
        cb(tooLarge(maxBytes));
      } else cb(null, chunk);
    },
  });
  // Destroying `counter` (on any failure) also destroys the source, as the local store does.
  const piping = pipeline(data, counter).catch(() => {});
  try {
    // lib-storage aborts the multipart upload when its body fails, so no parts are left behind.
    await upload(client, { Bucket, Key, Body: counter });
  } catch (err) {
    counter.destroy();
    await piping;
    if (overLimit && maxBytes !== undefined) throw tooLarge(maxBytes);
    throw err;
  }
  await piping;
  return bytes;
}

async function* listKeys(client: S3Client, Bucket: string, Prefix: string): AsyncGenerator<string> {
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken }));
    for (const o of page.Contents ?? []) if (o.Key !== undefined) yield o.Key;
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken !== undefined);
}

async function deleteBatch(client: S3Client, Bucket: string, keys: string[]): Promise<void> {
  const res = await client.send(
    new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
  );
  // A missing key is not an error for DeleteObjects; anything reported here is a real failure.
  const failed = res.Errors ?? [];
  if (failed.length > 0) {
    const first = failed[0]!;
    throw new Error(`S3 DeleteObjects failed for ${failed.length} key(s), e.g. ${first.Key}: ${first.Code} ${first.Message}`);
  }
}
