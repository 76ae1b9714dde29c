import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../ports/store.ts';
import { createChangeFeed } from './change-feed.ts';
import { sqliteHelpers } from './dialect.ts';
import { migrateToLatest } from './migrate.ts';
import { datasetsRepo } from './repos/datasets.repo.ts';
import { itemsRepo } from './repos/items.repo.ts';
import { jobsRepo } from './repos/jobs.repo.ts';
import { tasksRepo } from './repos/tasks.repo.ts';
import { uploadsRepo } from './repos/uploads.repo.ts';
import { usersRepo } from './repos/users.repo.ts';
import { openSqlite } from './sqlite/open-sqlite.ts';

/** Opens the embedded SQLite store under the data directory, migrated to the latest schema. */
export async function createSqliteStore(dataDir: string): Promise<Store> {
  mkdirSync(dataDir, { recursive: true });
  const db = openSqlite(join(dataDir, 'strata.sqlite'));
  await migrateToLatest(db, sqliteHelpers);
  const feed = createChangeFeed();
  return {
    users: usersRepo(db),
    datasets: datasetsRepo(db, feed.emit),
    tasks: tasksRepo(db, feed.emit),
    uploads: uploadsRepo(db),
    items: itemsRepo(db, feed.emit),
    jobs: jobsRepo(db),
    onDatasetChange: feed.subscribe,
    close: () => db.destroy(),
  };
}
