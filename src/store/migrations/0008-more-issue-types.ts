import type { Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * The issue types beyond blur, dark and bright that users know from CleanVision: their
 * confidences, written by the similarity stage like the others (null when absent).
 */
export async function up(db: Kysely<any>, _d: DialectHelpers): Promise<void> {
  for (const column of ['issue_low_information', 'issue_odd_aspect_ratio', 'issue_odd_size', 'issue_grayscale']) {
    await db.schema.alterTable('item_scores').addColumn(column, 'double precision').execute();
  }
}
