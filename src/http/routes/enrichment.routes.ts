import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { enrichDataset, enrichmentContext, listModels } from '../../app/enrichment.ts';
import { DatasetCreated, EnrichmentContext, EnrichmentModels, EnrichRequest } from '../../api/schemas.ts';
import { callerOf } from '../auth.ts';
import { DatasetIdParams, ok } from '../schemas.ts';

export function enrichmentRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/api/v1/enrichment/:dataset_id/list_models',
    { schema: { tags: ['enrichment'], summary: 'Models that can enrich the dataset (Active) or are not available (Coming Soon)', params: DatasetIdParams, response: ok(EnrichmentModels) } },
    async (req) => listModels(ctx, callerOf(req), (req.params as { dataset_id: string }).dataset_id),
  );

  app.get(
    '/api/v1/enrichment/:dataset_id/context',
    { schema: { tags: ['enrichment'], summary: 'The enrichment applied to make this dataset, and its state', params: DatasetIdParams, response: ok(EnrichmentContext) } },
    async (req) => enrichmentContext(ctx, callerOf(req), (req.params as { dataset_id: string }).dataset_id),
  );

  app.post(
    '/api/v1/dataset/:dataset_id/enrich_dataset',
    {
      schema: {
        tags: ['enrichment'],
        summary: 'Enrich a copy of the dataset with the chosen models; the source is READ ONLY until the copy is processed',
        params: DatasetIdParams,
        body: EnrichRequest,
        response: ok(DatasetCreated),
      },
    },
    async (req) => {
      const { dataset_id } = req.params as { dataset_id: string };
      return enrichDataset(ctx, callerOf(req), dataset_id, (req.body as { enrichment_models: Record<string, string> }).enrichment_models);
    },
  );
}
