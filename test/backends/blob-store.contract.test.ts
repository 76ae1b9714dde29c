import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore } from '../../src/media/blob/local-blob-store.ts';
import { createS3BlobStore } from '../../src/media/blob/s3-blob-store.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import { startS3Server } from '../helpers/s3-server.ts';

/**
 * One suite, every BlobStore backend. Each backend also reports what it holds (`contents`),
 * so the suite can check that a refused upload leaves nothing behind: no blob, no temp file,
 * no multipart parts.
 */
interface BackendUnderTest {
  store: BlobStore;
  /** Everything the backend holds, as sorted strings (files, objects, pending upload parts). */
  contents(): Promise<string[]>;
  /** Whether localFile() makes a copy that release() must delete. */
  localFileIsCopy: boolean;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;
const BUCKET = 'strata-contract';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
  return out.sort();
}

async function localBackend(): Promise<BackendUnderTest> {
  const root = await mkdtemp(join(tmpdir(), 'strata-blob-local-'));
  return {
    store: createLocalBlobStore(root),
    contents: () => filesUnder(root),
    localFileIsCopy: false,
    close: () => rm(root, { recursive: true, force: true }),
  };
}

async function s3Backend(): Promise<BackendUnderTest> {
  const s3 = await startS3Server({ buckets: [BUCKET] });
  const tmpDir = await mkdtemp(join(tmpdir(), 'strata-blob-s3-tmp-'));
  const conn = s3.connection;
  const uploadsDir = s3.uploadsDir(BUCKET);
  const admin = new S3Client({ ...conn, credentials: { accessKeyId: conn.accessKeyId, secretAccessKey: conn.secretAccessKey } });
  return {
    store: createS3BlobStore({ ...conn, bucket: BUCKET, prefix: 'install-1', tmpDir }),
    async contents() {
      const objects: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await admin.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken }));
        for (const o of page.Contents ?? []) objects.push(`object:${o.Key}`);
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      const parts = (await filesUnder(uploadsDir)).map((f) => `upload-part:${f}`);
      const temps = (await filesUnder(tmpDir)).map((f) => `tmp:${f}`);
      return [...objects, ...parts, ...temps].sort();
    },
    localFileIsCopy: true,
    async close() {
      admin.destroy();
      await s3.stop();
      await rm(tmpDir, { recursive: true, force: true });
    },
  };
}

/** A stream of `total` pseudo-random bytes in 64 KiB chunks, and the sha256 it should hash to. */
function bytesStream(total: number, seed = 1): { stream: Readable; sha256: string } {
  const chunk = 64 * 1024;
  const chunks: Buffer[] = [];
  for (let off = 0; off < total; off += chunk) {
    const b = Buffer.alloc(Math.min(chunk, total - off));
    // Position-dependent bytes, so a reordered or repeated part changes the hash.
    for (let i = 0; i < b.length; i++) b[i] = (Math.imul(off + i, 2654435761) >>> 13) + seed;
    chunks.push(b);
  }
  return { stream: Readable.from(chunks), sha256: createHash('sha256').update(Buffer.concat(chunks)).digest('hex') };
}

