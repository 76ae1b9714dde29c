import type { EntityType } from '../domain/entities.ts';
import type { VectorIndex } from '../ports/vector-index.ts';
import type { PipelineDeps } from './deps.ts';
import { saveIndex } from './saved-index.ts';

const PAGE = 2048;

/**
 * Builds the text-aligned indexes (MULTIMODEL_IMAGE_ENCODING) of the dataset's images and of its
 * objects from their recorded vectors, keyed by each item's embedding seq like the visual index;
 * nothing to do for a dataset without such vectors. Rebuilt whole each time, as the similarity
 * stage rebuilds its own results.
 */
export async function buildTextIndexes(deps: PipelineDeps, datasetId: string): Promise<void> {
  for (const entity of ['IMAGES', 'OBJECTS'] as const satisfies readonly EntityType[]) {
    let index: VectorIndex | null = null;
    let model: string | null = null;
    let size = 0;
    try {
      for (let after = 0; ; ) {
        const page = await deps.store.enrichment.textVectorPage(datasetId, entity, after, PAGE);
        if (page === null) break;
        if (model !== null && page.model !== model) throw new Error(`text-aligned vectors of two models (${model}, ${page.model}) in dataset ${datasetId}`);
        model = page.model;
        index ??= await deps.vectors.create(page.dimension);
        await index.add(page.seqs, page.vectors);
        size += page.seqs.length;
        after = page.seqs[page.seqs.length - 1]!;
      }
      if (index !== null) await saveIndex(deps, datasetId, model!, index, size, entity, 'text');
    } finally {
      await index?.close();
    }
  }
}
