import pg from 'pg';
import type { Logger } from 'pino';
import type { SessionLocks } from '../../ports/session-locks.ts';

const lockSql = `SELECT pg_try_advisory_lock(('x' || substr(md5($1), 1, 16))::bit(64)::bigint) AS ok`;
const unlockSql = `SELECT pg_advisory_unlock(('x' || substr(md5($1), 1, 16))::bit(64)::bigint)`;

/**
 * Session-level PostgreSQL advisory locks, one pooled connection per held key (apart from any
 * other pool, so a long handler never starves queries). Keys hash to 64 bits within the database;
 * a collision only serializes two unrelated keys, never lets one key overlap.
 */
export function createPostgresSessionLocks(options: { connectionString: string; logger: Logger }): SessionLocks {
  const { logger } = options;
  const pool = new pg.Pool({ connectionString: options.connectionString, application_name: 'strata-job-locks', keepAlive: true });
  pool.on('error', (err) => logger.warn({ err }, 'idle lock connection failed'));
  const held = new Set<pg.PoolClient>();

  return {
    async tryAcquire(key) {
      const client = await pool.connect();
      const onError = (err: Error) => logger.error({ err, lockKey: key }, 'connection holding a lock failed; the lock is gone');
      client.on('error', onError);
      let ok = false;
      try {
        const { rows } = await client.query<{ ok: boolean }>(lockSql, [key]);
        ok = rows[0]?.ok === true;
      } catch (err) {
        client.off('error', onError);
        client.release(err as Error);
        throw err;
      }
      if (!ok) {
        client.off('error', onError);
        client.release();
        return null;
      }
      held.add(client);
      return async () => {
        if (!held.delete(client)) return; // dropped by close()
        try {
          await client.query(unlockSql, [key]);
          client.off('error', onError);
          client.release();
        } catch (err) {
          client.off('error', onError);
          client.release(err as Error); // destroying the connection frees the lock too
        }
      };
    },

    async close() {
      for (const client of held) client.release(true);
      held.clear();
      await pool.end();
    },
  };
}
