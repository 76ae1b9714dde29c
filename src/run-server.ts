import { ensureAdmin } from './app/accounts.ts';
import type { AppContext } from './app/context.ts';
import type { Config } from './config/config.ts';
import { createContainer } from './container.ts';
import { buildServer } from './http/server.ts';
import { reconcile } from './pipeline/operations.ts';

export interface RunningServer {
  ctx: AppContext;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts API and workers in this process: resumes unfinished work (the database is the truth),
 * then listens. stop() finishes in-flight requests and jobs before closing the store.
 */
export async function runServer(config: Config): Promise<RunningServer> {
  const ctx = await createContainer(config);
  if (config.adminEmail !== null && config.adminPassword !== null) {
    await ensureAdmin(ctx.accounts, config.adminEmail, config.adminPassword);
  }
  await ctx.queue.start();
  const resumed = await reconcile(ctx.pipeline);
  if (resumed > 0) ctx.logger.info({ operations: resumed }, 'resumed unfinished operations');
  const app = await buildServer(ctx);
  const url = await app.listen({ host: config.host, port: config.port });
  return {
    ctx,
    url,
    async stop() {
      await app.close();
      ctx.statusHub.close();
      ctx.viewCache.close();
      await ctx.queue.stop();
      await ctx.pipeline.media.close();
      await ctx.store.close();
    },
  };
}
