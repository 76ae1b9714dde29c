import { sql, type Kysely } from 'kysely';
import type { JobRow, JobsRepo } from '../../ports/store.ts';
import { chunkRows, type DialectHelpers } from '../dialect.ts';
import type { DB } from '../schema.ts';

const OPEN_STATES = ['created', 'retry', 'active'] as const;

/**
 * Marks the oldest ready jobs of `name` active, at most `limit`, and at most one per serial key
 * (none for a key that already has an active job). Ready jobs are found through the partial
 * indexes of migration 0004, in id order, so a claim costs the same with a million queued.
 */
export function claimStatement(name: string, limit: number, now: number, d: DialectHelpers) {
  return sql<{ id: number; name: string; payload: string; serial_key: string | null; retry_count: number; retry_limit: number }>`
    update jobs set state = 'active', started_at = ${now}
    where id in (
      select j.id from jobs j
      where j.name = ${name} and j.state in ('created', 'retry') and j.start_after <= ${now}
        and (j.serial_key is null or (
          not exists (select 1 from jobs a where a.serial_key = j.serial_key and a.state = 'active')
          -- one job per serial key per claim: the oldest ready one
          and j.id = (select min(b.id) from jobs b
                      where b.serial_key = j.serial_key and b.state in ('created', 'retry') and b.start_after <= ${now})))
      order by j.id
      limit ${limit}
      ${d.skipLocked})
    returning id, name, payload, serial_key, retry_count, retry_limit`;
}

/**
 * The durable job table behind the in-process queue. States follow pg-boss's vocabulary
 * (created, retry, active, completed, failed) so moving to pg-boss changes no caller.
 */
export function jobsRepo(db: Kysely<DB>, d: DialectHelpers): JobsRepo {
  return {
    async insertMany(jobs) {
      if (jobs.length === 0) return 0;
      const now = Date.now();
      const rows = jobs.map((j) => ({
        name: j.name,
        payload: JSON.stringify(j.payload),
        singleton_key: j.singletonKey ?? null,
        serial_key: j.serialKey ?? null,
        state: 'created',
        retry_count: 0,
        retry_limit: j.retryLimit,
        start_after: now,
        started_at: null,
        completed_at: null,
        output: null,
        created_at: now,
      }));
      return db.transaction().execute(async (trx) => {
        let inserted = 0;
        for (const chunk of chunkRows(d, rows)) {
          // The partial unique index (migration 0002) is what keeps one open job per singleton
          // key, across processes too; the insert skips what it would duplicate.
          const res = await trx
            .insertInto('jobs')
            .values(chunk)
            .onConflict((oc) => oc.column('singleton_key').where(sql<boolean>`state in ('created', 'retry', 'active')`).doNothing())
            .returning('id')
            .execute();
          inserted += res.length;
        }
        return inserted;
      });
    },

    async claim(name, limit) {
      if (limit <= 0) return [];
      const rows = await db.transaction().execute(async (trx) => {
        await d.serializeClaims(trx);
        const res = await claimStatement(name, limit, Date.now(), d).execute(trx);
        return res.rows;
      });
      return rows
        .map(
          (r): JobRow => ({
            id: Number(r.id),
            name: r.name,
            payload: JSON.parse(r.payload) as unknown,
            serialKey: r.serial_key,
            retryCount: Number(r.retry_count),
            retryLimit: Number(r.retry_limit),
          }),
        )
        .sort((x, y) => x.id - y.id);
    },

    async complete(id) {
      // Finished jobs leave the table: the pipeline's own tables record what was done.
      await db.deleteFrom('jobs').where('id', '=', id).execute();
    },

    async retryOrFail(id, error, delayMs) {
      return db.transaction().execute(async (trx) => {
        const job = await trx.selectFrom('jobs').select(['retry_count', 'retry_limit']).where('id', '=', id).executeTakeFirst();
        if (!job) return 'failed';
        const exhausted = Number(job.retry_count) >= Number(job.retry_limit);
        await trx
          .updateTable('jobs')
          .set(
            exhausted
              ? { state: 'failed', completed_at: Date.now(), output: error }
              : { state: 'retry', retry_count: sql`retry_count + 1`, start_after: Date.now() + delayMs, output: error },
          )
          .where('id', '=', id)
          .execute();
        return exhausted ? 'failed' : 'retry';
      });
    },

    async requeueActive() {
      const res = await db.updateTable('jobs').set({ state: 'retry', start_after: Date.now() }).where('state', '=', 'active').executeTakeFirst();
      return Number(res.numUpdatedRows);
    },

    async countOpen() {
      const r = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('state', 'in', OPEN_STATES).executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
