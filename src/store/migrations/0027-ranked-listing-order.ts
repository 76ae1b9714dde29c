import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/** The score columns a media listing can be ranked by (the Issues tab). */
export const rankedColumns = [
  'uniqueness',
  'issue_blur',
  'issue_dark',
  'issue_bright',
  'issue_outliers',
  'issue_duplicates',
  'issue_low_information',
  'issue_odd_aspect_ratio',
  'issue_odd_size',
  'issue_grayscale',
];

/**
 * The ranked media listing's order, one index per score column: a page is read off the
 * index in order (highest first, item id breaking ties) instead of sorting every score of
 * the dataset for each page.
 */
export async function up(db: Kysely<any>, _d: DialectHelpers): Promise<void> {
  for (const column of rankedColumns) {
    await db.schema.createIndex(`item_scores_ranked_${column}`).on('item_scores').columns(['dataset_id', `${column} desc`, 'item_id']).execute();
  }
}
