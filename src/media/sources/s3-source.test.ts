import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3rverMiddleware, type S3TestServer } from '../../../test/helpers/s3-server.ts';
import { DomainError } from '../../domain/errors.ts';
import { MediaFailure } from '../../ports/media-processor.ts';
import type { SourceEntry } from '../../ports/media-source.ts';
import { createS3Client } from '../s3-client.ts';
import { checkS3Source, openS3Location, parseS3Uri, s3FolderSource, s3ManifestSource, s3Source } from './s3-source.ts';

const BUCKET = 'strata-media';
const PAGE = 3;
let server: S3TestServer;
let tmp: string;
let client: S3Client;

const objects: Record<string, string> = {
  'photos/a.jpg': 'jpeg bytes',
  'photos/b.PNG': 'png bytes!',
  'photos/nested/deeper/c.mp4': 'video bytes here',
  'photos/notes.txt': 'not media',
  'photos/noext': 'not media either',
  'photos/list.txt': '',
  'photos2/x.jpg': 'sibling folder',
  'top.webp': 'at the root',
};

const manifestTxt = [
  '# comment and blank lines are skipped',
  '',
  'a.jpg',
  'nested/deeper/c.mp4',
  `s3://${BUCKET}/photos2/x.jpg`,
  '../top.webp',
  'notes.txt',
  'missing.jpg',
  '/etc/passwd.jpg',
  'file:///tmp/a.jpg',
  'https://example.com/y.jpg',
  '../../escape.jpg',
  's3://no-such-bucket-here/z.jpg',
  's3://bad_bucket_/z.jpg',
  '../../escape.txt',
].join('\n');

async function put(key: string, body: string | Uint8Array): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function listAll(source: { list(): AsyncIterable<SourceEntry> }): Promise<SourceEntry[]> {
  const out: SourceEntry[] = [];
  for await (const e of source.list()) out.push(e);
  return out;
}

const badRequest = (uri: string) => ({ name: 'DomainError', code: 'BAD_REQUEST', message: `Invalid S3 URI or no media files found at ${uri}` });

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'strata-s3src-tmp-'));
  // Mismatched signatures are allowed because the middleware below rewrites the query: it caps
  // every listing at PAGE keys so pagination is exercised without thousands of objects.
  const capListings: S3rverMiddleware = async (ctx, next) => {
    if (ctx.query['list-type'] === '2') {
      const asked = Number(ctx.query['max-keys'] ?? 1000);
      ctx.query = { ...ctx.query, 'max-keys': String(Math.min(asked, PAGE)) };
    }
    await next();
  };
  server = await startS3Server({ buckets: [BUCKET], allowMismatchedSignatures: true, middleware: [capListings] });
  client = createS3Client(server.connection);
  for (const [k, v] of Object.entries(objects)) await put(k, v);
  await put('photos/list.txt', manifestTxt);
  await put('lists/by-column.csv', `label,path\ncat,"../photos/a.jpg"\ndog,../photos/b.PNG\nbird,\n`);
  await put('lists/first-column.csv', `../photos/a.jpg,extra\n`);
  // More manifest lines than HEAD requests in flight, in an order unlike the keys' order.
  const many = Array.from({ length: 40 }, (_, i) => `many/${String(39 - i).padStart(2, '0')}.jpg`);
  for (const k of many) await put(k, k);
  await put('many/list.txt', many.map((k) => k.slice('many/'.length)).join('\r\n'));
});

afterAll(async () => {
  client?.destroy();
  await server?.stop();
  await rm(tmp, { recursive: true, force: true });
});

describe('parseS3Uri', () => {
  it.each([
    ['s3://bucket', { bucket: 'bucket', prefix: '' }],
    ['s3://bucket/', { bucket: 'bucket', prefix: '' }],
    ['s3://my.bucket-1/a/b/', { bucket: 'my.bucket-1', prefix: 'a/b/' }],
    ['s3://bucket/a/b', { bucket: 'bucket', prefix: 'a/b' }],
    ['s3://bucket/lists/files.csv', { bucket: 'bucket', prefix: 'lists/files.csv' }],
    ['S3://bucket/with space/é.jpg', { bucket: 'bucket', prefix: 'with space/é.jpg' }],
  ])('parses %j', (uri, expected) => {
    expect(parseS3Uri(uri)).toEqual(expected);
  });

  it.each([
    '',
    'bucket/prefix',
    '/abs/path',
    'http://bucket/prefix',
    's3:/bucket/x',
    's3://',
    's3:///x',
    's3://b/x',
    's3://-bucket/x',
    's3://bucket-/x',
    's3://bu..cket/x',
    's3://bu/x',
    's3://bucket//x',
    's3://bucket/a//b',
    's3://bucket/a/../b',
    's3://bucket/./b',
    's3://bucket/a\nb',
    's3://bucket/a\0b',
    `s3://bucket/${'k'.repeat(1025)}`,
  ])('refuses %j with a 400 naming the URI', (uri) => {
    expect(() => parseS3Uri(uri)).toThrow(DomainError);
    expect(() => parseS3Uri(uri)).toThrow(expect.objectContaining(badRequest(uri)));
  });
});

