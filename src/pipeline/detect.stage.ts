import type { Item } from '../domain/types.ts';
import { MediaFailure, type DetectedObject } from '../ports/media-processor.ts';
import type { EnrichmentResult, ImageLabel } from '../ports/enrichment-repo.ts';
import type { AddedEnrichment, ItemOutcome } from '../ports/store.ts';
import type { PipelineDeps } from './deps.ts';
import { DETECT } from './copy.stage.ts';
import { openOrFail } from './analyze.stage.ts';

/** Which of the chosen models' outputs an enrichment keeps (task params). */
export interface EnrichmentOutputs {
  objects: boolean;
  tags: boolean;
  captions: boolean;
  textVectors: boolean;
}

export function enrichmentOutputsOf(params: Record<string, unknown>): EnrichmentOutputs {
  const models = (params.enrichmentModels ?? {}) as Record<string, unknown>;
  return { objects: 'OBJECT_DETECTION' in models, tags: 'IMAGE_TAGGING' in models, captions: 'CAPTION_IMAGES' in models, textVectors: 'MULTIMODEL_IMAGE_ENCODING' in models };
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
 * Enriches one image or frame of an enrichment copy with the chosen models: the detector's
 * objects (with their crops' embeddings) and labels; the CLIP image tower's text-aligned
 * vectors of the image and of each kept object's crop; a caption from the configured endpoint.
 * A file that can no longer be read, or a model this process has not been configured with, is
 * a per-item failure; the item stays in the copy. An endpoint that fails is retried by the queue.
 */
export async function detectStage(deps: PipelineDeps, item: Item, outputs: EnrichmentOutputs): Promise<ItemOutcome> {
  let result: EnrichmentResult;
  try {
    const file = await openOrFail(deps, item.location);
    try {
      result = await enrichFile(deps, file.path, outputs);
    } finally {
      await file.release();
    }
  } catch (err) {
    if (err instanceof MediaFailure) return deps.store.enrichment.failDetection(item.id, DETECT, err.message);
    throw err;
  }
  return deps.store.enrichment.completeDetection(item.id, DETECT, result);
}

/** Whether the task runs any model (an enrichment, or media added to an enrichment copy). */
export const enriches = (o: EnrichmentOutputs): boolean => o.objects || o.tags || o.captions || o.textVectors;

/**
 * The chosen models' outputs for an image or frame added to an enrichment copy, or why they
 * could not run (a model this process has not been configured with): the item is indexed anyway.
 */
export async function addedEnrichment(deps: PipelineDeps, path: string, outputs: EnrichmentOutputs): Promise<AddedEnrichment | undefined> {
  if (!enriches(outputs)) return undefined;
  try {
    return { result: await enrichFile(deps, path, outputs) };
  } catch (err) {
    if (err instanceof MediaFailure) return { failure: err.message };
    throw err;
  }
}

async function enrichFile(deps: PipelineDeps, path: string, outputs: EnrichmentOutputs): Promise<EnrichmentResult> {
  const found = outputs.objects || outputs.tags ? await deps.media.detectObjects(path) : [];
  const objects = outputs.objects ? found : [];
  let textVectors: EnrichmentResult['textVectors'] = null;
  if (outputs.textVectors) {
    const model = deps.media.textAlignedModel;
    if (model === null) throw new MediaFailure('MULTIMODEL_IMAGE_ENCODING needs a CLIP pair, and none is configured where this item was processed');
    textVectors = { model, ...(await deps.media.textAlignedVectors(path, objects.map((o) => o.box))) };
  }
  let caption: EnrichmentResult['caption'] = null;
  if (outputs.captions) {
    const captioner = deps.captioner;
    if (captioner === null) throw new MediaFailure('CAPTION_IMAGES needs a caption endpoint, and none is configured where this item was processed');
    caption = { text: await captioner.caption(await deps.media.jpegOf(path, captioner.maxSide)), model: captioner.model };
  }
  return { objects, labels: outputs.tags ? tagsOf(found) : [], caption, textVectors };
}
