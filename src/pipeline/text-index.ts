import type { EntityType } from '../domain/entities.ts';
import type { TextVectorPage } from '../ports/enrichment-repo.ts';
import type { VectorIndex } from '../ports/vector-index.ts';
import type { PipelineDeps } from './deps.ts';
import { saveIndex } from './saved-index.ts';

const PAGE = 2048;

/** The dataset's text-aligned vectors of its images or of its objects, page by page in seq order. */
export async function* textVectorPages(deps: Pick<PipelineDeps, 'store'>, datasetId: string, entity: EntityType): AsyncGenerator<TextVectorPage> {
  for (let after = 0; ; ) {
    const page = await deps.store.enrichment.textVectorPage(datasetId, entity, after, PAGE);
    if (page === null) return;
    yield page;
    after = page.seqs[page.seqs.length - 1]!;
  }
}

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
      for await (const page of textVectorPages(deps, datasetId, entity)) {
        if (model !== null && page.model !== model) throw new Error(`text-aligned vectors of two models (${model}, ${page.model}) in dataset ${datasetId}`);
        model = page.model;
        index ??= await deps.vectors.create(page.dimension);
        await index.add(page.seqs, page.vectors);
        size += page.seqs.length;
      }
      if (index !== null) await saveIndex(deps, datasetId, model!, index, size, entity, 'text');
    } finally {
      await index?.close();
    }
  }
}
