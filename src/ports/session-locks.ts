/**
 * Exclusive locks shared by every process of a deployment, held by a live session: when the
 * holding process dies, its locks are freed with its connection. The pg-boss queue takes one per
 * serial key for as long as a handler runs.
 */
export interface SessionLocks {
  /** The lock's release, or null when another session holds `key`. */
  tryAcquire(key: string): Promise<(() => Promise<void>) | null>;
  /** Frees every lock this process holds and closes the connections behind them. */
  close(): Promise<void>;
}
