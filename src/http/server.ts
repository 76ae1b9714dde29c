import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { DomainError } from '../domain/errors.ts';
import { registerAuth } from './auth.ts';
import { registerDocs } from './docs.ts';
import { registerErrorHandling } from './errors.ts';
import { schemaError } from './validation-errors.ts';
import { authRoutes } from './routes/auth.routes.ts';
import { datasetRoutes } from './routes/datasets.routes.ts';
import { eventRoutes } from './routes/events.routes.ts';
import { enrichmentRoutes } from './routes/enrichment.routes.ts';
import { exportRoutes } from './routes/export.routes.ts';
import { exploreRoutes } from './routes/explore.routes.ts';
import { mediaRoutes } from './routes/media.routes.ts';
import { sharingRoutes } from './routes/sharing.routes.ts';
import { growthRoutes } from './routes/growth.routes.ts';
import { taskRoutes } from './routes/tasks.routes.ts';
import { onPremRoutes } from './routes/onprem.routes.ts';
import { ingestionRoutes } from './routes/ingestion.routes.ts';
import { Health, sharedSchemas } from '../api/schemas.ts';
import { ok } from './schemas.ts';
import { registerWebUi } from './web.ts';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export async function buildServer(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    // A caller's own request id is kept (for tracing across services) when it is sane.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  });

  app.addHook('onRequest', async (req, reply) => {
    void reply.header('x-request-id', req.id);
    // A NUL is never meaningful in this API, and PostgreSQL refuses it inside text: refused
    // here, once, with a clear error rather than as a database fault deep in a use case.
    if (/%00/i.test(req.url)) throw new DomainError('BAD_REQUEST', 'NUL characters are not allowed in the URL');
  });
  app.addHook('preValidation', async (req) => {
    if (hasNul(req.body)) throw new DomainError('BAD_REQUEST', 'NUL characters are not allowed in the request body');
  });
  app.addHook('preHandler', async (req) => {
    const where = nonFiniteNumber({ querystring: req.query, params: req.params });
    if (!where) return;
    // Shaped as a schema error, so it answers like every other one.
    throw schemaError(where.part, [{ keyword: 'finite', instancePath: `/${where.key}`, message: 'must be a finite number', params: {} }]);
  });

  await app.register(cookie);
  await app.register(formbody);
  await app.register(multipart, {
    // Keep the client's file name as sent, so names with path parts are refused with a clear
    // error instead of being silently cut to their last segment (busboy's default).
    ...({ preservePath: true } as object),
    limits: {
      fileSize: ctx.config.maxUploadFileBytes,
      files: ctx.config.maxUploadFilesPerRequest,
      fields: 50,
      fieldSize: 64 * 1024,
      parts: ctx.config.maxUploadFilesPerRequest + 50,
      headerPairs: 200,
    },
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Strata API', version: '1.0.0', description: 'Visual datasets: indexing, status, search. Wire-compatible with Visual Layer’s REST API.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, session: { type: 'apiKey', in: 'cookie', name: 'SESSION' } } },
      security: [{ bearer: [] }, { session: [] }],
    },
    // Shared schemas are named by their $id in the document (the default names them def-N).
    refResolver: { buildLocalReference: (json: { $id?: unknown }, _base: unknown, _fragment: unknown, i: number) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  for (const schema of sharedSchemas) app.addSchema(schema);

  registerErrorHandling(app);
  registerAuth(app, ctx);

  await registerDocs(app);
  app.get('/api/v1/health', { config: { auth: false }, schema: { tags: ['system'], summary: 'Liveness', response: ok(Health) } }, async () => ({ status: 'ok' }));

  authRoutes(app, ctx);
  datasetRoutes(app, ctx);
  sharingRoutes(app, ctx);
  onPremRoutes(app, ctx);
  ingestionRoutes(app, ctx);
  growthRoutes(app, ctx);
  eventRoutes(app, ctx);
  mediaRoutes(app, ctx);
  exploreRoutes(app, ctx);
  exportRoutes(app, ctx);
  taskRoutes(app, ctx);
  enrichmentRoutes(app, ctx);
  await registerWebUi(app);
  return app;
}

/** Whether a parsed JSON or form body holds a NUL character in any string, key or value. */
function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > 32) return false;
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v, depth + 1));
}

/**
 * Ajv turns the query strings "Infinity" and "1e309" into Infinity, and then skips the
 * integer, minimum and maximum checks, which it only runs on finite numbers: a page size of
 * Infinity passed the schema and failed in the database. JSON cannot carry such a number, so
 * after validation any non-finite number in the query or the path came from that coercion.
 */
function nonFiniteNumber(parts: { querystring: unknown; params: unknown }): { part: 'querystring' | 'params'; key: string } | null {
  for (const part of ['querystring', 'params'] as const) {
    const values = parts[part];
    if (typeof values !== 'object' || values === null) continue;
    for (const [key, value] of Object.entries(values)) {
      const items: unknown[] = Array.isArray(value) ? value : [value];
      if (items.some((v) => typeof v === 'number' && !Number.isFinite(v))) return { part, key };
    }
  }
  return null;
}
