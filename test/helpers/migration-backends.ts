import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresStore, createSqliteStore } from '../../src/store/create-store.ts';
import { pgHelpers, sqliteHelpers } from '../../src/store/dialect.ts';
import { openPostgres } from '../../src/store/postgres/open-postgres.ts';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.ts';
import { startPostgres } from './postgres.ts';

/**
 * Both databases, opened unmigrated (`db`, to migrate part of the way and seed rows as an
 * older schema held them) and then as a store (`reopen`, which migrates to the latest).
 * `cleanups` gets what removes each database.
 */
export function migrationBackends(cleanups: Array<() => Promise<void>>) {
  return [
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
}
