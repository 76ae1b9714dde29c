import { sql, type Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * "At most one queued-or-active job per singleton key" becomes a constraint instead of a check
 * before the insert: on PostgreSQL two processes checking at once would both find no open job
 * and both insert. SQLite (one writer) could not produce duplicates, but any found are removed
 * first so that the index can always be built.
 */
export async function up(db: Kysely<any>, _d: DialectHelpers): Promise<void> {
  await sql`
    delete from jobs
    where singleton_key is not null and state in ('created', 'retry', 'active')
      and id not in (select min(id) from jobs
                     where singleton_key is not null and state in ('created', 'retry', 'active')
                     group by singleton_key)`.execute(db);
  await db.schema
    .createIndex('jobs_singleton_open')
    .on('jobs')
    .column('singleton_key')
    .unique()
    .where(sql<boolean>`state in ('created', 'retry', 'active')`)
    .execute();
}
