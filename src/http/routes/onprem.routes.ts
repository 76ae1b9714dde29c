import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { createFromBucket } from '../../app/datasets.ts';
import { DomainError } from '../../domain/errors.ts';
import { ProcessStarted } from '../../api/schemas.ts';
import { callerOf } from '../auth.ts';
import { statusOfCode } from '../errors.ts';
import { ok } from '../schemas.ts';

/**
 * Visual Layer's on-prem API, for scripts written for a self-hosted install:
 * `GET /api/v1/process?path=&name=` makes a dataset from a local folder (under
 * STRATA_IMPORT_ROOTS here) and answers `{status: "success", message, dataset_id, name}`; its
 * errors carry `status: "error"` and `message` beside the usual `detail`.
 */
export function onPremRoutes(app: FastifyInstance, ctx: AppContext): void {
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
        if (!(err instanceof DomainError)) throw err;
        return reply.status(statusOfCode[err.code]).send({ detail: err.message, status: 'error', message: err.message, request_id: req.id });
      }
    },
  );
}
