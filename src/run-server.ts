import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureAdmin, ensureLocalUser } from './app/accounts.ts';
import { startBatchReclaimer } from './app/add-media.ts';
import { resumeDeletions } from './app/datasets.ts';
import type { AppContext } from './app/context.ts';
import { exportJobHandler, resumeExports, startExportSweeper } from './app/export/export-job.ts';
import { ConfigError, type Config } from './config/config.ts';
import { createContainer } from './container.ts';
import { lockFile, lockHolder } from './lib/lock-file.ts';
import { portInUse } from './lib/port-in-use.ts';
import { buildServer } from './http/server.ts';
import { reconcile } from './pipeline/operations.ts';
import { pipelineHandlers } from './pipeline/runner.ts';
import type { JobName } from './jobs/catalogue.ts';
import type { JobHandler } from './ports/job-queue.ts';

export interface RunningServer {
  ctx: AppContext;
  /** Where the API listens; null for a worker-only process. */
  url: string | null;
  stop(): Promise<void>;
}

/**
 * Item jobs one process runs at once, per media worker thread. The media pool runs two images
 * per thread at a time; item jobs get twice that many slots, so the pool always has the next
 * images waiting (their files opened, S3 objects fetched) and the in-process queue can claim
 * jobs several at a time.
 */
export const itemJobsPerWorker = 4;

/** Exports running at once in one process: each streams one file at a time, so a few keep the disk busy. */
const exportsPerWorker = 2;

/** Every job's handler on the queue (a job without one is a compile error here). */
function registerWorkers(ctx: AppContext): void {
  const handlers: { [N in JobName]: JobHandler<N> } = { ...pipelineHandlers(ctx.pipeline), export: exportJobHandler(ctx) };
  ctx.queue.work('item-stage', { concurrency: ctx.config.workers * itemJobsPerWorker }, handlers['item-stage']);
  ctx.queue.work('dataset-stage', { concurrency: 2 }, handlers['dataset-stage']);
  ctx.queue.work('task-abort', { concurrency: 1 }, handlers['task-abort']);
  ctx.queue.work('export', { concurrency: exportsPerWorker }, handlers.export);
}

/**
 * Starts what this process's role asks for — `all`: API and workers; `api`: only the API (it
 * queues work, never runs it); `worker`: only workers. Workers first resume unfinished work
 * (the database is the truth). stop() finishes in-flight requests and jobs before closing.
 * `listen: false` runs everything but the API, for commands that use the app directly.
 */
export async function runServer(config: Config, options: { listen?: boolean } = {}): Promise<RunningServer> {
  const listens = config.role !== 'worker' && options.listen !== false;
  // The port and the data directory are checked before anything else: a second start by mistake
  // (a Strata already running on the same data directory, on its port or another) must not
  // empty its scratch files or take over its running jobs.
  if (listens && config.port !== 0 && (await portInUse(config.host, config.port))) {
    throw new ConfigError(`STRATA_PORT ${config.port} is already in use on ${config.host}: is Strata already running? Stop it, or set another STRATA_PORT (and STRATA_DATA_DIR)`);
  }
  const lock = lockDataDir(config);
  const ctx = await createContainer(config);
  if (config.adminEmail !== null && config.adminPassword !== null && config.role !== 'worker') {
    await ensureAdmin(ctx.accounts, config.adminEmail, config.adminPassword);
  }
  if (config.auth === 'none' && config.role !== 'worker') {
    const user = await ensureLocalUser(ctx.accounts, config.adminEmail);
    ctx.logger.warn({ user: user.email, host: config.host }, 'STRATA_AUTH=none: requests without credentials are served as this admin');
  }
  // Every role finishes interrupted deletes: an API process killed mid-delete has no worker
  // to rely on, and a second process finishing the same delete does no harm.
  const deletions = await resumeDeletions(ctx);
  if (deletions > 0) ctx.logger.info({ datasets: deletions }, 'finished interrupted dataset deletes');
  // Every role, like deletes: the files of an add_media request cut off by a crash are
  // reclaimed by whichever process sees its lease run out.
  const stopReclaimer = startBatchReclaimer(ctx);
  if (config.role !== 'api') registerWorkers(ctx);
  await ctx.queue.start();
  let stopSweeper = async () => {};
  if (config.role !== 'api') {
    const resumed = await reconcile(ctx.pipeline);
    if (resumed > 0) ctx.logger.info({ operations: resumed }, 'resumed unfinished operations');
    const exports = await resumeExports(ctx);
    if (exports > 0) ctx.logger.info({ exports }, 'resumed unfinished exports');
    stopSweeper = startExportSweeper(ctx, Math.min(config.exportTtlSeconds, 3600) * 1000);
  }
  const app = listens ? await buildServer(ctx) : null;
  const url = app ? await app.listen({ host: config.host, port: config.port }) : null;
  return {
    ctx,
    url,
    async stop() {
      await app?.close();
      await stopSweeper();
      await stopReclaimer();
      ctx.statusHub.close();
      ctx.viewCache.close();
      await ctx.vectorSearch.close();
      await ctx.textEncoder?.close();
      await ctx.queue.stop();
      await ctx.pipeline.media.close();
      await ctx.store.close();
      lock?.release();
    },
  };
}

/**
 * The embedded mode's process owns its data directory — the SQLite database, whose jobs it takes
 * back at start as a dead process's, and the scratch folders it empties — so it holds
 * `strata.lock` there while it runs. Scale-out processes (PostgreSQL, pg-boss) may share a data
 * directory with one another and take no lock, but do not start on one an embedded Strata holds.
 */
function lockDataDir(config: Config): { release(): void } | null {
  mkdirSync(config.dataDir, { recursive: true });
  const path = join(config.dataDir, 'strata.lock');
  const inUse = (pid: number) => new ConfigError(`STRATA_DATA_DIR ${config.dataDir} is in use by another Strata (pid ${pid}): stop it, or set another STRATA_DATA_DIR`);
  if (config.queue !== 'inprocess') {
    const holder = lockHolder(path);
    if (holder !== null) throw inUse(holder);
    return null;
  }
  const lock = lockFile(path);
  if ('holder' in lock) throw inUse(lock.holder);
  return lock;
}
