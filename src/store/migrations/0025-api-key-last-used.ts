import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * When each API key last authenticated a request (UTC), shown on the keys page. Written at
 * most once a minute per key (see noteKeyUse), so a busy script does not write per request.
 */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('last_used_at', d.text).execute();
}
