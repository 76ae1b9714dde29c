import { sql, type ColumnDefinitionBuilder, type Expression, type Kysely, type RawBuilder } from 'kysely';

/**
 * Every place where SQLite and PostgreSQL differ, kept together. The repos and migrations are
 * written once against these; nothing else in the store branches on the dialect.
 */
export interface DialectHelpers {
  readonly name: 'sqlite' | 'postgres';
  /** Column type of auto-incrementing ids (SQLite's integer is 64-bit already). */
  readonly autoIncrementId: 'integer' | 'bigint';
  autoIncrementModifier(c: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /**
   * Text that compares and sorts by code point on both. SQLite's default BINARY collation does;
   * PostgreSQL would otherwise follow the cluster's locale (en_US puts "apple" before "Zebra",
   * C puts it after), so keyset paging by id and sorting by name would depend on how the server
   * was initialised.
   */
  readonly text: 'text' | Expression<unknown>;
  /** Raw bytes (embedding vectors). */
  readonly blob: 'blob' | 'bytea';
  /** Bound parameters one statement may carry (SQLite 32766, PostgreSQL's wire protocol 65535). */
  readonly maxParams: number;
  /** Lets concurrent claimers pass over rows another transaction is claiming instead of waiting. */
  readonly skipLocked: RawBuilder<unknown>;
  /** Holds the rows a statement reads until its transaction ends, against concurrent updates. */
  readonly forShare: RawBuilder<unknown>;
  /**
   * Called first in every claim transaction. The serial-key rule reads rows other claimers may
   * be changing; claims must therefore see each other's commits, one after the other.
   */
  serializeClaims(trx: Kysely<any>): Promise<void>;
  /**
   * Runs the migrator so that processes starting together migrate one after the other, and a
   * crash mid-migration leaves the schema as it was.
   */
  withMigrationLock<T>(db: Kysely<any>, migrate: () => Promise<T>): Promise<T>;
}

export const sqliteHelpers: DialectHelpers = {
  name: 'sqlite',
  autoIncrementId: 'integer',
  autoIncrementModifier: (c) => c.primaryKey().autoIncrement(),
  text: 'text',
  blob: 'blob',
  maxParams: 32_766,
  skipLocked: sql``,
  // One writer at a time: a statement's reads cannot change under it.
  forShare: sql``,
  // SQLite runs one writer at a time across processes, and the claim is a single statement.
  serializeClaims: async () => {},
  // Kysely takes no lock on SQLite and runs each migration outside a transaction (it assumes
  // one connection). SQLite's DDL is transactional: one IMMEDIATE transaction around the whole
  // run holds off other processes (they wait, busy_timeout) and rolls back a failed migration.
  // Safe on the store's single connection because nothing else uses it before migration ends.
  withMigrationLock: async (db, migrate) => {
    await sql`begin immediate`.execute(db);
    try {
      const result = await migrate();
      await sql`commit`.execute(db);
      return result;
    } catch (err) {
      // SQLite may have rolled back already (SQLITE_FULL does): that ROLLBACK's own failure
      // must not hide the error that caused it.
      await sql`rollback`.execute(db).catch(() => {});
      throw err;
    }
  },
};

/** Arbitrary, fixed: the advisory lock that makes job claims from every process take turns. */
const CLAIM_LOCK = sql.lit(5_391_402_117_044_211n);

export const pgHelpers: DialectHelpers = {
  name: 'postgres',
  autoIncrementId: 'bigint',
  autoIncrementModifier: (c) => c.primaryKey().generatedByDefaultAsIdentity(),
  text: sql`text collate "C"`,
  blob: 'bytea',
  maxParams: 65_535,
  skipLocked: sql`for update skip locked`,
  forShare: sql`for share`,
  // Under READ COMMITTED each statement sees only what committed before it began. Without the
  // lock, two claimers whose statements overlap could each see "no active job for key k" and
  // take two different jobs of k (e.g. when their clocks disagree about which is ready). The
  // transaction-scoped lock is released at commit, so the next claim's statement sees this one.
  serializeClaims: async (trx) => {
    await sql`select pg_advisory_xact_lock(${CLAIM_LOCK})`.execute(trx);
  },
  // Kysely's migrator already takes an advisory lock and runs each migration in a transaction.
  withMigrationLock: (_db, migrate) => migrate(),
};

/** Splits rows so one multi-row insert stays under the dialect's bound-parameter limit. */
export function chunkRows<T extends object>(d: DialectHelpers, rows: readonly T[]): T[][] {
  if (rows.length === 0) return [];
  const perRow = Math.max(1, ...rows.map((r) => Object.keys(r).length));
  const size = Math.max(1, Math.floor(d.maxParams / perRow));
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}
