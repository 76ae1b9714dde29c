import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../../domain/errors.ts';
import { ownScratchDir } from '../../lib/scratch-dir.ts';
import type { BlobStore } from '../../ports/blob-store.ts';

/** Refuses keys that could name a file outside the store (absolute, `..`, backslashes, NUL). */
export function assertSafeKey(key: string): void {
  const parts = key.split('/');
  if (key === '' || key.startsWith('/') || key.includes('\\') || key.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new Error(`unsafe blob key: ${JSON.stringify(key)}`);
  }
}

/**
 * Blobs as files under `<dataDir>/blobs`, written under `.partial/<pid>/` and renamed into
 * place. A write cut by a crash leaves its file there, removed by the next process that creates
 * a store on the folder (ownScratchDir), never another running process's.
 */
export function createLocalBlobStore(root: string): BlobStore {
  const base = resolve(root);
  const partialDir = ownScratchDir(join(base, '.partial'));
  const pathOf = (key: string): string => {
    assertSafeKey(key);
    const p = resolve(base, key);
    if (!p.startsWith(base + sep)) throw new Error(`blob key escapes the store: ${key}`);
    return p;
  };

  return {
    async put(key, data, options = {}) {
      const target = pathOf(key);
      const tmp = join(partialDir, `${randomUUID()}.part`);
      let bytes = 0;
      let out: WriteStream | undefined;
      try {
        if (Buffer.isBuffer(data)) {
          if (options.maxBytes !== undefined && data.length > options.maxBytes) {
            throw new DomainError('PAYLOAD_TOO_LARGE', `File exceeds the limit of ${options.maxBytes} bytes`);
          }
          await writeFile(tmp, data);
          bytes = data.length;
        } else {
          const counter = new Transform({
            transform(chunk: Buffer, _enc, cb) {
              bytes += chunk.length;
              if (options.maxBytes !== undefined && bytes > options.maxBytes) {
                cb(new DomainError('PAYLOAD_TOO_LARGE', `File exceeds the limit of ${options.maxBytes} bytes`));
              } else cb(null, chunk);
            },
          });
          out = createWriteStream(tmp);
          await pipeline(data as Readable, counter, out);
        }
        // The folder usually exists (a dataset's thumbnails share one): it is only created when
        // the rename finds it missing, which saves a recursive mkdir per thumbnail.
        await rename(tmp, target).catch(async (error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
          await mkdir(dirname(target), { recursive: true });
          await rename(tmp, target);
        });
        return bytes;
      } catch (err) {
        // A failed pipeline settles before its file stream has opened and closed its file: removing
        // the file earlier would let the stream's own open create it again after the removal.
        const stream = out;
        if (stream && !stream.closed) await new Promise<void>((done) => stream.once('close', () => done()));
        await rm(tmp, { force: true });
        throw err;
      }
    },

    async read(key) {
      const p = pathOf(key);
      const s = await stat(p).catch(() => null);
      if (!s?.isFile()) return null;
      return { stream: createReadStream(p), size: s.size };
    },

    async localFile(key) {
      // Already a local file: nothing to copy or clean up.
      return { path: pathOf(key), release: async () => {} };
    },

    async deletePrefix(prefix) {
      await rm(pathOf(prefix.replace(/\/+$/, '')), { recursive: true, force: true });
    },
  };
}
