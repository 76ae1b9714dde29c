import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EntityType } from '../domain/entities.ts';
import type { EmbeddingPage, VectorSpace } from '../ports/store.ts';
import type { VectorIndex } from '../ports/vector-index.ts';
import { isoMicros } from '../lib/time.ts';
import type { PipelineDeps } from './deps.ts';

const PAGE = 2048;

export const vectorIndexKeyOf = (datasetId: string, entity: EntityType = 'IMAGES', space: VectorSpace = 'visual'): string =>
  `datasets/${datasetId}/${space === 'text' ? 'text-' : ''}${entity === 'IMAGES' ? 'vectors' : 'objects'}.usearch`;

/**
 * The dataset's embeddings of `model` of one entity (images and frames, or objects; only those
 * of one task, if given), a page at a time in seq order.
 */
export async function* embeddingPages(deps: PipelineDeps, datasetId: string, model: string, entity: EntityType, taskId?: string): AsyncGenerator<EmbeddingPage> {
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
  const file = await deps.blobs.localFile(record.blobKey);
  try {
    return await deps.vectors.load(file.path);
  } finally {
    await file.release();
  }
}

/** Saves the index where every process can load it for similarity search (SPEC §7, §11). */
export async function saveIndex(deps: PipelineDeps, datasetId: string, model: string, index: VectorIndex, size: number, entity: EntityType = 'IMAGES', space: VectorSpace = 'visual'): Promise<void> {
  const file = join(deps.tmpDir, `vectors-${datasetId}-${entity}-${space}-${Date.now()}.usearch`);
  try {
    await index.save(file);
    const blobKey = vectorIndexKeyOf(datasetId, entity, space);
    await deps.blobs.put(blobKey, createReadStream(file));
    await deps.store.similarity.setVectorIndex({ datasetId, blobKey, model, dimension: index.dimensions, size, builtAt: isoMicros() }, entity, space);
  } finally {
    await rm(file, { force: true });
  }
}
