import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { addMediaFrom } from '../../app/add-media.ts';
import { createFromBucket } from '../../app/datasets.ts';
import { DomainError } from '../../domain/errors.ts';
import { ProcessAddMediaStarted, ProcessStarted } from '../../api/schemas.ts';
import { callerOf } from '../auth.ts';
import { statusOfCode } from '../errors.ts';
import { ok } from '../schemas.ts';

/**
 * Visual Layer's on-prem API, for scripts written for a self-hosted install:
 * `GET /api/v1/process?path=&name=` makes a dataset from a local folder (under
 * STRATA_IMPORT_ROOTS here) and answers `{status: "success", message, dataset_id, name}`;
 * `GET /api/v1/process/add_media?dataset_id=&path=` adds a folder's media to a dataset, as
 * add_media with that folder as its source does. Errors carry `status: "error"` and `message`
 * beside the usual `detail`.
 */
export function onPremRoutes(app: FastifyInstance, ctx: AppContext): void {
  const onPremError = (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    if (!(err instanceof DomainError)) throw err;
    return reply.status(statusOfCode[err.code]).send({ detail: err.message, status: 'error', message: err.message, request_id: req.id });
  };

  app.get(
    '/api/v1/process',
    {
      schema: {
        tags: ['datasets'],
        summary: "Create a dataset from a local folder, as Visual Layer's on-prem installs do (path under STRATA_IMPORT_ROOTS)",
        querystring: Type.Object({ path: Type.String({ minLength: 1, maxLength: 4096 }), name: Type.String({ minLength: 1, maxLength: 255 }) }),
        response: ok(ProcessStarted),
      },
    },
    async (req, reply) => {
      const { path, name } = req.query as { path: string; name: string };
      try {
        const { dataset_id } = await createFromBucket(ctx, callerOf(req), { name, bucketPath: path });
        return { status: 'success' as const, message: 'Dataset processing started', dataset_id, name };
      } catch (err) {
        return onPremError(err, req, reply);
      }
    },
  );

  app.get(
    '/api/v1/process/add_media',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Add the media of a local folder (under STRATA_IMPORT_ROOTS) to a dataset, as add_media does; optional auto_reindex',
        querystring: Type.Object({
          dataset_id: Type.String({ minLength: 1, maxLength: 64 }),
          path: Type.String({ minLength: 1, maxLength: 4096 }),
          auto_reindex: Type.Optional(Type.Boolean({ default: false })),
        }),
        response: ok(ProcessAddMediaStarted),
      },
    },
    async (req, reply) => {
      const { dataset_id, path, auto_reindex } = req.query as { dataset_id: string; path: string; auto_reindex?: boolean };
      try {
        const started = await addMediaFrom(ctx, callerOf(req), dataset_id, { uri: path, autoReindex: auto_reindex === true });
        return { status: 'success' as const, message: 'Media addition started', dataset_id: started.dataset_id, task_id: started.task_id };
      } catch (err) {
        return onPremError(err, req, reply);
      }
    },
  );
}
