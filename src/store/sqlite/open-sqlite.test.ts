import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from './open-sqlite.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('openSqlite', () => {
  it('reports a full database as SQLITE_FULL, not as the failed rollback after it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-sqlite-'));
    const db = openSqlite(join(dir, 'full.sqlite'));
    try {
      await sql`create table t (v blob)`.execute(db);
      // The database may not grow past its current size: what a full disk does to it.
      const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(db);
      await sql.raw(`pragma max_page_count = ${rows[0]!.page_count}`).execute(db);
      const write = db.transaction().execute(async (trx) => {
        await sql`insert into t (v) values (zeroblob(1000000))`.execute(trx);
      });
      await expect(write).rejects.toMatchObject({ code: 'SQLITE_FULL' });
      // The connection is usable afterwards.
      expect((await sql<{ n: number }>`select count(*) as n from t`.execute(db)).rows[0]!.n).toBe(0);
    } finally {
      await db.destroy();
    }
  });
});
