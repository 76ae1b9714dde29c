import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { SessionLocks } from '../../ports/session-locks.ts';
import type { Logger } from 'pino';
import { jobNames, type JobName } from '../catalogue.ts';
import type { JobContext, JobHandler, JobQueue, OutgoingJob } from '../../ports/job-queue.ts';
import { createStorageState, isStorageFull, type StorageState } from '../../lib/storage-full.ts';

/**
 * The scale-out job queue: pg-boss 10 on the PostgreSQL that holds the metadata, shared by any
 * number of worker processes. The port's semantics, and how they map:
 *
 * - Claiming: `boss.fetch` (`FOR UPDATE SKIP LOCKED`) in our own loop, so `concurrency` is exact
 *   and a send in this process wakes the workers at once; sends from other processes are seen
 *   on the next poll. Completion and failure go through `boss.complete` / `boss.fail`, so retries
 *   use pg-boss's exponential backoff and `retryCount` (+1 per re-run) gives `isLastAttempt`.
 * - singletonKey: pg-boss 10 gives "at most one queued-or-active per key" under no queue policy
 *   (`short` counts only `created`, `singleton` only `active`, `stately` one per state, and all
 *   three treat a missing key as one shared key). So queues are `standard` and Strata adds one
 *   partial unique index over pg-boss's job table, (name, singleton_key) where state is created,
 *   retry or active. pg-boss's inserts are `ON CONFLICT DO NOTHING`, so a duplicate send is a
 *   no-op — atomic across processes, indexed, and a whole page of sends is one statement.
 * - serialKey: a session-level advisory lock on the key, taken on a dedicated connection after
 *   the job is claimed and held until it is completed. Any worker in any process takes the same
 *   lock in the same database, so two handlers with one key never overlap; a process that dies
 *   drops its connection and PostgreSQL frees the lock at once. A job whose key is taken goes
 *   back to the queue untouched (attempt not counted) and is tried again shortly.
 * - Dead processes: each process that runs jobs holds a session-level advisory lock on its own
 *   id for its whole life, and tags every job it claims with that id (and the claim's time).
 *   PostgreSQL frees the lock the moment the process's connection goes, so at each poll any
 *   process finds active jobs whose owner's lock is gone and puts them back to retry (counting
 *   the attempt, as an expiry would): a kill -9'd worker's jobs resume within seconds.
 * - A claim its process never tagged (killed between the two statements) is put back too once
 *   it is older than untaggedClaimMs: a live process tags its claims at once, in the same poll.
 * - Expiry, the fallback (a lock connection lost): a claimed
 *   job carries an expiry that a heartbeat keeps pushing out while its handler runs. When the
 *   process dies the heartbeat stops; pg-boss's maintenance then fails the job by timeout and it
 *   is retried by whichever worker polls next. Trade-off: a short expiry
 *   resumes a killed worker's jobs sooner but risks a second run when a live process misses
 *   heartbeats (an event loop or database stalled for longer than the expiry); handlers are
 *   idempotent over the database, and serial-key jobs stay exclusive regardless (the lock, not the
 *   expiry, guards them). Because of the heartbeat the expiry bounds recovery time, not job length.
 */
export interface PgBossQueueDeps {
  connectionString: string;
  logger: Logger;
  /** Where serial-key locks are taken; the queue closes them when it stops. */
  locks: SessionLocks;
  retryLimit: number;
  /** Base of pg-boss's exponential backoff: about delay·2^attempt (with jitter) seconds; 0 retries at once. Default 1. */
  retryDelaySeconds?: number;
  /** PostgreSQL schema for pg-boss's tables. Default `pgboss`. */
  schema?: string;
  /** Seconds without a heartbeat after which a job counts as abandoned. Defaults: see DEFAULT_EXPIRY_SECONDS. */
  expireInSeconds?: Partial<Record<JobName, number>>;
  /** How often pg-boss's maintenance (expiry of abandoned jobs, archiving) runs. Default 60. */
  maintenanceIntervalSeconds?: number;
  /** How often idle workers look for jobs sent by other processes. Default 2000. */
  pollIntervalMs?: number;
  /** How soon a job whose serial key is busy is tried again (±50 % jitter). Default 1000. */
  serialRetryMs?: number;
  /** Age from which a claim no process has tagged as its own counts as a dead process's. Default 60000. */
  untaggedClaimMs?: number;
  /** Told when processing starts and stops waiting for storage space. */
  storage?: StorageState;
  /** First wait of a job put back by a full storage (doubling up to 30 s, reset by a success). Default 1000. */
  spaceRetryMs?: number;
}

