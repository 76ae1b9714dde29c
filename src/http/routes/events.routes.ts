import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { visibleView } from '../../app/datasets.ts';
import { callerOf } from '../auth.ts';
import { eventStreamBody } from '../../api/schemas.ts';
import { DatasetIdParams, ok } from '../schemas.ts';

const KEEP_ALIVE_MS = 15_000;

/**
 * Server-Sent Events of a dataset's status: one `status` event on connect (unless the client's
 * Last-Event-ID is already current), then one per change. Event ids are dataset revisions.
 */
export function eventRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Streams never end on their own; on shutdown they are closed so the server can stop.
  const open = new Set<import('node:http').ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get(
    '/api/v1/dataset/:dataset_id/events',
    { schema: { tags: ['datasets'], summary: 'Status changes as Server-Sent Events (resumable with Last-Event-ID)', params: DatasetIdParams, response: ok(eventStreamBody) } },
    async (req, reply) => {
      const { dataset_id } = req.params as { dataset_id: string };
      const { dataset, view: initial } = await visibleView(ctx, callerOf(req), dataset_id);
      const lastEventId = Number(req.headers['last-event-id']);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-request-id': req.id,
        'x-accel-buffering': 'no',
      });
      // A HEAD request gets the headers alone (Node drops the body of a HEAD response, so the
      // stream would never send anything). Otherwise the headers go out now: with a current
      // Last-Event-ID there is no first event, and the client would see nothing until the
      // first keep-alive.
      if (req.method === 'HEAD') return void res.end();
      res.flushHeaders();

      let lastEtag = '';
      let closed = false;
      let sending = false;
      let again = false;
      let pendingRevision: number | undefined;

      async function push(minRevision?: number): Promise<void> {
        if (sending) {
          again = true;
          pendingRevision = Math.max(pendingRevision ?? 0, minRevision ?? 0);
          return;
        }
        sending = true;
        try {
          do {
            again = false;
            const wanted = Math.max(minRevision ?? 0, pendingRevision ?? 0) || undefined;
            pendingRevision = undefined;
            const current = await ctx.viewCache.get(dataset_id, wanted);
            if (closed) return;
            if (!current) {
              res.write(`event: deleted\ndata: {"id":${JSON.stringify(dataset_id)}}\n\n`);
              res.end();
              return;
            }
            if (current.view.etag !== lastEtag) {
              lastEtag = current.view.etag;
              res.write(`id: ${current.dataset.revision}\nevent: status\ndata: ${current.json}\n\n`);
            }
          } while (again && !closed);
        } catch (err) {
          req.log.warn({ err }, 'status event could not be sent');
        } finally {
          sending = false;
        }
      }

      open.add(res);
      const unsubscribe = ctx.statusHub.subscribe(dataset_id, (revision) => void push(revision));
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
      res.on('close', () => {
        closed = true;
        open.delete(res);
        clearInterval(keepAlive);
        unsubscribe();
      });

      if (Number.isInteger(lastEventId) && lastEventId === dataset.revision) {
        lastEtag = initial.etag;
      } else {
        await push();
      }
    },
  );
}
