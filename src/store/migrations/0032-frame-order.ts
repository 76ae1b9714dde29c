import { sql, type Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.ts';

/**
 * A video's frames count from 0, as their timestamps do (frame 0 is at 0 s): frames indexed
 * before counted from 1, and are renumbered.
 */
export async function up(db: Kysely<any>, _d: DialectHelpers): Promise<void> {
  await sql`update items set frame_index = frame_index - 1 where kind = 'video_frame'`.execute(db);
}
