import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobContext, JobQueue } from '../../ports/job-queue.ts';
import type { Store } from '../../ports/store.ts';
import { createSqliteStore } from '../../store/create-store.ts';
import { createInprocessQueue } from './inprocess-queue.ts';

let dir: string;
let store: Store;
let queue: JobQueue;
const logger = pino({ level: 'silent' });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-queue-'));
  store = await createSqliteStore(dir);
  queue = createInprocessQueue({ jobs: store.jobs, logger, retryLimit: 2, retryDelayMs: 5 });
});
afterEach(async () => {
  await queue.stop();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const item = (itemId: string) => ({ datasetId: 'd', taskId: 't', itemId, stage: 'analyze' });

describe('in-process job queue', () => {
  it('runs every job once and removes it when done', async () => {
    const seen: string[] = [];
    const all = deferred();
    queue.work('item-stage', { concurrency: 3 }, async (p) => {
      seen.push(p.itemId);
      if (seen.length === 10) all.resolve();
      return { status: 'done' };
    });
    await queue.start();
    await queue.send(Array.from({ length: 10 }, (_, i) => ({ name: 'item-stage' as const, payload: item(String(i)) })));
    await all.promise;
    expect(seen.sort()).toEqual(Array.from({ length: 10 }, (_, i) => String(i)).sort());
    await queue.stop();
    expect(await store.jobs.countOpen()).toBe(0);
  });

  it('ignores a second send with the same singleton key while the first is queued', async () => {
    await queue.send([{ name: 'item-stage', payload: item('a'), options: { singletonKey: 'k' } }]);
    await queue.send([{ name: 'item-stage', payload: item('a'), options: { singletonKey: 'k' } }]);
    expect(await store.jobs.countOpen()).toBe(1);
  });

  it('retries a throwing handler with backoff and marks the last attempt', async () => {
    const attempts: JobContext[] = [];
    const last = deferred();
    queue.work('item-stage', { concurrency: 1 }, async (_p, ctx) => {
      attempts.push(ctx);
      if (ctx.isLastAttempt) last.resolve();
      throw new Error('infrastructure hiccup');
    });
    await queue.start();
    await queue.send([{ name: 'item-stage', payload: item('x') }]);
    await last.promise;
    expect(attempts.map((a) => [a.attempt, a.isLastAttempt])).toEqual([[0, false], [1, false], [2, true]]);
  });

  it('never runs two jobs with the same serial key at once', async () => {
    let running = 0;
    let maxRunning = 0;
    let finished = 0;
    const all = deferred();
    queue.work('dataset-stage', { concurrency: 4 }, async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      if (++finished === 4) all.resolve();
      return { status: 'done' };
    });
    await queue.start();
    await queue.send(
      ['a', 'b', 'c', 'd'].map((stage) => ({ name: 'dataset-stage' as const, payload: { datasetId: 'd', taskId: 't', stage }, options: { serialKey: 'dataset:d' } })),
    );
    await all.promise;
    expect(maxRunning).toBe(1);
  });

  it('puts jobs a dead process left active back in the queue on start', async () => {
    await queue.send([{ name: 'item-stage', payload: item('orphan') }]);
    const claimed = await store.jobs.claim('item-stage', 10);
    expect(claimed).toHaveLength(1); // now "active", as if its process had died mid-job
    const ran = deferred();
    queue.work('item-stage', { concurrency: 1 }, async (p) => {
      expect(p.itemId).toBe('orphan');
      ran.resolve();
      return { status: 'done' };
    });
    await queue.start();
    await ran.promise;
  });
});
