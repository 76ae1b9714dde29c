import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import type { EntityType } from '../domain/entities.ts';
import type { EmbeddingPage, VectorIndexRecord, VectorSpace } from '../ports/similarity-repo.ts';
import type { VectorIndex } from '../ports/vector-index.ts';
import { sha256OfFile, sha256Passthrough } from '../lib/sha256.ts';
import { isoMicros } from '../lib/time.ts';
import type { PipelineDeps } from './deps.ts';

const PAGE = 2048;

export const vectorIndexKeyOf = (datasetId: string, entity: EntityType = 'IMAGES', space: VectorSpace = 'visual'): string =>
  `datasets/${datasetId}/${space === 'text' ? 'text-' : ''}${entity === 'IMAGES' ? 'vectors' : 'objects'}.usearch`;

/**
 * The dataset's embeddings of `model` of one entity (images and frames, or objects; only those
 * of one task, if given), a page at a time in seq order.
 */
export async function* embeddingPages(deps: Pick<PipelineDeps, 'store'>, datasetId: string, model: string, entity: EntityType, taskId?: string): AsyncGenerator<EmbeddingPage> {
  for (let after = 0; ; ) {
    const page = await deps.store.similarity.embeddingPage(datasetId, model, after, PAGE, entity, taskId);
    if (page.items.length === 0) return;
    yield page;
    after = page.items[page.items.length - 1]!.seq;
  }
}

/**
 * The dataset's saved index, when it holds vectors of `model`: what adding media extends and a
 * reindex searches again, instead of building a new one. Null when there is none to reuse.
 */
export async function loadSavedIndex(deps: PipelineDeps, datasetId: string, model: string, entity: EntityType = 'IMAGES'): Promise<VectorIndex | null> {
  const record = await deps.store.similarity.vectorIndex(datasetId, entity);
  if (record === null || record.model !== model) return null;
  return openSavedIndex(deps, record);
}

/**
 * Loads the index file of `record`, or null when the file is not the one saved (truncated,
 * overwritten, damaged): usearch's native loader takes the whole process down on a damaged
 * file, so its size and SHA-256 are checked first. A file saved without them loads unchecked.
 */
export async function openSavedIndex(deps: Pick<PipelineDeps, 'blobs' | 'vectors' | 'logger'>, record: VectorIndexRecord): Promise<VectorIndex | null> {
  const file = await deps.blobs.localFile(record.blobKey);
  try {
    const damage = record.file === null ? null : await fileDamage(file.path, record.file);
    if (damage !== null) {
      deps.logger.warn({ datasetId: record.datasetId, blobKey: record.blobKey, damage }, 'the saved vector index file is damaged: not loading it');
      return null;
    }
    return await deps.vectors.load(file.path);
  } finally {
    await file.release();
  }
}

/** How the file at `path` differs from what was saved, or null when it is the same. */
export async function fileDamage(path: string, saved: { bytes: number; sha256: string }): Promise<string | null> {
  const { size } = await stat(path);
  if (size !== saved.bytes) return `${size} bytes, ${saved.bytes} saved`;
  const sha256 = await sha256OfFile(path);
  return sha256 === saved.sha256 ? null : `SHA-256 ${sha256}, ${saved.sha256} saved`;
}

/** Saves the index where every process can load it for similarity search (SPEC §7, §11). */
export async function saveIndex(deps: PipelineDeps, datasetId: string, model: string, index: VectorIndex, size: number, entity: EntityType = 'IMAGES', space: VectorSpace = 'visual'): Promise<void> {
  const file = join(deps.tmpDir, `vectors-${datasetId}-${entity}-${space}-${Date.now()}.usearch`);
  try {
    await index.save(file);
    const blobKey = vectorIndexKeyOf(datasetId, entity, space);
    // Hashed on its way into the blob store: the file is read once.
    const hashing = sha256Passthrough();
    const bytes = await deps.blobs.put(blobKey, pipeline(createReadStream(file), hashing.stream, () => {}));
    const record = { datasetId, blobKey, model, dimension: index.dimensions, size, builtAt: isoMicros(), file: { bytes, sha256: hashing.digest() } };
    await deps.store.similarity.setVectorIndex(record, entity, space);
  } finally {
    await rm(file, { force: true });
  }
}