async function readAll(store: BlobStore, key: string): Promise<Buffer | null> {
  const r = await store.read(key);
  if (r === null) return null;
  const parts: Buffer[] = [];
  for await (const c of r.stream) parts.push(c as Buffer);
  const buf = Buffer.concat(parts);
  expect(r.size).toBe(buf.length);
  return buf;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const backends: [string, () => Promise<BackendUnderTest>][] = [
  ['local', localBackend],
  ['s3 (s3rver)', s3Backend],
];

describe.each(backends)('BlobStore contract: %s', (_name, make) => {
  let b: BackendUnderTest;
  beforeAll(async () => {
    b = await make();
  });
  afterAll(async () => {
    await b?.close();
  });

  it('puts a Buffer and reads it back', async () => {
    const data = randomBytes(10_000);
    expect(await b.store.put('ds/buf.bin', data)).toBe(data.length);
    expect((await readAll(b.store, 'ds/buf.bin'))?.equals(data)).toBe(true);
  });

  it('puts a multi-part-sized stream and reads it back byte for byte', async () => {
    const size = 17 * MiB + 123; // several upload parts, the last one short
    const { stream, sha256: expected } = bytesStream(size);
    expect(await b.store.put('ds/big/stream.bin', stream)).toBe(size);
    const back = await readAll(b.store, 'ds/big/stream.bin');
    expect(back?.length).toBe(size);
    expect(sha256(back!)).toBe(expected);
  });

  it('replaces a blob on a second put', async () => {
    await b.store.put('ds/replace.bin', Buffer.from('first version'));
    await b.store.put('ds/replace.bin', Readable.from([Buffer.from('second')]));
    expect((await readAll(b.store, 'ds/replace.bin'))?.toString()).toBe('second');
  });

  it('stores an empty blob', async () => {
    expect(await b.store.put('ds/empty.bin', Readable.from([]))).toBe(0);
    expect((await readAll(b.store, 'ds/empty.bin'))?.length).toBe(0);
  });

  it('reads a missing key, or a key that is only a folder, as null', async () => {
    expect(await b.store.read('ds/missing.bin')).toBeNull();
    await b.store.put('folder-only/child.bin', Buffer.from('x'));
    expect(await b.store.read('folder-only')).toBeNull();
  });

  it('accepts a blob of exactly maxBytes', async () => {
    const { stream } = bytesStream(4096);
    expect(await b.store.put('ds/exact.bin', stream, { maxBytes: 4096 })).toBe(4096);
    expect(await b.store.put('ds/exact-buf.bin', Buffer.alloc(10), { maxBytes: 10 })).toBe(10);
  });

  it.each([
    ['a Buffer', () => Buffer.alloc(2000), 1000],
    ['a small stream', () => bytesStream(5000).stream, 1000],
    ['a stream refused after several upload parts', () => bytesStream(30 * MiB).stream, 20 * MiB],
  ] as const)('refuses %s over maxBytes with PAYLOAD_TOO_LARGE and leaves nothing behind', async (_label, data, maxBytes) => {
    const before = await b.contents();
    const input = data();
    await expect(b.store.put('ds/too-big.bin', input, { maxBytes })).rejects.toMatchObject({ name: 'DomainError', code: 'PAYLOAD_TOO_LARGE' });
    if (input instanceof Readable) expect(input.destroyed).toBe(true);
    expect(await b.store.read('ds/too-big.bin')).toBeNull();
    expect(await b.contents()).toEqual(before);
  });

  it.each([
    ['fails at its first read', () => new Readable({ read() { this.destroy(new Error('client went away')); } })],
    ['had failed already', () => new Readable({ read() {} }).destroy(new Error('client went away'))],
  ] as const)('leaves nothing behind when the source %s', async (_label, source) => {
    const before = await b.contents();
    // The put fails while the backend is still opening what it writes to.
    await expect(b.store.put('ds/failed.bin', source())).rejects.toThrow();
    expect(await b.contents()).toEqual(before);
  });

  it('keeps the previous blob when a replacement is refused', async () => {
    await b.store.put('ds/keep.bin', Buffer.from('original'));
    await expect(b.store.put('ds/keep.bin', bytesStream(5000).stream, { maxBytes: 100 })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect((await readAll(b.store, 'ds/keep.bin'))?.toString()).toBe('original');
  });

  it('gives a local file with the blob bytes; release() cleans up only what it made', async () => {
    const data = randomBytes(50_000);
    await b.store.put('ds/frame.jpg', data);
    const before = await b.contents();
    const file = await b.store.localFile('ds/frame.jpg');
    expect((await readFile(file.path)).equals(data)).toBe(true);
    await file.release();
    await file.release(); // idempotent
    expect(existsSync(file.path)).toBe(!b.localFileIsCopy);
    expect(await b.contents()).toEqual(before);
    expect((await readAll(b.store, 'ds/frame.jpg'))?.equals(data)).toBe(true);
  });

  it('has no local file for a missing blob (ENOENT)', async () => {
    const open = async () => {
      const f = await b.store.localFile('ds/nope.jpg');
      try {
        return await readFile(f.path);
      } finally {
        await f.release();
      }
    };
    await expect(open()).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('deletes exactly a prefix: the folder and its subfolders, not look-alike siblings', async () => {
    const keys = ['del/d1/a.bin', 'del/d1/sub/b.bin', 'del/d10/c.bin', 'del/d1x', 'del/other/d1/d.bin'];
    for (const k of keys) await b.store.put(k, Buffer.from(k));
    await b.store.deletePrefix('del/d1/');
    expect(await b.store.read('del/d1/a.bin')).toBeNull();
    expect(await b.store.read('del/d1/sub/b.bin')).toBeNull();
    for (const k of ['del/d10/c.bin', 'del/d1x', 'del/other/d1/d.bin']) expect((await readAll(b.store, k))?.toString()).toBe(k);
    await b.store.deletePrefix('del/d10'); // without the trailing slash: same meaning
    expect(await b.store.read('del/d10/c.bin')).toBeNull();
    expect(await b.store.read('del/d1x')).not.toBeNull();
    await b.store.deletePrefix('del/never-existed');
  });

  it('puts into a deleted prefix again, as a Buffer and as a stream', async () => {
    await b.store.put('again/d/a.bin', Buffer.from('before'));
    await b.store.deletePrefix('again');
    await b.store.put('again/d/a.bin', Buffer.from('after'));
    await b.store.put('again/e/f/b.bin', Readable.from([Buffer.from('streamed')]));
    expect((await readAll(b.store, 'again/d/a.bin'))?.toString()).toBe('after');
    expect((await readAll(b.store, 'again/e/f/b.bin'))?.toString()).toBe('streamed');
  });

  it('deletes a prefix holding more than one listing page / delete batch', async () => {
    const keys = Array.from({ length: 1003 }, (_, i) => `many/${String(i).padStart(4, '0')}.bin`);
    for (let i = 0; i < keys.length; i += 25) await Promise.all(keys.slice(i, i + 25).map((k) => b.store.put(k, Buffer.from('x'))));
    await b.store.put('many-sibling.bin', Buffer.from('stays'));
    await b.store.deletePrefix('many');
    expect((await b.contents()).filter((c) => c.includes('many/'))).toEqual([]);
    expect(await b.store.read('many/1002.bin')).toBeNull();
    expect((await readAll(b.store, 'many-sibling.bin'))?.toString()).toBe('stays');
  }, 120_000);

  it.each(['', '/abs/key', '../escape', 'a/../../b', 'a/./b', 'a//b', 'a\\b', 'a\0b', '.', 'trailing/'])('rejects the unsafe key %j everywhere', async (key) => {
    const before = await b.contents();
    await expect(b.store.put(key, Buffer.from('x'))).rejects.toThrow(/unsafe blob key/);
    await expect(b.store.read(key)).rejects.toThrow(/unsafe blob key/);
    await expect(b.store.localFile(key)).rejects.toThrow(/unsafe blob key/);
    if (key !== 'trailing/') await expect(b.store.deletePrefix(key)).rejects.toThrow(/unsafe blob key/);
    expect(await b.contents()).toEqual(before);
  });
});