describe('s3FolderSource', () => {
  it('lists media under the prefix, nested keys included, across listing pages, in key order', async () => {
    const entries = await listAll(s3FolderSource({ client, tmpDir: tmp }, `s3://${BUCKET}/photos/`));
    expect(entries).toEqual([
      { sourceKey: 'a.jpg', fileName: 'a.jpg', originalUri: `s3://${BUCKET}/photos/a.jpg`, location: `s3://${BUCKET}/photos/a.jpg`, sizeBytes: 10, kind: 'image' },
      { sourceKey: 'b.PNG', fileName: 'b.PNG', originalUri: `s3://${BUCKET}/photos/b.PNG`, location: `s3://${BUCKET}/photos/b.PNG`, sizeBytes: 10, kind: 'image' },
      {
        sourceKey: 'nested/deeper/c.mp4',
        fileName: 'nested/deeper/c.mp4',
        originalUri: `s3://${BUCKET}/photos/nested/deeper/c.mp4`,
        location: `s3://${BUCKET}/photos/nested/deeper/c.mp4`,
        sizeBytes: 16,
        kind: 'video',
      },
    ]);
  });

  it('treats a prefix without a trailing slash as a folder (not photos2/) and lists stably', async () => {
    const a = await listAll(s3FolderSource({ client, tmpDir: tmp }, `s3://${BUCKET}/photos`));
    const b = await listAll(s3FolderSource({ client, tmpDir: tmp }, `s3://${BUCKET}/photos/`));
    expect(a).toEqual(b);
    expect(a.map((e) => e.sourceKey)).not.toContain('x.jpg');
  });

  it('lists a whole bucket with keys as sourceKeys', async () => {
    const keys = (await listAll(s3FolderSource({ client, tmpDir: tmp }, `s3://${BUCKET}`))).map((e) => e.sourceKey);
    expect(keys).toContain('photos2/x.jpg');
    expect(keys).toContain('top.webp');
    expect(keys).toHaveLength(3 + 1 + 1 + 40);
    expect([...keys].sort()).toEqual(keys);
  });

  it('refuses a bucket that does not exist with a 400 when listed', async () => {
    const uri = 's3://no-such-bucket-here/photos/';
    await expect(listAll(s3FolderSource({ client, tmpDir: tmp }, uri))).rejects.toMatchObject(badRequest(uri));
  });

  it('refuses a bad URI when built', () => {
    expect(() => s3FolderSource({ client, tmpDir: tmp }, 'http://x/y')).toThrow(expect.objectContaining(badRequest('http://x/y')));
  });
});

describe('s3ManifestSource', () => {
  it('reads a .txt manifest: relative keys, s3:// URIs, per-item refusals, non-media skipped', async () => {
    const entries = await listAll(s3ManifestSource({ client, tmpDir: tmp }, `s3://${BUCKET}/photos/list.txt`));
    const summary = entries.map((e) => [e.sourceKey, e.location, e.sizeBytes, e.kind, e.refused ?? null]);
    expect(summary).toEqual([
      ['line:3', `s3://${BUCKET}/photos/a.jpg`, 10, 'image', null],
      ['line:4', `s3://${BUCKET}/photos/nested/deeper/c.mp4`, 16, 'video', null],
      ['line:5', `s3://${BUCKET}/photos2/x.jpg`, 14, 'image', null],
      ['line:6', `s3://${BUCKET}/top.webp`, 11, 'image', null],
      ['line:8', `s3://${BUCKET}/photos/missing.jpg`, null, 'image', 'object not found'],
      ['line:9', '/etc/passwd.jpg', null, 'image', expect.stringContaining('local paths are not allowed')],
      ['line:10', 'file:///tmp/a.jpg', null, 'image', 'unsupported URI scheme in manifest: file'],
      ['line:11', 'https://example.com/y.jpg', null, 'image', 'unsupported URI scheme in manifest: https'],
      ['line:12', '../../escape.jpg', null, 'image', 'key escapes the bucket'],
      ['line:13', 's3://no-such-bucket-here/z.jpg', null, 'image', 'object not found'],
      ['line:14', 's3://bad_bucket_/z.jpg', null, 'image', 'invalid S3 URI'],
    ]);
    expect(entries[0]).toMatchObject({ fileName: 'a.jpg', originalUri: `s3://${BUCKET}/photos/a.jpg` });
  });

  it('reads a .csv manifest by its path column, else its first column', async () => {
    const byColumn = await listAll(s3ManifestSource({ client, tmpDir: tmp }, `s3://${BUCKET}/lists/by-column.csv`));
    expect(byColumn.map((e) => [e.sourceKey, e.location, e.refused])).toEqual([
      ['line:2', `s3://${BUCKET}/photos/a.jpg`, undefined],
      ['line:3', `s3://${BUCKET}/photos/b.PNG`, undefined],
    ]);
    const first = await listAll(s3ManifestSource({ client, tmpDir: tmp }, `s3://${BUCKET}/lists/first-column.csv`));
    expect(first.map((e) => e.location)).toEqual([`s3://${BUCKET}/photos/a.jpg`]);
  });

  it('keeps line order with more lines than HEAD requests in flight (CRLF lines)', async () => {
    const entries = await listAll(s3ManifestSource({ client, tmpDir: tmp }, `s3://${BUCKET}/many/list.txt`));
    expect(entries).toHaveLength(40);
    expect(entries.map((e) => e.location)).toEqual(Array.from({ length: 40 }, (_, i) => `s3://${BUCKET}/many/${String(39 - i).padStart(2, '0')}.jpg`));
    expect(entries.every((e) => e.refused === undefined && e.sizeBytes === 11)).toBe(true);
  });

  it('refuses a manifest object that does not exist with a 400', async () => {
    const uri = `s3://${BUCKET}/lists/nope.txt`;
    await expect(listAll(s3ManifestSource({ client, tmpDir: tmp }, uri))).rejects.toMatchObject(badRequest(uri));
  });
});

