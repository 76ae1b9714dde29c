import { DomainError } from '../domain/errors.ts';
import { basename } from 'node:path';
import type { MultimodalConfig } from '../config/config.ts';
import { enrichmentModelsOf, enrichmentTypes, type EnrichmentModel, type EnrichmentType } from '../domain/enrichment-models.ts';
import type { User } from '../domain/types.ts';
import { startEnrichment } from '../pipeline/operations.ts';
import type { AppContext } from './context.ts';
import { visibleDataset, writableDataset } from './datasets.ts';

export type ModelListing = Omit<EnrichmentModel, 'aliases'>;

/** The models as this installation's configuration makes them: captions and text search only when configured. */
export function configuredModels(multimodal: MultimodalConfig): readonly EnrichmentModel[] {
  const { clip, captions } = multimodal;
  return enrichmentModelsOf({
    captions: captions === null ? null : `the vision model ${captions.model} at ${new URL(captions.baseUrl).host}`,
    textSearch: clip === null ? null : `the CLIP pair ${basename(clip.image.modelPath)} (images) and ${basename(clip.text.modelPath)} (texts)`,
  });
}

/** GET /enrichment/{id}/list_models: every model, Active or Coming Soon. */
export async function listModels(ctx: AppContext, user: User, datasetId: string): Promise<ModelListing[]> {
  await visibleDataset(ctx, user, datasetId);
  return configuredModels(ctx.config.multimodal).map(({ aliases: _aliases, ...model }) => model);
}

export interface EnrichmentContext {
  dataset_id: string;
  source_dataset_id: string | null;
  /** NEW when no enrichment was applied; otherwise the state of the enrichment that made this copy. */
  status: 'NEW' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  dataset_enrichment_models: { enrichment_models: Record<string, string> } | null;
  n_objects: number;
  /** What each type can be enriched with here: Active, or Coming Soon and why. */
  available_models: Record<string, { id: string; status: EnrichmentModel['status']; description: string }>;
}

/** GET /enrichment/{id}/context: which models were applied to make this dataset, and how it went. */
export async function enrichmentContext(ctx: AppContext, user: User, datasetId: string): Promise<EnrichmentContext> {
  const dataset = await visibleDataset(ctx, user, datasetId);
  const available_models = Object.fromEntries(configuredModels(ctx.config.multimodal).map((m) => [m.type, { id: m.id, status: m.status, description: m.description }]));
  const base = { dataset_id: dataset.id, source_dataset_id: dataset.sourceDatasetId, n_objects: dataset.nObjects, available_models };
  const task = dataset.sourceType === 'ENRICHMENT' && dataset.lastTaskId ? await ctx.store.tasks.get(dataset.lastTaskId) : null;
  if (task === null || task.operation !== 'ENRICH') return { ...base, status: 'NEW', dataset_enrichment_models: null };
  const status = task.status === 'COMPLETED' ? 'COMPLETED' : task.status === 'FAILED' || task.status === 'ABORTED' ? 'FAILED' : 'IN_PROGRESS';
  return { ...base, status, dataset_enrichment_models: { enrichment_models: task.params.enrichmentModels as Record<string, string> } };
}

/** The chosen models, checked: known types, Active models named by id or alias. */
function chosenModels(models: readonly EnrichmentModel[], requested: Record<string, unknown>): Record<EnrichmentType, string> {
  const entries = Object.entries(requested);
  if (entries.length === 0) throw new DomainError('UNPROCESSABLE', 'enrichment_models must name at least one model');
  const chosen: Partial<Record<EnrichmentType, string>> = {};
  for (const [type, id] of entries) {
    if (!(enrichmentTypes as readonly string[]).includes(type)) {
      throw new DomainError('UNPROCESSABLE', `Unknown enrichment type ${type}; known types: ${enrichmentTypes.join(', ')}`);
    }
    const model = models.find((m) => m.type === type && (m.id === id || m.aliases.includes(String(id))));
    if (model === undefined) throw new DomainError('UNPROCESSABLE', `No ${type} model with id ${String(id)} (see list_models)`);
    if (model.status !== 'Active') throw new DomainError('UNPROCESSABLE', `Model ${model.id} (${type}) is not available: ${model.description}`);
    chosen[type as EnrichmentType] = model.id;
  }
  return chosen as Record<EnrichmentType, string>;
}

/**
 * POST /dataset/{id}/enrich_dataset: a new dataset (source_type ENRICHMENT) holding the source's
 * media and vectors, processed with the chosen models; the source is READ ONLY meanwhile.
 */
export async function enrichDataset(ctx: AppContext, user: User, datasetId: string, requested: Record<string, unknown>): Promise<{ dataset_id: string }> {
  const source = await writableDataset(ctx, user, datasetId);
  const models = chosenModels(configuredModels(ctx.config.multimodal), requested);
  const copy = await ctx.store.datasets.create({
    displayName: `${source.displayName} (enriched)`.slice(0, 255),
    description: source.description,
    sourceType: 'ENRICHMENT',
    sourceUri: null,
    ownerId: user.id,
    sourceDatasetId: source.id,
  });
  try {
    await startEnrichment(ctx.pipeline, source, copy, user.id, { enrichmentModels: models });
  } catch (err) {
    // The source could not be locked (not READY, or an operation started meanwhile): no copy.
    if (await ctx.store.datasets.markDeleting(copy.id)) await ctx.store.datasets.delete(copy.id);
    throw err;
  }
  return { dataset_id: copy.id };
}
