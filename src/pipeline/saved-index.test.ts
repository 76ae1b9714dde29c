import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { usearchBackend } from '../index/usearch-index.ts';
import { seededRandom } from '../lib/seeded-random.ts';
import { createLocalBlobStore } from '../media/blob/local-blob-store.ts';
import type { VectorIndexRecord } from '../ports/similarity-repo.ts';
import { fileDamage, openSavedIndex } from './saved-index.ts';

/**
 * The check that keeps a damaged index file away from usearch's loader, which crashes the
 * process on one: on real index files saved by the usearch backend.
 */
let dir: string;
let saved: Buffer;
const dimensions = 16;
const key = 'datasets/ds-1/vectors.usearch';
const path = () => join(dir, 'blobs', key);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const recordOf = (file: VectorIndexRecord['file']): VectorIndexRecord => ({ datasetId: 'ds-1', blobKey: key, model: 'm', dimension: dimensions, size: 50, builtAt: 'now', file });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-saved-index-'));
  const random = seededRandom(7);
  const index = await usearchBackend().create(dimensions);
  await index.add(Array.from({ length: 50 }, (_, i) => i), Float32Array.from({ length: 50 * dimensions }, () => random() - 0.5));
  await index.save(path());
  await index.close();
  saved = await readFile(path());
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('fileDamage', () => {
  it('passes the file as saved and names how a damaged one differs', async () => {
    const expected = { bytes: saved.length, sha256: sha256(saved) };
    expect(await fileDamage(path(), expected)).toBeNull();
    const other = join(dir, 'other.usearch');
    await writeFile(other, saved.subarray(0, 100));
    expect(await fileDamage(other, expected)).toBe(`100 bytes, ${saved.length} saved`);
    const flipped = Buffer.from(saved);
    flipped[flipped.length >> 1]! ^= 1;
    await writeFile(other, flipped);
    expect(await fileDamage(other, expected)).toBe(`SHA-256 ${sha256(flipped)}, ${expected.sha256} saved`);
  });
});

describe('openSavedIndex', () => {
  const deps = () => ({ blobs: createLocalBlobStore(join(dir, 'blobs')), vectors: usearchBackend(), logger: pino({ level: 'silent' }) });

  it('loads the file as saved, checked or (saved before the check existed) not', async () => {
    for (const file of [{ bytes: saved.length, sha256: sha256(saved) }, null]) {
      const index = await openSavedIndex(deps(), recordOf(file));
      expect(await index!.size()).toBe(50);
      await index!.close();
    }
  });

  it('gives null and a warning, without loading, for garbage of the same size or a truncated copy', async () => {
    const random = seededRandom(3);
    const garbage = Buffer.from(Array.from({ length: saved.length }, () => Math.floor(random() * 256)));
    const record = recordOf({ bytes: saved.length, sha256: sha256(saved) });
    try {
      for (const damaged of [garbage, saved.subarray(0, saved.length - 64)]) {
        await writeFile(path(), damaged);
        const d = deps();
        const warn = vi.spyOn(d.logger, 'warn');
        const load = vi.spyOn(d.vectors, 'load');
        expect(await openSavedIndex(d, record)).toBeNull();
        expect(load).not.toHaveBeenCalled();
        expect(warn).toHaveBeenCalledWith(expect.objectContaining({ datasetId: 'ds-1', blobKey: key }), 'the saved vector index file is damaged: not loading it');
      }
    } finally {
      await writeFile(path(), saved);
    }
  });
});
