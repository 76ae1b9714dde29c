import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { exportDataset, exportDownload, exportEntities, exportStatus, MAX_SELECTED_IDS, type ExportOptions, type SelectionEntry } from '../../app/exports.ts';
import { exportFormats, type ExportFormat } from '../../domain/export.ts';
import { binaryBody, ExportStarted, ExportStatus } from '../../api/schemas.ts';
import { callerOf } from '../auth.ts';
import { DatasetIdParams, ok } from '../schemas.ts';

const MediaId = Type.String({ minLength: 1, maxLength: 64 });

const ExportQuery = Type.Object({
  export_format: Type.Optional(Type.Union(exportFormats.map((f) => Type.Literal(f)), { description: 'metadata.json (default), metadata.parquet, or metadata.csv (the parquet columns as CSV)' })),
  // Python clients send booleans as "True"/"False".
  include_images: Type.Optional(Type.String({ pattern: '^(true|false|True|False|1|0)$', description: 'Boolean: add the media files under images/ (default false)' })),
  file_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Name of the zip offered for download' })),
});
type ExportQueryT = { export_format?: ExportFormat; include_images?: string; file_name?: string };

const optionsOf = (q: ExportQueryT): ExportOptions => ({
  format: q.export_format ?? 'json',
  includeImages: q.include_images !== undefined && /^(true|1)$/i.test(q.include_images),
  ...(q.file_name !== undefined && { fileName: q.file_name }),
});


const SelectionBody = Type.Object({
  media_selection: Type.Array(
    Type.Union([
      Type.Object({ type: Type.Literal('media'), payload: Type.Object({ media_ids: Type.Array(MediaId, { maxItems: MAX_SELECTED_IDS }) }) }),
      Type.Object({
        type: Type.Literal('cluster'),
        payload: Type.Object({
          cluster_id: Type.String({ minLength: 1, maxLength: 32, description: 'As explore returns it, e.g. "0-12"' }),
          vql: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 20, description: 'VQL filters the members must pass' })),
          excluded_media_ids: Type.Optional(Type.Array(MediaId, { maxItems: MAX_SELECTED_IDS })),
        }),
      }),
    ]),
    { minItems: 1, maxItems: 100 },
  ),
});


export function exportRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/api/v1/dataset/:dataset_id/export_context_async',
    { schema: { tags: ['export'], summary: 'Start exporting the whole dataset (metadata and optionally images) as a zip', params: DatasetIdParams, querystring: ExportQuery, response: ok(ExportStarted) } },
    async (req) => {
      const { dataset_id } = req.params as { dataset_id: string };
      return exportDataset(ctx, callerOf(req), dataset_id, optionsOf(req.query as ExportQueryT));
    },
  );

  app.post(
    '/api/v1/dataset/:dataset_id/export_entities_async',
    {
      schema: {
        tags: ['export'],
        summary: 'Start exporting selected media: listed ids, or clusters (filtered, less exclusions)',
        params: DatasetIdParams,
        querystring: ExportQuery,
        body: SelectionBody,
        response: ok(ExportStarted),
      },
    },
    async (req) => {
      const { dataset_id } = req.params as { dataset_id: string };
      const { media_selection } = req.body as { media_selection: SelectionEntry[] };
      return exportEntities(ctx, callerOf(req), dataset_id, optionsOf(req.query as ExportQueryT), media_selection);
    },
  );

  app.get(
    '/api/v1/dataset/:dataset_id/export_status',
    {
      schema: {
        tags: ['export'],
        summary: 'Progress of an export, and its download_uri once COMPLETED',
        params: DatasetIdParams,
        querystring: Type.Object({ export_task_id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: ok(ExportStatus),
      },
    },
    async (req) => {
      const { dataset_id } = req.params as { dataset_id: string };
      const { export_task_id } = req.query as { export_task_id: string };
      return exportStatus(ctx, callerOf(req), dataset_id, export_task_id);
    },
  );

  app.get(
    '/api/v1/dataset/:dataset_id/export_download/:export_task_id',
    {
      schema: {
        tags: ['export'],
        summary: 'The export zip (download_uri)',
        params: Type.Object({ dataset_id: Type.String({ minLength: 1, maxLength: 64 }), export_task_id: Type.String({ minLength: 1, maxLength: 64 }) }),
        produces: ['application/zip'],
        response: ok(binaryBody('application/zip')),
      },
    },
    async (req, reply) => {
      const { dataset_id, export_task_id } = req.params as { dataset_id: string; export_task_id: string };
      const zip = await exportDownload(ctx, callerOf(req), dataset_id, export_task_id);
      const ascii = zip.fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
      void reply
        .type('application/zip')
        .header('Content-Length', String(zip.size))
        .header('Content-Disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(zip.fileName)}`)
        .header('Cache-Control', 'private, no-store');
      return reply.send(zip.stream);
    },
  );
}
