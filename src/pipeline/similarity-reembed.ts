import { MediaFailure } from '../ports/media-processor.ts';
import type { PipelineDeps } from './deps.ts';

const PAGE = 256;

/**
 * Brings every indexed image and frame of the dataset to the current embedding model before
 * the index is built: items embedded by another model (the embedder changed since) or without
 * a vector are embedded again from their bytes, through the media workers. An item whose file
 * has gone meanwhile keeps its old vector out of the index and is logged; it is not failed
 * again, since its facts were recorded. Returns how many were embedded.
 */
export async function reembedStale(deps: PipelineDeps, datasetId: string, model: string): Promise<number> {
  let embedded = 0;
  let skipped = 0;
  for (let after = ''; ; ) {
    const page = await deps.store.similarity.itemsToEmbed(datasetId, model, after, PAGE);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    await Promise.all(
      page.map(async (item) => {
        try {
          const file = await deps.sources.openLocation(item.location);
          try {
            await deps.store.similarity.replaceEmbedding(item.id, datasetId, await deps.media.embedImage(file.path));
            embedded++;
          } finally {
            await file.release();
          }
        } catch (err) {
          if (!(err instanceof MediaFailure) && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          skipped++;
        }
      }),
    );
  }
  if (embedded + skipped > 0) deps.logger.info({ datasetId, model, embedded, skipped }, 're-embedded items with the current model');
  return embedded;
}
