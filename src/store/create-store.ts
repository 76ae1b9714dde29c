import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Store } from '../ports/store.ts';
import { createChangeFeed } from './change-feed.ts';
import { pgHelpers, sqliteHelpers, type DialectHelpers } from './dialect.ts';
import { migrateToLatest } from './migrate.ts';
import { openPostgres, type PostgresOptions } from './postgres/open-postgres.ts';
import { datasetsRepo } from './repos/datasets.repo.ts';
import { enrichmentRepo } from './repos/enrichment.repo.ts';
import { exportsRepo } from './repos/exports.repo.ts';
import { itemsRepo } from './repos/items.repo.ts';
import { jobsRepo } from './repos/jobs.repo.ts';
import { mediaRepo } from './repos/media.repo.ts';
import { similarityRepo } from './repos/similarity.repo.ts';
import { tasksRepo } from './repos/tasks.repo.ts';
import { uploadsRepo } from './repos/uploads.repo.ts';
import { usersRepo } from './repos/users.repo.ts';
import type { DB } from './schema.ts';
import { openSqlite } from './sqlite/open-sqlite.ts';

/** Opens the embedded SQLite store under the data directory, migrated to the latest schema. */
export async function createSqliteStore(dataDir: string): Promise<Store> {
  mkdirSync(dataDir, { recursive: true });
  return storeOver(openSqlite(join(dataDir, 'strata.sqlite')), sqliteHelpers);
}

/**
 * Opens the PostgreSQL store at `url` (postgres://user:pass@host:port/db), migrated to the
 * latest schema. Several processes may open it at once: migrations take Kysely's advisory lock.
 */
export async function createPostgresStore(url: string, options?: PostgresOptions): Promise<Store> {
  return storeOver(openPostgres(url, options), pgHelpers);
}

async function storeOver(db: Kysely<DB>, dialect: DialectHelpers): Promise<Store> {
  try {
    await migrateToLatest(db, dialect);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const feed = createChangeFeed();
  return {
    users: usersRepo(db),
    datasets: datasetsRepo(db, feed.emit),
    tasks: tasksRepo(db, feed.emit),
    uploads: uploadsRepo(db, dialect),
    items: itemsRepo(db, dialect, feed.emit),
    jobs: jobsRepo(db, dialect),
    similarity: similarityRepo(db, dialect),
    media: mediaRepo(db),
    exports: exportsRepo(db),
    enrichment: enrichmentRepo(db, dialect, feed.emit),
    onDatasetChange: feed.subscribe,
    close: () => db.destroy(),
  };
}