/** Abandoned jobs come back after this long (plus up to one maintenance interval). */
const DEFAULT_EXPIRY_SECONDS: Record<JobName, number> = { 'dataset-stage': 180, 'item-stage': 120, 'task-abort': 60, export: 180 };
const HEARTBEATS_PER_EXPIRY = 4;
/** Longest wait before a job put back by a full storage is tried again. */
const MAX_SPACE_WAIT_MS = 30_000;

/** What Strata stores in a pg-boss job's `data`. */
interface JobData {
  payload: unknown;
  serialKey?: string;
}

type ClaimedJob = PgBoss.JobWithMetadata<JobData>;

interface Worker {
  name: JobName;
  concurrency: number;
  handler: JobHandler<JobName>;
  active: number;
}

export function createPgBossQueue(deps: PgBossQueueDeps): JobQueue {
  const schema = deps.schema ?? 'pgboss';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid pg-boss schema name: ${schema}`);
  const expiry = { ...DEFAULT_EXPIRY_SECONDS, ...deps.expireInSeconds };
  const retryDelay = deps.retryDelaySeconds ?? 1;
  // pg-boss keeps both as whole seconds.
  if (!Number.isInteger(retryDelay) || retryDelay < 0) throw new Error(`retryDelaySeconds must be a whole number >= 0, got ${retryDelay}`);
  for (const [name, seconds] of Object.entries(expiry)) {
    if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`expireInSeconds for ${name} must be a whole number >= 1, got ${seconds}`);
  }
  const pollIntervalMs = deps.pollIntervalMs ?? 2000;
  const serialRetryMs = deps.serialRetryMs ?? 1000;
  const untaggedClaimMs = deps.untaggedClaimMs ?? 60_000;
  const spaceRetryMs = deps.spaceRetryMs ?? 1000;
  const storage = deps.storage ?? createStorageState();
  /** Jobs put back by a full storage since the last success: the backoff's exponent. */
  let spaceWaits = 0;
  const boss = new PgBoss({
    connectionString: deps.connectionString,
    schema,
    application_name: 'strata-jobs',
    schedule: false, // no cron jobs: nothing for pg-boss's clock to do
    supervise: true,
    maintenanceIntervalSeconds: deps.maintenanceIntervalSeconds ?? 60,
  });
  boss.on('error', (err) => deps.logger.error({ err }, 'pg-boss error'));
  const sql = jobSql(schema);
  /** This process's id in the jobs it claims; its liveness lock is held while it runs. */
  const owner = randomUUID();
  let releaseLiveness: (() => Promise<void>) | null = null;

  const workers: Worker[] = [];
  const running = new Set<Promise<void>>();
  /** Claimed jobs this process is running, by queue, for the heartbeat. */
  const heartbeats = new Map<JobName, Set<string>>(jobNames.map((n) => [n, new Set<string>()]));
  let ready: Promise<void> | undefined;
  let started = false;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let pumping: Promise<void> | null = null;
  let pumpAgain = false;

  const db = () => boss.getDb();

  /** Opens pg-boss (creating or migrating its schema), the queues and Strata's singleton index. */
  function open(): Promise<void> {
    ready ??= (async () => {
      await boss.start();
      for (const name of jobNames) await db().executeSql(sql.createQueue, [name, { policy: 'standard' }]);
      await db().executeSql(sql.singletonIndex, []);
    })();
    return ready;
  }

  async function heartbeat(name: JobName, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await db().executeSql(sql.heartbeat, [name, ids, expiry[name]]);
  }

  function beatAll(): void {
    for (const [name, ids] of heartbeats) {
      heartbeat(name, [...ids]).catch((err: unknown) => deps.logger.warn({ err, job: name }, 'job heartbeat failed'));
    }
  }

  async function runJob(w: Worker, job: ClaimedJob): Promise<void> {
    const { payload, serialKey } = job.data;
    const release = serialKey === undefined ? null : await deps.locks.tryAcquire(`strata.${schema}.serial:${serialKey}`);
    if (serialKey !== undefined && release === null) {
      // Another handler holds the key: back to the queue without spending an attempt.
      const delayMs = Math.round(serialRetryMs * (0.5 + Math.random()));
      await db().executeSql(sql.putBack, [w.name, job.id, delayMs]);
      setTimeout(wake, delayMs + 5).unref();
      return;
    }
    const ids = heartbeats.get(w.name)!;
    ids.add(job.id);
    const ctx: JobContext = { jobId: job.id, attempt: job.retryCount, isLastAttempt: job.retryCount >= job.retryLimit };
    const log = { job: w.name, jobId: job.id, attempt: job.retryCount };
    try {
      const result = await w.handler(payload as never, ctx);
      if (result.status === 'failed') deps.logger.warn({ ...log, reason: result.reason }, 'job recorded a failure');
      await boss.complete(w.name, job.id);
      storage.report(false);
      spaceWaits = 0;
    } catch (err) {
      if (isStorageFull(err)) {
        // Not the job's fault: back to the queue without spending an attempt, later each time.
        storage.report(true);
        const delayMs = Math.min(spaceRetryMs * 2 ** spaceWaits++, MAX_SPACE_WAIT_MS);
        await db().executeSql(sql.putBack, [w.name, job.id, delayMs]);
        setTimeout(wake, delayMs + 5).unref();
        return;
      }
      deps.logger.error({ ...log, err, willRetry: !ctx.isLastAttempt }, 'job threw');
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      await boss.fail(w.name, job.id, { message });
    } finally {
      ids.delete(job.id);
      await release?.();
    }
  }

  async function claim(w: Worker): Promise<ClaimedJob[]> {
    const jobs = await boss.fetch<JobData>(w.name, { batchSize: w.concurrency - w.active, includeMetadata: true });
    if (jobs.length > 0) await db().executeSql(sql.tagOwner, [w.name, jobs.map((j) => j.id), owner]);
    // A retried job inherits the expiry its last heartbeat set; bring it back to the configured one.
    const stale = jobs.filter((j) => j.expireInSeconds > expiry[w.name] * 1.5).map((j) => j.id);
    await heartbeat(w.name, stale);
    return jobs;
  }

  async function pumpOnce(): Promise<void> {
    for (const w of workers) {
      while (!stopping && w.active < w.concurrency) {
        const claimed = await claim(w);
        if (claimed.length === 0) break;
        for (const job of claimed) {
          w.active++;
          const p = runJob(w, job)
            .catch((err: unknown) => deps.logger.error({ err, job: w.name, jobId: job.id }, 'job bookkeeping failed; the job will expire and run again'))
            .finally(() => {
              w.active--;
              running.delete(p);
              wake();
            });
          running.add(p);
        }
      }
    }
  }

  /** Puts back the jobs of processes that died (their liveness lock is gone), then claims work. */
  async function poll(): Promise<void> {
    try {
      const requeued = await db().executeSql(sql.requeueOrphans, [owner, untaggedClaimMs]);
      if (requeued.rows.length > 0) deps.logger.warn({ jobs: requeued.rows.length }, 'requeued the jobs of a process that died');
    } catch (err) {
      deps.logger.warn({ err }, 'could not look for the jobs of dead processes');
    }
    wake();
  }

  /** Claims work until every worker is busy or nothing is ready; coalesces concurrent wake-ups. */
  function wake(): void {
    if (!started || stopping) return;
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = (async () => {
      try {
        do {
          pumpAgain = false;
          await pumpOnce();
        } while (pumpAgain && !stopping);
      } catch (err) {
        deps.logger.error({ err }, 'job queue could not claim work');
      } finally {
        pumping = null;
      }
    })();
  }

  return {
    async send(jobs: readonly OutgoingJob[]) {
      if (jobs.length === 0) return;
      await open();
      await boss.insert(
        jobs.map((j) => ({
          name: j.name,
          data: { payload: j.payload, ...(j.options?.serialKey !== undefined && { serialKey: j.options.serialKey }) } satisfies JobData,
          ...(j.options?.singletonKey !== undefined && { singletonKey: j.options.singletonKey }),
          retryLimit: deps.retryLimit,
          retryDelay: retryDelay,
          retryBackoff: retryDelay > 0,
          expireInSeconds: expiry[j.name],
        })),
      );
      wake();
    },

    work(name, options, handler) {
      workers.push({ name, concurrency: options.concurrency, handler: handler as JobHandler<JobName>, active: 0 });
    },

    async start() {
      await open();
      if (workers.length > 0) {
        releaseLiveness = await deps.locks.tryAcquire(livenessKey(schema, owner));
        if (releaseLiveness === null) throw new Error(`the liveness lock of job queue process ${owner} is taken`);
      }
      started = true;
      pollTimer = setInterval(() => void poll(), pollIntervalMs);
      pollTimer.unref();
      const beatMs = (Math.min(...jobNames.map((n) => expiry[n])) * 1000) / HEARTBEATS_PER_EXPIRY;
      heartbeatTimer = setInterval(beatAll, beatMs);
      heartbeatTimer.unref();
      wake();
    },

    stop(timeoutMs = 10_000) {
      stopped ??= shutdown(timeoutMs);
      return stopped;
    },
  };

  async function shutdown(timeoutMs: number): Promise<void> {
    stopping = true;
    if (pollTimer) clearInterval(pollTimer);
    await pumping; // a claim in flight starts its jobs: wait for those too
    const all = Promise.allSettled([...running]);
    await Promise.race([all, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    // Jobs still running stay active with no heartbeat: they expire and run again elsewhere,
    // by which time this process is gone. Their serial locks go with their connections.
    if (heartbeatTimer) clearInterval(heartbeatTimer);
    await releaseLiveness?.();
    await deps.locks.close();
    if (ready) await ready.catch(() => {});
    await boss.stop({ graceful: true, timeout: Math.max(1000, timeoutMs), close: true });
  }
}

/** The session lock a process running jobs holds for its whole life. */
function livenessKey(schema: string, owner: string): string {
  return `strata.${schema}.worker:${owner}`;
}

/** Strata's few statements against pg-boss's job table (columns as of pg-boss 10). */
function jobSql(schema: string) {
  // The 64-bit key SessionLocks derives from livenessKey(schema, owner of job row j); in
  // pg_locks an advisory lock on a bigint shows as classid (high half), objid (low half), objsubid 1.
  const ownerLockKey = `('x' || substr(md5('strata.${schema}.worker:' || (j.data->>'owner')), 1, 16))::bit(64)::bigint`;
  return {
    // pg-boss's createQueue, under the lock below: pg-boss 10 takes none, and processes starting
    // together on a fresh schema deadlock in it (one inserts the queue's row while another builds
    // its partition). The lock is taken in FROM, so before create_queue runs, and held until this
    // statement's transaction ends; a queue that exists already is left as it is.
    createQueue: `
      SELECT ${schema}.create_queue($1, $2)
      FROM (SELECT pg_advisory_xact_lock(hashtext('strata.pgboss.${schema}.ddl'))) AS turn`,
    // One statement, so one transaction: processes starting together create the index one after
    // the other under the transaction-scoped lock (IF NOT EXISTS alone races on the catalog).
    singletonIndex: `
      DO $$ BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('strata.pgboss.${schema}.ddl'));
        CREATE UNIQUE INDEX IF NOT EXISTS strata_open_singleton_key ON ${schema}.job (name, singleton_key)
          WHERE singleton_key IS NOT NULL AND state < 'completed';
      END $$`,
    // started_on back to NULL: pg-boss counts a re-run (retry_count + 1) only when it is set.
    putBack: `
      UPDATE ${schema}.job
      SET state = CASE WHEN retry_count = 0 THEN 'created'::${schema}.job_state ELSE 'retry'::${schema}.job_state END,
        started_on = NULL,
        start_after = now() + $3 * interval '1 millisecond'
      WHERE name = $1 AND id = $2 AND state = 'active'`,
    // The claim's started_on goes with the owner: a job claimed again (by a live process, not
    // yet tagged) no longer matches its old owner's tag and is left alone.
    tagOwner: `
      UPDATE ${schema}.job SET data = data || jsonb_build_object('owner', $3::text, 'ownerStartedOn', started_on)
      WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'active'`,
    // As pg-boss's expiry does it (attempt counted; failed when none is left), but at once: the
    // claims of owners whose lock is gone, and claims left untagged (the tag is of an earlier
    // claim, or none) for longer than $2 ms.
    requeueOrphans: `
      UPDATE ${schema}.job j
      SET state = CASE WHEN j.retry_count < j.retry_limit THEN 'retry'::${schema}.job_state ELSE 'failed'::${schema}.job_state END,
        completed_on = CASE WHEN j.retry_count < j.retry_limit THEN NULL ELSE now() END,
        output = '{"message": "the process running it died"}'::jsonb
      WHERE j.state = 'active'
        AND CASE WHEN (j.data->>'ownerStartedOn')::timestamptz IS NOT DISTINCT FROM j.started_on
          THEN j.data->>'owner' <> $1
            AND NOT EXISTS (
              SELECT 1 FROM pg_locks l
              WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND ((l.classid::bigint << 32) | l.objid::bigint) = ${ownerLockKey})
          ELSE j.started_on < now() - $2 * interval '1 millisecond'
        END
      RETURNING j.id`,
    heartbeat: `
      UPDATE ${schema}.job SET expire_in = (now() - started_on) + $3 * interval '1 second'
      WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'active'`,
  };
}