describe('s3Source and checkS3Source', () => {
  it('picks a manifest for .txt/.csv objects and a folder otherwise', async () => {
    const manifest = await listAll(s3Source({ client, tmpDir: tmp }, `s3://${BUCKET}/lists/first-column.csv`));
    expect(manifest.map((e) => e.sourceKey)).toEqual(['line:1']);
    const folder = await listAll(s3Source({ client, tmpDir: tmp }, `s3://${BUCKET}/photos2`));
    expect(folder.map((e) => e.sourceKey)).toEqual(['x.jpg']);
  });

  it('reads a .parquet manifest by its path column, and annotation files beside it', async () => {
    const manifest = parquetWriteBuffer({ columnData: [{ name: 'n', data: [1, 2, 3] }, { name: 'file_name', data: ['a.jpg', 'missing.jpg', 'notes.txt'] }] });
    await put('photos/list.parquet', new Uint8Array(manifest));
    await put('photos/image_annotations.csv', 'filename,label\na.jpg,cat\n');
    const source = s3Source({ client, tmpDir: tmp }, `s3://${BUCKET}/photos/list.parquet`);
    const entries = await listAll(source);
    expect(entries.map((e) => [e.sourceKey, e.location, e.refused ?? null])).toEqual([
      ['line:1', `s3://${BUCKET}/photos/a.jpg`, null],
      ['line:2', `s3://${BUCKET}/photos/missing.jpg`, 'object not found'],
    ]);
    const rows = [{ kind: 'image', target: 'a.jpg', label: 'cat', caption: null, ref: { file: 'image_annotations.csv', row: 2 } }];
    expect(await source.annotationRows()).toEqual(rows);
    expect(await s3FolderSource({ client, tmpDir: tmp }, `s3://${BUCKET}/photos`).annotationRows()).toEqual(rows);
    expect(await s3FolderSource({ client, tmpDir: tmp }, `s3://${BUCKET}/photos2/`).annotationRows()).toEqual([]);
  });

  it('refuses a parquet manifest that is not parquet with a 400', async () => {
    await put('lists/broken.parquet', 'not parquet at all');
    await expect(listAll(s3Source({ client, tmpDir: tmp }, `s3://${BUCKET}/lists/broken.parquet`))).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('The manifest cannot be read') });
  });

  it('accepts a prefix with objects and an existing manifest', async () => {
    await checkS3Source({ client, tmpDir: tmp }, `s3://${BUCKET}/photos/`);
    await checkS3Source({ client, tmpDir: tmp }, `s3://${BUCKET}/photos`);
    await checkS3Source({ client, tmpDir: tmp }, `s3://${BUCKET}`);
    await checkS3Source({ client, tmpDir: tmp }, `s3://${BUCKET}/lists/by-column.csv`);
  });

  it.each([`s3://${BUCKET}/nothing-here/`, `s3://${BUCKET}/phot`, `s3://${BUCKET}/lists/nope.csv`, 's3://no-such-bucket-here/x/', 's3://x'])(
    'refuses %j with a 400',
    async (uri) => {
      await expect(checkS3Source({ client, tmpDir: tmp }, uri)).rejects.toMatchObject(badRequest(uri));
    },
  );
});

describe('openS3Location', () => {
  it('downloads the object to a temp file that release() removes', async () => {
    const file = await openS3Location({ client, tmpDir: tmp }, `s3://${BUCKET}/photos/nested/deeper/c.mp4`);
    expect(file.path.startsWith(tmp)).toBe(true);
    expect(file.path.endsWith('.mp4')).toBe(true);
    expect(await readFile(file.path, 'utf8')).toBe('video bytes here');
    await file.release();
    expect(existsSync(file.path)).toBe(false);
  });

  it.each([`s3://${BUCKET}/photos/missing.jpg`, 's3://no-such-bucket-here/a.jpg', `s3://${BUCKET}/photos/`, 'file:/etc/passwd', 's3://bucket/a/../b.jpg'])(
    'fails %j as a per-item MediaFailure',
    async (location) => {
      await expect(openS3Location({ client, tmpDir: tmp }, location)).rejects.toBeInstanceOf(MediaFailure);
    },
  );
});
