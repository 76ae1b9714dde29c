import type { StrataClient } from './client.ts';
import type { DatasetJson } from './types.ts';
import { StrataApiError } from './errors.ts';

export interface WaitOptions {
  /** Statuses that end the wait; default READY, PARTIAL INDEX and ERROR. */
  until?: readonly string[];
  /** Called with every status seen on the way, the final one included. */
  onProgress?: (dataset: DatasetJson) => void;
  signal?: AbortSignal;
  /** 'events' (default) follows the event stream and polls only if it fails; 'polling' never opens it. */
  via?: 'events' | 'polling';
}

export const SETTLED_STATUSES = ['READY', 'PARTIAL INDEX', 'ERROR'] as const;

/** Without a Retry-After (nothing is running), how long to wait before asking again. */
const DEFAULT_POLL_SECONDS = 2;

/**
 * Follows the dataset's event stream until it reaches a status in `until`. If the stream cannot
 * be opened or breaks off (a proxy that buffers or cuts it), polls instead, with the ETag so an
 * unchanged dataset costs a 304, as often as the server's Retry-After asks.
 */
export async function waitForStatus(client: StrataClient, datasetId: string, options: WaitOptions): Promise<DatasetJson> {
  const until = options.until ?? SETTLED_STATUSES;
  const seen = (dataset: DatasetJson) => {
    options.onProgress?.(dataset);
    return until.includes(dataset.status_new);
  };
  if (options.via !== 'polling') {
    try {
      for await (const event of client.datasetEvents(datasetId, { signal: options.signal })) {
        if (event.type === 'deleted') throw new StrataApiError(404, 'Dataset was deleted', 'GET', `/api/v1/dataset/${datasetId}/events`);
        if (seen(event.dataset)) return event.dataset;
      }
    } catch (err) {
      // A refusal (no such dataset, no access) is an answer; a broken stream is not.
      if (options.signal?.aborted || (err instanceof StrataApiError && err.status >= 400 && err.status < 500)) throw err;
    }
  }
  let etag: string | null = null;
  for (;;) {
    const poll = await client.pollDataset(datasetId, etag, { signal: options.signal });
    etag = poll.etag;
    if (poll.dataset !== null && seen(poll.dataset)) return poll.dataset;
    await delay((poll.retryAfterSeconds ?? DEFAULT_POLL_SECONDS) * 1000, options.signal);
  }
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      if (signal?.aborted) reject(signal.reason);
      else resolve();
    }
  });
}
