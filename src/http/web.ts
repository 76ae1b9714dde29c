import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The built web UI (`npm run build:web`, run by `npm start` and `npm test` when missing). */
export const webDistDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist');

/**
 * The single-page app at `/`: its hashed assets as files, every other path outside /api its
 * index.html, so that each view's URL can be reloaded and shared. /api stays the API's:
 * an unknown API path answers the API's 404, never the app.
 */
export async function registerWebUi(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, { root: webDistDir, serve: false });
  const built = existsSync(resolve(webDistDir, 'index.html'));

  app.get('/*', { config: { auth: false }, schema: { hide: true } }, async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (path === '/api' || path.startsWith('/api/')) return reply.callNotFound();
    if (!built) return reply.status(503).type('text/plain; charset=utf-8').send('The web UI is not built: run `npm run build:web`.\n');
    if (path.startsWith('/assets/')) {
      // Names carry a content hash: a file never changes under its name.
      return reply.header('Cache-Control', 'public, max-age=31536000, immutable').sendFile(path.slice(1), { cacheControl: false });
    }
    return reply.header('Cache-Control', 'no-cache').sendFile('index.html', { cacheControl: false });
  });
}
