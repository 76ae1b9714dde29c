import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

const DOCS = '/api/v1/docs';

/**
 * The OpenAPI document at /api/v1/openapi.json, and at /api/v1/docs for clients (anything not
 * asking for HTML, as scripts and fetch do by default); browsers get Swagger UI there instead.
 * None of it needs a caller.
 */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  app.get('/api/v1/openapi.json', { config: { auth: false }, schema: { hide: true } }, async () => app.swagger());

  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, auth: false };
    });
    await scope.register(swaggerUi, {
      routePrefix: DOCS,
      uiConfig: { docExpansion: 'list', deepLinking: true },
      uiHooks: {
        onRequest: async (req, reply) => {
          const path = req.url.split('?')[0];
          const wantsHtml = (req.headers.accept ?? '').includes('text/html');
          if ((path === DOCS || path === `${DOCS}/`) && !wantsHtml) return reply.send(app.swagger());
        },
      },
    });
  });
}
