import { sql, type Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * A video's frames count from 0, as their timestamps do (frame 0 is at 0 s): frames indexed
 * before counted from 1, and are renumbered.
 *
 * And the media listing's new order, by file name, then creation, then frame index (a video's
 * frames share their name and creation time, and came out in the random order of their ids),
 * as an index holding what the listing filters on, replacing migration 0025's: a page is still
 * read off the index without sorting the dataset.
 */
export async function up(db: Kysely<any>, _d: DialectHelpers): Promise<void> {
  await sql`update items set frame_index = frame_index - 1 where kind = 'video_frame'`.execute(db);
  await db.schema.dropIndex('items_listing').execute();
  await db.schema.createIndex('items_listing').on('items').columns(['dataset_id', 'file_name', 'created_at', 'frame_index', 'id', 'state', 'kind']).execute();
}
