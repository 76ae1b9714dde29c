import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createInprocessQueue } from '../../src/jobs/inprocess/inprocess-queue.ts';
import { createPgBossQueue } from '../../src/jobs/pgboss/pgboss-queue.ts';
import { createPostgresSessionLocks } from '../../src/store/postgres/session-locks.ts';
import type { JobContext, JobQueue, OutgoingJob } from '../../src/ports/job-queue.ts';
import { createSqliteStore } from '../../src/store/create-store.ts';
import { createStorageState, type StorageState } from '../../src/lib/storage-full.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';

/**
 * The JobQueue port's contract, run against every backend: the embedded queue over SQLite and
 * pg-boss over a throwaway PostgreSQL. Each test gets fresh storage; `queue()` called twice
 * gives two independent queues over it, as two processes would have.
 */
interface Harness {
  /** `storage`: told when processing waits for storage space. */
  queue(storage?: StorageState): JobQueue;
  /** Jobs queued, waiting for a retry, or running. */
  countOpen(): Promise<number>;
  close(): Promise<void>;
}

interface Backend {
  name: string;
  /** How long a job may run without being considered abandoned (0: never, the process owns it). */
  expirySeconds: number;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  open(): Promise<Harness>;
}

const logger = pino({ level: process.env.STRATA_TEST_LOG_LEVEL ?? 'silent' });
const RETRY_LIMIT = 2;

