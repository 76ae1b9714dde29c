import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * When each API key last authenticated a request (UTC), shown on the keys page. Written at
 * most once a minute per key (see noteKeyUse), so a busy script does not write per request.
 *
 * And the media listing's order as an index holding what the listing filters on: a page is
 * then read off the index, without sorting the dataset, and pages deep into a million items
 * skip index entries rather than whole rows.
 */
export async function up(db: Kysely<any>, d: DialectHelpers): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('last_used_at', d.text).execute();
  await db.schema.createIndex('items_listing').on('items').columns(['dataset_id', 'created_at', 'id', 'state', 'kind']).execute();
}
