import type { FastifyInstance } from 'fastify';
import { beginAddMedia, MediaBatch, reindexDataset } from '../../app/add-media.ts';
import type { AppContext } from '../../app/context.ts';
import { DomainError } from '../../domain/errors.ts';
import { MediaAdditionStarted, ReindexStarted } from '../../api/schemas.ts';
import { callerOf } from '../auth.ts';
import { multipartParts } from '../multipart.ts';
import { booleanField, DatasetIdParams, ok } from '../schemas.ts';

/** A dataset that grows (SPEC §6): add_media, then reindex. */
export function growthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    '/api/v1/dataset/:dataset_id/add_media',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Add media from exactly one source: files (repeated), archive (.zip/.tar/.tar.gz) or s3_uri (s3:// or a path under the import roots); optional auto_reindex',
        params: DatasetIdParams,
        consumes: ['multipart/form-data'],
        response: ok(MediaAdditionStarted, 202),
      },
    },
    async (req, reply) => {
      const { dataset_id } = req.params as { dataset_id: string };
      const user = callerOf(req);
      const dataset = await beginAddMedia(ctx, user, dataset_id);
      if (!req.isMultipart()) throw new DomainError('BAD_REQUEST', 'Expected a multipart/form-data body with one media source: files[], s3_uri, or archive');
      const batch = new MediaBatch(ctx, dataset);
      try {
        let s3Uri: string | null = null;
        let autoReindex = false;
        for await (const part of multipartParts(req)) {
          if (part.type === 'field') {
            const value = typeof part.value === 'string' ? part.value : '';
            if (value.includes('\u0000')) throw new DomainError('BAD_REQUEST', 'NUL characters are not allowed in form fields');
            if (part.fieldname === 's3_uri') s3Uri = value.trim();
            else if (part.fieldname === 'auto_reindex') autoReindex = booleanField('auto_reindex', value, 'body')!;
          } else if (part.fieldname === 'files' || part.fieldname === 'files[]') {
            await batch.addFile(part.filename, part.file);
          } else if (part.fieldname === 'archive') {
            await batch.addArchive(part.file);
          } else {
            part.file.resume();
          }
        }
        return await reply.status(202).send(await batch.start(user, { s3Uri, autoReindex }));
      } catch (err) {
        await batch.discard();
        throw err;
      }
    },
  );

  app.post(
    '/api/v1/dataset/:dataset_id/reindex',
    { schema: { tags: ['datasets'], summary: 'Recompute groups, clusters, outliers and uniqueness after media were added (only from PARTIAL INDEX)', params: DatasetIdParams, response: ok(ReindexStarted, 202) } },
    async (req, reply) => {
      const { dataset_id } = req.params as { dataset_id: string };
      return reply.status(202).send(await reindexDataset(ctx, callerOf(req), dataset_id));
    },
  );
}
