import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Kysely } from 'kysely';
import { join } from 'node:path';
import { createPostgresStore, createSqliteStore } from '../../src/store/create-store.ts';
import { pgHelpers, sqliteHelpers } from '../../src/store/dialect.ts';
import { openPostgres } from '../../src/store/postgres/open-postgres.ts';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.ts';
import { startPostgres } from './postgres.ts';

/**
 * A fresh database of each dialect for a migration test: `db` to migrate part way and seed as
 * an older release left it, `reopen` to open it as a store, which migrates it to the latest.
 * Each test file calls `cleanup` once, after all.
 */
export function migrationBackends() {
  const cleanups: Array<() => Promise<void>> = [];
  const backends = [
    {
      name: 'sqlite',
      async open() {
        const dir = mkdtempSync(join(tmpdir(), 'strata-migrate-'));
        cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
        return { db: openSqlite(join(dir, 'strata.sqlite')), dialect: sqliteHelpers, reopen: () => createSqliteStore(dir) };
      },
    },
    {
      name: 'postgres',
      async open() {
        const pg = await startPostgres();
        cleanups.push(() => pg.stop());
        return { db: openPostgres(pg.url), dialect: pgHelpers, reopen: () => createPostgresStore(pg.url) };
      },
    },
  ];
  return {
    backends,
    async cleanup() {
      for (const cleanup of cleanups) await cleanup();
    },
  };
}

/** User `u1` (an admin) and its READY dataset `d1`, written as any release since 0001 writes them. */
export async function seedDataset(db: Kysely<any>): Promise<void> {
  await db.insertInto('users').values({ id: 'u1', email: 'a@example.com', password_hash: 'x', role: 'admin', created_at: '2026-01-01T00:00:00.000000' }).execute();
  await db
    .insertInto('datasets')
    .values({ id: 'd1', display_name: 'photos', description: '', source_type: 'BUCKET', owner_id: 'u1', created_at: '2026-01-01T00:00:00.000000', status: 'READY' })
    .execute();
}
