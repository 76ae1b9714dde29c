import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  /** An S3-compatible endpoint (MinIO, Ceph, a test server); absent for AWS itself. */
  endpoint?: string | null;
  region: string;
  /** Both or neither; without them the SDK's default chain (env, profile, instance role) applies. */
  accessKeyId?: string | null;
  secretAccessKey?: string | null;
  forcePathStyle: boolean;
}

/** The one place an S3 client is built: media storage and s3:// sources share these settings. */
export function createS3Client(opts: S3ClientOptions): S3Client {
  return new S3Client({
    region: opts.region,
    forcePathStyle: opts.forcePathStyle,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.accessKeyId && opts.secretAccessKey
      ? { credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey } }
      : {}),
    // The SDK's default (CRC32 on every upload, sent as aws-chunked trailers) is not understood
    // by many S3-compatible servers, which would store the chunk framing as object bytes.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** True for the SDK's "no such key / bucket" family, whatever operation raised it. */
export function isS3NotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** The SDK's error name (NoSuchBucket, AccessDenied, …), or null for a non-S3 error. */
export function s3ErrorName(err: unknown): string | null {
  const e = err as { name?: string; $metadata?: unknown } | null;
  return e?.$metadata !== undefined && typeof e.name === 'string' ? e.name : null;
}

/**
 * Streams one object into a fresh file under tmpDir (keeping a plain extension, which some
 * decoders use as a hint); null when the object does not exist. release() deletes the file.
 */
export async function downloadToTemp(
  client: S3Client,
  bucket: string,
  key: string,
  tmpDir: string,
): Promise<{ path: string; release(): Promise<void> } | null> {
  await mkdir(tmpDir, { recursive: true });
  let body: Readable;
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    body = res.Body as Readable;
  } catch (err) {
    if (isS3NotFound(err)) return null;
    throw err;
  }
  const ext = posix.extname(key);
  const path = join(tmpDir, `s3-${randomUUID()}${/^\.[A-Za-z0-9]{1,10}$/.test(ext) ? ext : ''}`);
  const release = () => rm(path, { force: true });
  try {
    await pipeline(body, createWriteStream(path));
  } catch (err) {
    await release();
    throw err;
  }
  return { path, release };
}
