import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { DB } from '../schema.ts';

/**
 * Opens the embedded database. WAL lets status reads proceed while the pipeline writes;
 * synchronous=NORMAL keeps commits durable across process crashes (not power loss), which is
 * what the reconciler relies on.
 */
export function openSqlite(path: string): Kysely<DB> {
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
}
