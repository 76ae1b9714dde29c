import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';
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
  return new Kysely<DB>({ dialect: new SqliteDialectKeepingCause({ database: withStatementCache(sqlite) }, sqlite) });
}

/**
 * SQLite rolls a transaction back by itself on some errors (SQLITE_FULL among them). Kysely
 * then sends ROLLBACK anyway, which fails with "cannot rollback - no transaction is active"
 * and replaces the error that said what happened; so ROLLBACK is sent only while a
 * transaction is still open.
 */
class SqliteDialectKeepingCause extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly sqlite: Database.Database,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new SqliteDriverKeepingCause(this.config, this.sqlite);
  }
}

class SqliteDriverKeepingCause extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly sqlite: Database.Database,
  ) {
    super(config);
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.sqlite.inTransaction) await super.rollbackTransaction(connection);
  }
}

const statementCacheSize = 256;

/**
 * Kysely prepares every query anew, and preparing costs more than running the small statements
 * of the per-item path (about a third of the main thread's time per indexed image). The same
 * SQL text always compiles to the same statement, so prepared statements are kept, most
 * recently used last, and reused. Safe because the driver runs each statement to completion
 * synchronously (no statement is iterated while another query runs).
 */
function withStatementCache(db: Database.Database) {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => void db.close(),
    prepare(sql: string): Database.Statement {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = db.prepare(sql);
        if (cache.size >= statementCacheSize) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}