const inprocess: Backend = {
  name: 'in-process (SQLite)',
  expirySeconds: 0,
  setup: async () => {},
  teardown: async () => {},
  async open() {
    const dir = await mkdtemp(join(tmpdir(), 'strata-queue-'));
    const store = await createSqliteStore(dir);
    return {
      queue: (storage) => createInprocessQueue({ jobs: store.jobs, logger, retryLimit: RETRY_LIMIT, retryDelayMs: 5, storage, spaceRetryMs: 5 }),
      countOpen: () => store.jobs.countOpen(),
      async close() {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

const PGBOSS_EXPIRY_SECONDS = 3;
let postgres: TestPostgres | undefined;
let schemas = 0;
const pgboss: Backend = {
  name: 'pg-boss (PostgreSQL)',
  expirySeconds: PGBOSS_EXPIRY_SECONDS,
  async setup() {
    postgres = await startPostgres();
  },
  async teardown() {
    await postgres?.stop();
  },
  async open() {
    const url = postgres!.url;
    // A schema per test: pg-boss installs itself afresh, and tests cannot see each other's jobs.
    const schema = `jobs_t${++schemas}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    return {
      queue: (storage) =>
        createPgBossQueue({
          connectionString: url,
          logger,
          locks: createPostgresSessionLocks({ connectionString: url, logger }),
          schema,
          retryLimit: RETRY_LIMIT,
          retryDelaySeconds: 1,
          expireInSeconds: { 'dataset-stage': PGBOSS_EXPIRY_SECONDS, 'item-stage': PGBOSS_EXPIRY_SECONDS },
          maintenanceIntervalSeconds: 1,
          pollIntervalMs: 200,
          serialRetryMs: 100,
          storage,
          spaceRetryMs: 5,
        }),
      async countOpen() {
        const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.job WHERE state < 'completed'`);
        return rows[0]!.n;
      },
      async close() {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      },
    };
  },
};

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const item = (itemId: string, singletonKey?: string): OutgoingJob<'item-stage'> => ({
  name: 'item-stage',
  payload: { datasetId: 'd', taskId: 't', itemId, stage: 'analyze' },
  ...(singletonKey !== undefined && { options: { singletonKey } }),
});

const datasetStage = (datasetId: string, stage: string): OutgoingJob<'dataset-stage'> => ({
  name: 'dataset-stage',
  payload: { datasetId, taskId: 't', stage },
  options: { serialKey: `dataset:${datasetId}` },
});

describe.each([inprocess, pgboss])('job queue contract: $name', (backend) => {
  let harness: Harness;
  let queues: JobQueue[];
  /** A queue over this test's storage; stopped after the test. */
  const newQueue = () => {
    const q = harness.queue();
    queues.push(q);
    return q;
  };

  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  beforeEach(async () => {
    harness = await backend.open();
    queues = [];
  });
  afterEach(async () => {
    await Promise.all(queues.map((q) => q.stop(1000)));
    await harness.close();
  });

  it('starts several processes together on fresh storage, each able to run jobs', async () => {
    // Servers of a deployment start at the same time; on a fresh database they race to create
    // the queues (pg-boss 10 creates a queue's tables without a lock of its own).
    const together = Array.from({ length: 6 }, newQueue);
    const ran: string[] = [];
    for (const q of together) {
      q.work('item-stage', { concurrency: 1 }, async (p) => {
        ran.push(p.itemId);
        return { status: 'done' };
      });
    }
    await Promise.all(together.map((q) => q.start()));
    await together[0]!.send([item('a'), item('b'), item('c')]);
    await vi.waitFor(() => expect(ran.sort()).toEqual(['a', 'b', 'c']), { timeout: 15_000, interval: 50 });
  });

  it('runs every job exactly once and leaves nothing open', async () => {
    const queue = newQueue();
    const seen: string[] = [];
    const all = deferred();
    queue.work('item-stage', { concurrency: 3 }, async (p) => {
      seen.push(p.itemId);
      if (seen.length === 10) all.resolve();
      return { status: 'done' };
    });
    await queue.start();
    await queue.send(Array.from({ length: 10 }, (_, i) => item(String(i))));
    await all.promise;
    await queue.stop();
    expect(seen.sort()).toEqual(Array.from({ length: 10 }, (_, i) => String(i)).sort());
    expect(await harness.countOpen()).toBe(0);
  });

  it('ignores sends with a singleton key while a job with that key is queued or running', async () => {
    const queue = newQueue();
    // Queued: a second send, and a duplicate within one batch, are no-ops.
    await queue.send([item('a', 'k')]);
    await queue.send([item('a', 'k'), item('b', 'other'), item('b', 'other')]);
    expect(await harness.countOpen()).toBe(2);

    const started = deferred();
    const release = deferred();
    const runs: string[] = [];
    queue.work('item-stage', { concurrency: 2 }, async (p) => {
      runs.push(p.itemId);
      if (p.itemId === 'a') {
        started.resolve();
        await release.promise;
      }
      return { status: 'done' };
    });
    await queue.start();
    await started.promise;
    // Running: still a no-op (else a second 'a' would run, or be left open below).
    await queue.send([item('a', 'k')]);
    release.resolve();
    await queue.stop();
    expect(runs.sort()).toEqual(['a', 'b']);
    expect(await harness.countOpen()).toBe(0);

    // Finished: the key is free again.
    const again = newQueue();
    const ranAgain = deferred();
    again.work('item-stage', { concurrency: 1 }, async () => {
      ranAgain.resolve();
      return { status: 'done' };
    });
    await again.start();
    await again.send([item('a', 'k')]);
    await ranAgain.promise;
  });

  it('retries a throwing handler with backoff, marks the last attempt, then gives up', async () => {
    const queue = newQueue();
    const attempts: JobContext[] = [];
    const last = deferred();
    queue.work('item-stage', { concurrency: 1 }, async (_p, ctx) => {
      attempts.push(ctx);
      if (ctx.isLastAttempt) last.resolve();
      throw new Error('infrastructure hiccup');
    });
    await queue.start();
    // With a singleton key: a retry must not be mistaken for a duplicate of itself.
    await queue.send([item('x', 'retry-me')]);
    await last.promise;
    await queue.stop();
    expect(attempts.map((a) => [a.attempt, a.isLastAttempt])).toEqual([
      [0, false],
      [1, false],
      [2, true],
    ]);
    expect(new Set(attempts.map((a) => a.jobId)).size).toBe(1);
    expect(await harness.countOpen()).toBe(0);
  });

  it('runs a job that met a full storage again, without spending an attempt, until space is back', async () => {
    const storage = createStorageState();
    const queue = harness.queue(storage);
    queues.push(queue);
    const heard: boolean[] = [];
    storage.onChange((full) => heard.push(full));
    const attempts: Array<Pick<JobContext, 'attempt' | 'isLastAttempt'>> = [];
    const done = deferred();
    queue.work('item-stage', { concurrency: 1 }, async (_p, ctx) => {
      attempts.push({ attempt: ctx.attempt, isLastAttempt: ctx.isLastAttempt });
      // More times than the retry limit allows for errors.
      if (attempts.length <= RETRY_LIMIT + 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      done.resolve();
      return { status: 'done' };
    });
    await queue.start();
    await queue.send([item('x')]);
    await done.promise;
    await vi.waitFor(async () => expect(await harness.countOpen()).toBe(0), { timeout: 15_000, interval: 50 });
    expect(attempts).toEqual(Array.from({ length: RETRY_LIMIT + 3 }, () => ({ attempt: 0, isLastAttempt: false })));
    expect(heard).toEqual([true, false]);
    expect(storage.full).toBe(false);
  });

  it('does not retry a handler that reports a failure', async () => {
    const queue = newQueue();
    let runs = 0;
    const ran = deferred();
    queue.work('item-stage', { concurrency: 1 }, async () => {
      runs++;
      ran.resolve();
      return { status: 'failed', reason: 'unreadable image' };
    });
    await queue.start();
    await queue.send([item('bad')]);
    await ran.promise;
    await queue.stop();
    expect(runs).toBe(1);
    expect(await harness.countOpen()).toBe(0);
  });

  it('never runs two jobs with the same serial key at once, across queues', async () => {
    const running = new Map<string, number>();
    const maxRunning = new Map<string, number>();
    const attempts = new Set<number>();
    let finished = 0;
    const all = deferred();
    const total = 10;
    for (const queue of [newQueue(), newQueue()]) {
      queue.work('dataset-stage', { concurrency: 4 }, async (p, ctx) => {
        attempts.add(ctx.attempt);
        const n = (running.get(p.datasetId) ?? 0) + 1;
        running.set(p.datasetId, n);
        maxRunning.set(p.datasetId, Math.max(maxRunning.get(p.datasetId) ?? 0, n));
        await new Promise((r) => setTimeout(r, 30));
        running.set(p.datasetId, running.get(p.datasetId)! - 1);
        if (++finished === total) all.resolve();
        return { status: 'done' };
      });
      await queue.start();
    }
    await queues[0]!.send(['a', 'b', 'c', 'd', 'e', 'f'].map((stage) => datasetStage('d1', stage)));
    await queues[1]!.send(['a', 'b', 'c', 'd'].map((stage) => datasetStage('d2', stage)));
    await all.promise;
    expect(Object.fromEntries(maxRunning)).toEqual({ d1: 1, d2: 1 });
    // Waiting for the key is not a failed attempt.
    expect([...attempts]).toEqual([0]);
  });

  it('resumes, in a new queue, a job whose process stopped without finishing it', async () => {
    const first = newQueue();
    const claimed = deferred();
    first.work('item-stage', { concurrency: 1 }, async () => {
      claimed.resolve();
      return new Promise(() => {}); // the process "dies" mid-job: the handler never returns
    });
    await first.start();
    await first.send([item('orphan', 'orphan-key')]);
    await claimed.promise;
    await first.stop(50);

    const second = newQueue();
    const resumed = deferred<string>();
    second.work('item-stage', { concurrency: 1 }, async (p) => {
      resumed.resolve(p.itemId);
      return { status: 'done' };
    });
    await second.start();
    expect(await resumed.promise).toBe('orphan');
  });

  it('does not hand a long-running job to another worker while its process is alive', async () => {
    // Longer than the expiry plus a maintenance pass: only a heartbeat keeps the job claimed.
    const holdMs = backend.expirySeconds > 0 ? (backend.expirySeconds + 2) * 1000 : 200;
    let runs = 0;
    const done = deferred();
    for (const queue of [newQueue(), newQueue()]) {
      queue.work('item-stage', { concurrency: 1 }, async () => {
        runs++;
        await new Promise((r) => setTimeout(r, holdMs));
        done.resolve();
        return { status: 'done' };
      });
      await queue.start();
    }
    await queues[0]!.send([item('slow')]);
    await done.promise;
    await Promise.all(queues.map((q) => q.stop()));
    expect(runs).toBe(1);
    expect(await harness.countOpen()).toBe(0);
  });
});
