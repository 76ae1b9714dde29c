import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * An S3-compatible server for tests and benchmarks: s3rver 3.7 (npm) in this process, on a free
 * port, over a temp directory, with the buckets asked for — plus the three workarounds it needs
 * to behave like S3 and MinIO for Strata:
 *
 * 1. ListObjectsV2 pagination (its continuation tokens use DES, which OpenSSL 3 refuses);
 * 2. AbortMultipartUpload (it answers 405; emulated by deleting the upload's parts);
 * 3. DeleteObjects without spurious InternalErrors (its parallel deletes race to prune folders).
 */

/** What an s3rver (Koa) middleware sees of a request: enough to inspect or rewrite it. */
export interface S3rverContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  status: number;
}
export type S3rverMiddleware = (ctx: S3rverContext, next: () => Promise<void>) => Promise<void>;

export interface StartS3ServerOptions {
  buckets: readonly string[];
  /**
   * Accept requests whose signature does not match, for tests whose middleware rewrites
   * requests (which invalidates the client's signature). Default false: signatures are checked.
   */
  allowMismatchedSignatures?: boolean;
  /** Extra middleware, run before s3rver's own (and before the workarounds) on every request. */
  middleware?: readonly S3rverMiddleware[];
  /** Log every request (also on with S3RVER_DEBUG set). */
  verbose?: boolean;
}

/** The settings an S3 client needs (the shape createS3Client and createS3BlobStore take). */
export interface S3Connection {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: true;
}

export interface S3TestServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  connection: S3Connection;
  /** STRATA_S3_* for a Strata process storing its media in `bucket` on this server. */
  strataEnv(bucket: string): Record<string, string>;
  /** Where s3rver keeps a bucket's pending multipart-upload parts (to check none are left). */
  uploadsDir(bucket: string): string;
  /** The file s3rver keeps an object's bytes in (to tell a lost write from a listing that missed it). */
  objectPath(bucket: string, key: string): string;
  /** Closes the server and deletes everything it stored. */
  stop(): Promise<void>;
}

// s3rver ships no types: the little used of it, typed here.
interface S3rverInstance {
  middleware: S3rverMiddleware[];
  store: {
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    deleteObject(bucket: string, key: string): Promise<void>;
  };
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (opts: Record<string, unknown>) => S3rverInstance;
const require = createRequire(import.meta.url);

/** s3rver's fixed credentials (any other key is refused unless signatures are ignored). */
const ACCESS_KEY = 'S3RVER';

export async function startS3Server(opts: StartS3ServerOptions): Promise<S3TestServer> {
  const S3rver = require('s3rver') as S3rverClass;
  const dir = await mkdtemp(join(tmpdir(), 'strata-s3rver-'));
  letS3rverPaginate();
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: dir,
    silent: !(opts.verbose ?? false) && process.env.S3RVER_DEBUG === undefined,
    allowMismatchedSignatures: opts.allowMismatchedSignatures ?? false,
    configureBuckets: opts.buckets.map((name) => ({ name })),
  });
  const uploadsDir = (bucket: string) => server.store.getResourcePath(bucket, undefined, 'uploads');
  server.middleware.unshift(...(opts.middleware ?? []), emulateAbortMultipartUpload(new Set(opts.buckets), uploadsDir));
  serialiseDeletes(server);

  let port: number;
  try {
    ({ port } = await server.run());
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const connection: S3Connection = { endpoint, region: 'us-east-1', accessKeyId: ACCESS_KEY, secretAccessKey: ACCESS_KEY, forcePathStyle: true };
  let stopped = false;
  return {
    endpoint,
    connection,
    strataEnv: (bucket) => ({
      STRATA_S3_BUCKET: bucket,
      STRATA_S3_ENDPOINT: endpoint,
      STRATA_S3_REGION: connection.region,
      STRATA_S3_ACCESS_KEY_ID: ACCESS_KEY,
      STRATA_S3_SECRET_ACCESS_KEY: ACCESS_KEY,
      STRATA_S3_FORCE_PATH_STYLE: 'true',
    }),
    uploadsDir,
    objectPath: (bucket, key) => server.store.getResourcePath(bucket, key, 'object'),
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await server.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * s3rver 3.7 encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17)
 * refuses without --openssl-legacy-provider, so every listing past one page fails with a 500.
 * Give its 'des' calls AES instead (the token is opaque to clients); nothing else asks for DES.
 * Patched once per process, however many servers start.
 */
function letS3rverPaginate(): void {
  const c = require('node:crypto') as typeof import('node:crypto') & { [k: symbol]: boolean };
  const patched = Symbol.for('strata.test.s3rver-des');
  if (c[patched]) return;
  c[patched] = true;
  const { createCipheriv, createDecipheriv } = c;
  const aes = (key: unknown, iv: unknown): [Buffer, Buffer] => [Buffer.concat([key as Buffer, key as Buffer]), Buffer.concat([iv as Buffer, iv as Buffer])];
  c.createCipheriv = ((alg: string, key: never, iv: never, opts?: never) =>
    alg === 'des' ? createCipheriv('aes-128-cbc', ...aes(key, iv)) : createCipheriv(alg, key, iv, opts)) as typeof createCipheriv;
  c.createDecipheriv = ((alg: string, key: never, iv: never, opts?: never) =>
    alg === 'des' ? createDecipheriv('aes-128-cbc', ...aes(key, iv)) : createDecipheriv(alg, key, iv, opts)) as typeof createDecipheriv;
}

/**
 * s3rver 3.7 does not implement AbortMultipartUpload (it answers 405). Emulate it as S3 and
 * MinIO do it — the upload's parts are gone — so a refused multipart upload leaves nothing.
 * Requests are path-style (`/<bucket>/<key>?uploadId=…`): this runs before s3rver's vhost rewrite.
 */
function emulateAbortMultipartUpload(buckets: ReadonlySet<string>, uploadsDir: (bucket: string) => string): S3rverMiddleware {
  return async (ctx, next) => {
    const uploadId = ctx.query.uploadId;
    const bucket = ctx.path.split('/')[1] ?? '';
    if (ctx.method === 'DELETE' && uploadId !== undefined && /^[\w-]+$/.test(uploadId) && buckets.has(bucket)) {
      await rm(join(uploadsDir(bucket), uploadId), { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    await next();
  };
}

/**
 * s3rver's DeleteObjects deletes its keys in parallel and each delete then prunes empty
 * folders, so the last two deletes in a folder can both try to remove it (one gets ENOENT,
 * answered as InternalError). Run deletes one at a time so nothing can flake on that.
 */
function serialiseDeletes(server: S3rverInstance): void {
  const deleteObject = server.store.deleteObject.bind(server.store);
  let deletes = Promise.resolve();
  server.store.deleteObject = (bucket, key) => {
    const run = deletes.then(() => deleteObject(bucket, key));
    deletes = run.catch(() => {});
    return run;
  };
}
