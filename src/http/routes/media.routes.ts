import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { duplicateGroups, duplicatesOf, getMedia, listMedia, mediaBytes, parseClusterId } from '../../app/media.ts';
import { DomainError } from '../../domain/errors.ts';
import type { RankedScore } from '../../domain/similarity/issues.ts';
import type { MediaListing } from '../../ports/store.ts';
import { callerOf } from '../auth.ts';
import { binaryBody, DuplicateGroups, DuplicateIds, MediaDetail, MediaPage, RankedScoreName, refTo } from '../../api/schemas.ts';
import { DatasetIdParams, ok } from '../schemas.ts';

const MediaParams = Type.Object({ dataset_id: Type.String({ minLength: 1, maxLength: 64 }), media_id: Type.String({ minLength: 1, maxLength: 64 }) });
type MediaParamsT = { dataset_id: string; media_id: string };

export function mediaRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/api/v1/dataset/:dataset_id/media',
    {
      schema: {
        tags: ['media'],
        summary: 'Every indexed image and video frame in a stable order; or one cluster\'s (cluster_id); or those with an issue or uniqueness score of at least min_confidence, highest first (issue)',
        params: DatasetIdParams,
        querystring: Type.Object({
          page_number: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
          page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          cluster_id: Type.Optional(Type.String({ maxLength: 32, description: 'A cluster id from explore, e.g. "0-12"' })),
          issue: Type.Optional(RankedScoreName),
          min_confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'With issue; default 0' })),
        }),
        response: ok(MediaPage),
      },
    },
    async (req) => {
      const { dataset_id } = req.params as { dataset_id: string };
      const q = req.query as { page_number?: number; page_size?: number; cluster_id?: string; issue?: RankedScore; min_confidence?: number };
      if (q.cluster_id !== undefined && q.issue !== undefined) throw new DomainError('UNPROCESSABLE', 'cluster_id and issue cannot be combined');
      if (q.min_confidence !== undefined && q.issue === undefined) throw new DomainError('UNPROCESSABLE', 'min_confidence needs issue');
      const listing: MediaListing | undefined =
        q.cluster_id !== undefined ? { kind: 'cluster', ...parseClusterId(q.cluster_id) } : q.issue !== undefined ? { kind: 'ranked', by: q.issue, min: q.min_confidence ?? 0 } : undefined;
      return listMedia(ctx, callerOf(req), dataset_id, { number: q.page_number ?? 0, size: q.page_size ?? 100 }, listing);
    },
  );

  app.get(
    '/api/v1/dataset/:dataset_id/media/:media_id',
    { schema: { tags: ['media'], summary: 'One media item: metadata, issues, labels, scores', params: MediaParams, response: ok(refTo(MediaDetail)) } },
    async (req) => {
      const { dataset_id, media_id } = req.params as MediaParamsT;
      return getMedia(ctx, callerOf(req), dataset_id, media_id);
    },
  );

  app.get(
    '/api/v1/dataset/:dataset_id/media/:media_id/duplicates',
    {
      schema: {
        tags: ['media'],
        summary: 'Ids of the media duplicating this one at a similarity level (0.96 … 1.0; other values snap up to the next level)',
        params: MediaParams,
        querystring: Type.Object({ threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })) }),
        response: ok(DuplicateIds),
      },
    },
    async (req) => {
      const { dataset_id, media_id } = req.params as MediaParamsT;
      const { threshold = 0.96 } = req.query as { threshold?: number };
      return duplicatesOf(ctx, callerOf(req), dataset_id, media_id, threshold);
    },
  );

  app.get(
    '/api/v1/dataset/:dataset_id/duplicates',
    {
      schema: {
        tags: ['media'],
        summary: 'Duplicate groups at a similarity level (0.96 … 1.0; other values snap up to the next level), largest first',
        params: DatasetIdParams,
        querystring: Type.Object({
          threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          page_number: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
          page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        }),
        response: ok(DuplicateGroups),
      },
    },
    async (req) => {
      const { dataset_id } = req.params as { dataset_id: string };
      const { threshold = 0.96, page_number = 0, page_size = 20 } = req.query as { threshold?: number; page_number?: number; page_size?: number };
      return duplicateGroups(ctx, callerOf(req), dataset_id, { threshold, pageNumber: page_number, pageSize: page_size });
    },
  );

  for (const which of ['image', 'thumbnail'] as const) {
    app.get(
      `/api/v1/dataset/:dataset_id/media/:media_id/${which}`,
      { schema: { tags: ['media'], summary: which === 'image' ? 'The media bytes (media_uri)' : 'The thumbnail, JPEG or (with transparency) WebP (media_thumb_uri)', params: MediaParams, response: ok(binaryBody(...(which === 'image' ? ['image/*', 'video/*'] : ['image/jpeg', 'image/webp']))) } },
      async (req, reply) => {
        const { dataset_id, media_id } = req.params as MediaParamsT;
        const bytes = await mediaBytes(ctx, callerOf(req), dataset_id, media_id, which);
        void reply.type(bytes.contentType).header('Cache-Control', 'private, max-age=3600').header('X-Content-Type-Options', 'nosniff');
        if (bytes.size !== null) void reply.header('Content-Length', String(bytes.size));
        return reply.send(bytes.stream);
      },
    );
  }
}
