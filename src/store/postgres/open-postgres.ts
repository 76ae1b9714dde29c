import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from '../schema.ts';

export interface PostgresOptions {
  /**
   * Connections this process keeps. Each store transaction (an item's outcome, a job claim)
   * holds one for a few milliseconds; ten serve a worker's default concurrency with room to spare
   * while letting several processes share a default max_connections of 100.
   */
  poolSize?: number;
}

/**
 * count(*) and bigint columns (timestamps in ms, ids, byte sizes) arrive as int8, which pg
 * hands over as strings by default. Every value this schema keeps fits in a double; anything
 * beyond 2^53 stays a string rather than silently losing digits.
 */
function parseInt8(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

/** Per-pool parsers, so pg-boss or anything else sharing the `pg` module keeps its defaults. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export function openPostgres(url: string, options: PostgresOptions = {}): Kysely<DB> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, types, application_name: 'strata' });
  // An idle connection that breaks (server restart, network) is dropped by the pool; the error
  // would otherwise be an unhandled 'error' event and end the process. Queries in flight still
  // reject where they are awaited.
  pool.on('error', () => {});
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
