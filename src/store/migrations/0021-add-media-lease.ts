import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * The files of an add_media request stream into an upload transaction of their own before the
 * operation starts. While the request is alive it keeps renewing a lease on that transaction;
 * a process that died mid-request stops renewing, and the transaction (its rows and stored
 * files) is reclaimed once the lease has run out. Null for transactions of the four-step
 * upload, which stay open across requests by design.
 */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  await db.schema.alterTable('upload_transactions').addColumn('lease_until', d.text).execute();
}
