/**
 * "The storage has no room left", however the layer that hit it says so. A full disk or quota
 * is not a bug and not the client's fault: requests answer 507 and processing waits for space
 * instead of failing items or burning its retries.
 */

/** What a user is told when a request or the processing meets a full storage. */
export const STORAGE_FULL_MESSAGE = "No space left on the server's storage: free some space (or raise the quota) and try again";

/** What a running operation says while it waits for space. */
export const STORAGE_FULL_PAUSED = "No space left on the server's storage: processing is paused and resumes by itself once space is freed";

/**
 * The codes each layer uses: Node's file system (no space, disk quota), SQLite (database or
 * disk is full, also when max_page_count is reached), PostgreSQL (SQLSTATE 53100 disk_full),
 * and S3-compatible stores (MinIO's full drives and bucket quota, Ceph's quota).
 */
const storageFullCodes = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100', 'XMinioStorageFull', 'XMinioAdminBucketQuotaExceeded', 'QuotaExceeded']);

/** How far down a chain of causes to look (errors wrapped by a driver or a stage). */
const MAX_DEPTH = 5;

export function isStorageFull(err: unknown): boolean {
  let current = err;
  for (let depth = 0; depth < MAX_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const { code, name, Code, $metadata, cause } = current as {
      code?: unknown;
      name?: unknown;
      Code?: unknown;
      $metadata?: { httpStatusCode?: unknown };
      cause?: unknown;
    };
    // The S3 client names its errors after the service's code (name, and Code in the body);
    // HTTP 507 Insufficient Storage is what MinIO answers when its drives are full.
    if ([code, name, Code].some((c) => typeof c === 'string' && storageFullCodes.has(c))) return true;
    if ($metadata?.httpStatusCode === 507) return true;
    current = cause;
  }
  return false;
}

/**
 * Whether this process's processing is waiting for storage space, for the status API to show.
 * The job queue reports it; listeners hear each change, and `log` (when given) says it once.
 */
export interface StorageState {
  readonly full: boolean;
  report(full: boolean): void;
  onChange(listener: (full: boolean) => void): () => void;
}

export function createStorageState(log?: { warn(msg: string): void; info(msg: string): void }): StorageState {
  let full = false;
  const listeners = new Set<(full: boolean) => void>();
  return {
    get full() {
      return full;
    },
    report(next) {
      if (next === full) return;
      full = next;
      if (full) log?.warn('storage full: processing waits and resumes by itself once space is freed');
      else log?.info('storage has space again: processing resumed');
      for (const l of listeners) l(full);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
