import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../ports/job-queue.ts';
import type { JobRow, JobsRepo, Store } from '../../ports/store.ts';
import { createSqliteStore } from '../../store/create-store.ts';
import { createInprocessQueue } from './inprocess-queue.ts';

// A worker whose last claim found nothing is not asked again on every finished job (that cost
// a claim transaction per item for each other job name); these check it still wakes whenever
// work may have appeared. The idle poll is pushed out of reach, so only those wake-ups count.
describe('in-process queue: wake-ups and claims', () => {
  let dir: string;
  let store: Store;
  let queue: JobQueue;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-queue-wake-'));
    store = await createSqliteStore(dir);
    queue = createInprocessQueue({ jobs: store.jobs, logger: pino({ level: 'silent' }), retryLimit: 2, retryDelayMs: 5, idlePollMs: 3_600_000 });
  });
  afterEach(async () => {
    await queue.stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const done = (n: number) => {
    let resolve!: () => void;
    const all = new Promise<void>((r) => (resolve = r));
    let seen = 0;
    return { all, tick: () => ++seen === n && resolve() };
  };

  it('runs jobs sent after every worker found its queue empty', async () => {
    const ran = done(2);
    queue.work('item-stage', { concurrency: 2 }, async () => (ran.tick(), { status: 'done' }));
    queue.work('dataset-stage', { concurrency: 2 }, async () => (ran.tick(), { status: 'done' }));
    await queue.start();
    await new Promise((r) => setTimeout(r, 100));
    await queue.send([{ name: 'dataset-stage', payload: { datasetId: 'd', taskId: 't', stage: 'summarize' } }]);
    await queue.send([{ name: 'item-stage', payload: { datasetId: 'd', taskId: 't', itemId: 'i', stage: 'analyze' } }]);
    await ran.all;
  });

  it('runs the next job of a serial key as soon as the one before it finishes', async () => {
    const order: string[] = [];
    const ran = done(3);
    queue.work('dataset-stage', { concurrency: 2 }, async ({ stage }) => {
      order.push(stage);
      await new Promise((r) => setTimeout(r, 20));
      ran.tick();
      return { status: 'done' };
    });
    await queue.start();
    await queue.send(['discover', 'similarity', 'summarize'].map((stage) => ({ name: 'dataset-stage' as const, payload: { datasetId: 'd', taskId: 't', stage }, options: { serialKey: 'dataset:d' } })));
    await ran.all;
    expect(order).toEqual(['discover', 'similarity', 'summarize']);
  });

  it('retries a failed job although its worker found nothing else to do', async () => {
    let attempts = 0;
    const ran = done(1);
    queue.work('item-stage', { concurrency: 1 }, async () => {
      if (++attempts === 1) throw new Error('first attempt fails');
      ran.tick();
      return { status: 'done' };
    });
    await queue.start();
    await queue.send([{ name: 'item-stage', payload: { datasetId: 'd', taskId: 't', itemId: 'i', stage: 'analyze' } }]);
    await ran.all;
    expect(attempts).toBe(2);
  });

  it('claims jobs several at a time while busy, never running more than its concurrency', async () => {
    const claimed: number[] = [];
    const claim = store.jobs.claim.bind(store.jobs);
    store.jobs.claim = async (name, limit) => {
      const rows = await claim(name, limit);
      if (rows.length > 0) claimed.push(rows.length);
      return rows;
    };
    const ran = done(40);
    let running = 0;
    let most = 0;
    queue.work('item-stage', { concurrency: 8 }, async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 6));
      running--;
      ran.tick();
      return { status: 'done' };
    });
    await queue.send(Array.from({ length: 40 }, (_, i) => ({ name: 'item-stage' as const, payload: { datasetId: 'd', taskId: 't', itemId: `i${i}`, stage: 'analyze' } })));
    await queue.start();
    await ran.all;
    expect(most).toBe(8);
    expect(claimed.reduce((a, b) => a + b, 0)).toBe(40);
    // One claim per finished job would take 33 claims; in batches of at least 4, at most 9.
    expect(claimed.length).toBeLessThanOrEqual(9);
    expect(Math.min(...claimed.slice(1, -1))).toBeGreaterThanOrEqual(4);
  });

  it('claims again when jobs arrive while a claim that finds nothing is in flight', async () => {
    // A jobs table whose first claim answers "nothing" only after a job has been sent, as a
    // claim that read the table just before the insert would.
    const queued: JobRow[] = [];
    let releaseFirst!: () => void;
    const firstClaimHeld = new Promise<void>((r) => (releaseFirst = r));
    let claims = 0;
    const jobs: JobsRepo = {
      async insertMany(rows) {
        for (const j of rows) queued.push({ id: queued.length + 1, name: j.name, payload: j.payload, serialKey: j.serialKey ?? null, retryCount: 0, retryLimit: j.retryLimit });
        return rows.length;
      },
      async claim(name, limit) {
        if (++claims === 1) {
          await firstClaimHeld;
          return [];
        }
        return queued.splice(0, limit).filter((j) => j.name === name);
      },
      complete: async () => {},
      retryOrFail: async () => 'failed',
      requeueActive: async () => 0,
      countOpen: async () => queued.length,
    };
    const racy = createInprocessQueue({ jobs, logger: pino({ level: 'silent' }), retryLimit: 0, idlePollMs: 3_600_000 });
    const ran = done(1);
    racy.work('item-stage', { concurrency: 1 }, async () => (ran.tick(), { status: 'done' }));
    await racy.start();
    await racy.send([{ name: 'item-stage', payload: { datasetId: 'd', taskId: 't', itemId: 'i', stage: 'analyze' } }]);
    releaseFirst();
    await ran.all;
    await racy.stop();
  });
});

describe('in-process queue: outcomes that cannot be recorded', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-queue-outcome-'));
    store = await createSqliteStore(dir);
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  // The database on a full disk: writing a job's outcome fails until space is freed. The job
  // was left active for ever (until a restart) when even recording the failure failed.
  it('runs the job again until its outcome is written, and leaves nothing active', async () => {
    let fullFor = 2;
    const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const jobs: JobsRepo = {
      ...store.jobs,
      async complete(id) {
        if (fullFor-- > 0) throw full();
        return store.jobs.complete(id);
      },
      retryOrFail: async () => {
        throw full();
      },
    };
    const queue = createInprocessQueue({ jobs, logger: pino({ level: 'silent' }), retryLimit: 0, spaceRetryMs: 5, idlePollMs: 3_600_000 });
    let runs = 0;
    let finished!: () => void;
    const third = new Promise<void>((r) => (finished = r));
    queue.work('item-stage', { concurrency: 1 }, async (_p, ctx) => {
      expect(ctx.attempt).toBe(0);
      if (++runs === 3) finished();
      return { status: 'done' };
    });
    await queue.start();
    await queue.send([{ name: 'item-stage', payload: { datasetId: 'd', taskId: 't', itemId: 'i', stage: 'analyze' } }]);
    await third;
    await queue.stop();
    expect(runs).toBe(3);
    expect(await store.jobs.countOpen()).toBe(0);
  });
});
