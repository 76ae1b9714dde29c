import type { Item } from '../domain/types.ts';
import { MediaFailure, type DetectedObject } from '../ports/media-processor.ts';
import type { ImageLabel } from '../ports/enrichment-repo.ts';
import type { ItemOutcome } from '../ports/store.ts';
import type { PipelineDeps } from './deps.ts';
import { DETECT } from './copy.stage.ts';
import { openOrFail } from './analyze.stage.ts';

/** Which of the chosen models' outputs an enrichment keeps (task params). */
export interface EnrichmentOutputs {
  objects: boolean;
  tags: boolean;
}

export function enrichmentOutputsOf(params: Record<string, unknown>): EnrichmentOutputs {
  const models = (params.enrichmentModels ?? {}) as Record<string, unknown>;
  return { objects: 'OBJECT_DETECTION' in models, tags: 'IMAGE_TAGGING' in models };
}

/**
 * IMAGE_TAGGING from the detector: an image is labelled with each class found in it, at the
 * confidence of its most confident object of that class.
 */
export function tagsOf(objects: readonly DetectedObject[]): ImageLabel[] {
  const best = new Map<string, number>();
  for (const o of objects) best.set(o.label, Math.max(best.get(o.label) ?? 0, o.confidence));
  return [...best].map(([label, confidence]) => ({ label, confidence })).sort((a, b) => b.confidence - a.confidence);
}

/**
 * Runs the detector on one image or frame of an enrichment copy (in the media workers) and
 * keeps what the chosen models ask for: objects with their crops' embeddings, labels, or both.
 * A file that can no longer be read is a per-item failure; the item stays in the copy.
 */
export async function detectStage(deps: PipelineDeps, item: Item, outputs: EnrichmentOutputs): Promise<ItemOutcome> {
  let objects: DetectedObject[];
  try {
    const file = await openOrFail(deps, item.location);
    try {
      objects = await deps.media.detectObjects(file.path);
    } finally {
      await file.release();
    }
  } catch (err) {
    if (err instanceof MediaFailure) return deps.store.enrichment.failDetection(item.id, DETECT, err.message);
    throw err;
  }
  return deps.store.enrichment.completeDetection(item.id, DETECT, {
    objects: outputs.objects ? objects : [],
    labels: outputs.tags ? tagsOf(objects) : [],
  });
}
