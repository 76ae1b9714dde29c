import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * Mislabel candidates join the ranked listing (the Issues tab): their confidence (the share of
 * labelled neighbours that disagree, 0.5 to 1) gets the index the other issues have, so that a
 * page of them is read off it in order, as after 0033.
 */
export async function up(db: Kysely<any>, _d: DialectHelpers): Promise<void> {
  await db.schema
    .createIndex('item_scores_ranked_issue_mislabels')
    .on('item_scores')
    .columns(['dataset_id', 'entity_type', 'generation', 'issue_mislabels desc', 'item_id'])
    .execute();
}
