import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { CachedView } from '../../app/dataset-view-cache.ts';
import { createFromBucket, deleteDataset, listDatasetViews, visibleView, listFailures } from '../../app/datasets.ts';
import { DomainError } from '../../domain/errors.ts';
import { callerOf } from '../auth.ts';
import { CreationStatus, Dataset, DatasetCreated, DatasetDeleted, DatasetList, ItemFailures, refTo } from '../../api/schemas.ts';
import { BooleanQuery, DatasetIdParams, ok, booleanField } from '../schemas.ts';
import { missingFields } from '../validation-errors.ts';
import { formFields } from '../form-fields.ts';

function sendView(reply: FastifyReply, req: FastifyRequest, { view, json }: CachedView) {
  void reply.header('ETag', view.etag).header('Cache-Control', 'no-cache');
  if (view.retryAfter !== null) void reply.header('Retry-After', String(view.retryAfter));
  if (req.headers['if-none-match'] === view.etag) return reply.status(304).send();
  // Already serialised once per change of the dataset, not once per poll.
  return reply.type('application/json; charset=utf-8').send(json);
}

export function datasetRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/api/v1/dataset/:dataset_id',
    { schema: { tags: ['datasets'], summary: 'Dataset metadata and processing status', params: DatasetIdParams, response: { ...ok(refTo(Dataset)), 304: Type.Null() } } },
    async (req, reply) => {
      const { dataset_id } = req.params as { dataset_id: string };
      return sendView(reply, req, await visibleView(ctx, callerOf(req), dataset_id));
    },
  );

  app.get(
    '/api/v1/datasets/:dataset_id/creation-status',
    { schema: { tags: ['datasets'], summary: 'Creation status and progress', params: DatasetIdParams, response: ok(CreationStatus) } },
    async (req) => {
      const { dataset_id } = req.params as { dataset_id: string };
      const { view } = await visibleView(ctx, callerOf(req), dataset_id);
      return { status: view.body.status_new as string, progress: view.body.progress as number };
    },
  );

  app.get(
    '/api/v1/datasets',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Datasets the caller may see',
        querystring: Type.Object({
          sort_by: Type.Optional(Type.Union([Type.Literal('date'), Type.Literal('name')])),
          include_hidden: Type.Optional(BooleanQuery),
        }),
        response: ok(DatasetList),
      },
    },
    async (req) => {
      const { sort_by, include_hidden } = req.query as { sort_by?: 'date' | 'name'; include_hidden?: string };
      // Visual Layer's flag, read as FastAPI reads a bool (a wrong value is a 422). Strata
      // hides no dataset from those who may see it, so the listing is the same either way.
      booleanField('include_hidden', include_hidden);
      return listDatasetViews(ctx, callerOf(req), sort_by ?? 'date');
    },
  );

  app.post(
    '/api/v1/dataset',
    { schema: { tags: ['datasets'], summary: 'Create a dataset from a folder or manifest (form fields dataset_name, bucket_path)', consumes: ['multipart/form-data', 'application/x-www-form-urlencoded', 'application/json'], response: ok(DatasetCreated) } },
    async (req) => {
      const fields = await formFields(req);
      const missing = ['dataset_name', 'bucket_path'].filter((name) => !fields[name]);
      if (missing.length > 0) throw missingFields('body', missing);
      return createFromBucket(ctx, callerOf(req), { name: fields.dataset_name!, bucketPath: fields.bucket_path!, description: fields.description ?? '' });
    },
  );

  app.delete(
    '/api/v1/dataset/:dataset_id',
    { schema: { tags: ['datasets'], summary: 'Delete a dataset, its media, derivatives and vectors', params: DatasetIdParams, response: ok(DatasetDeleted) } },
    async (req) => {
      const { dataset_id } = req.params as { dataset_id: string };
      await deleteDataset(ctx, callerOf(req), dataset_id);
      return { dataset_id, deleted: true };
    },
  );

  app.get(
    '/api/v1/dataset/:dataset_id/errors',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Per-item failures (X-Total-Count gives the total)',
        params: DatasetIdParams,
        querystring: Type.Object({ offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) }),
        response: ok(ItemFailures),
      },
    },
    async (req, reply) => {
      const { dataset_id } = req.params as { dataset_id: string };
      const { offset = 0, limit = 1000 } = req.query as { offset?: number; limit?: number };
      const { errors, total } = await listFailures(ctx, callerOf(req), dataset_id, { offset, limit });
      void reply.header('X-Total-Count', String(total));
      return errors.map((e) => ({ file_name: e.fileName, original_uri: e.originalUri, stage: e.stage, reason: e.reason }));
    },
  );
}
