import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgBossQueue } from '../../src/jobs/pgboss/pgboss-queue.ts';
import type { JobQueue } from '../../src/ports/job-queue.ts';
import { createPostgresSessionLocks } from '../../src/store/postgres/session-locks.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';

/**
 * A worker killed between claiming a job and tagging it as its own leaves an active job that no
 * liveness lock answers for: it must come back without waiting for its expiry (an hour here).
 */
const logger = pino({ level: process.env.STRATA_TEST_LOG_LEVEL ?? 'silent' });
const schema = 'jobs_untagged';
let postgres: TestPostgres;
let admin: pg.Client;
const queues: JobQueue[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
});
afterAll(async () => {
  await Promise.all(queues.map((q) => q.stop(1000)));
  await admin?.end();
  await postgres?.stop();
});

const newQueue = (untaggedClaimMs: number) => {
  const q = createPgBossQueue({
    connectionString: postgres.url,
    logger,
    locks: createPostgresSessionLocks({ connectionString: postgres.url, logger }),
    schema,
    retryLimit: 2,
    expireInSeconds: { 'item-stage': 3600 },
    pollIntervalMs: 200,
    untaggedClaimMs,
  });
  queues.push(q);
  return q;
};

describe('a claim no process tagged', () => {
  it('is put back once older than untaggedClaimMs, and run by a live worker', async () => {
    const sender = newQueue(60_000);
    await sender.start();
    await sender.send([{ name: 'item-stage', payload: { datasetId: 'd', taskId: 't', itemId: 'claimed-by-the-dead', stage: 'analyze' } }]);
    // As pg-boss's fetch claims a job; the process then died before tagging it.
    const claimed = await admin.query(`UPDATE ${schema}.job SET state = 'active', started_on = now() - interval '2 seconds', expire_in = interval '1 hour' WHERE name = 'item-stage' RETURNING id`);
    expect(claimed.rowCount).toBe(1);

    const worker = newQueue(1000);
    const ran = new Promise<string>((resolve) =>
      worker.work('item-stage', { concurrency: 1 }, async (p) => {
        resolve(p.itemId);
        return { status: 'done' };
      }),
    );
    await worker.start();
    expect(await ran).toBe('claimed-by-the-dead');
  });
});
