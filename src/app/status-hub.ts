import type { StorageState } from '../lib/storage-full.ts';
import type { DatasetsRepo } from '../ports/store.ts';

export interface StatusHub {
  /** Calls `listener` with the new revision whenever the dataset changes; returns an unsubscribe. */
  subscribe(datasetId: string, listener: (revision: number) => void): () => void;
  close(): void;
}

/**
 * Change notification for status listeners. One query per tick covers every watched dataset,
 * however many listeners there are, and it sees changes made by any process sharing the
 * database. Idle (no listeners) it costs nothing.
 */
export function createStatusHub(datasets: DatasetsRepo, storage: StorageState, intervalMs = 250): StatusHub {
  const listeners = new Map<string, Set<(revision: number) => void>>();
  const lastSeen = new Map<string, number>();
  // Processing waiting for space (or resuming) changes what running datasets show, not their
  // revision: every listener hears it.
  const stopHearingStorage = storage.onChange(() => {
    for (const [id, set] of listeners) for (const l of set) l(lastSeen.get(id) ?? 0);
  });
  let timer: NodeJS.Timeout | undefined;
  let polling = false;

  async function poll(): Promise<void> {
    if (polling || listeners.size === 0) return;
    polling = true;
    try {
      const revisions = await datasets.revisions([...listeners.keys()]);
      for (const [id, set] of listeners) {
        const rev = revisions.get(id) ?? -1; // -1: the dataset is gone
        if (rev === lastSeen.get(id)) continue;
        lastSeen.set(id, rev);
        for (const l of set) l(rev);
      }
    } finally {
      polling = false;
    }
  }

  function ensureTimer(): void {
    if (timer === undefined && listeners.size > 0) {
      timer = setInterval(() => void poll().catch(() => {}), intervalMs);
      timer.unref();
    } else if (timer !== undefined && listeners.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  return {
    subscribe(datasetId, listener) {
      let set = listeners.get(datasetId);
      if (!set) {
        set = new Set();
        listeners.set(datasetId, set);
      }
      set.add(listener);
      ensureTimer();
      return () => {
        set.delete(listener);
        if (set.size === 0) {
          listeners.delete(datasetId);
          lastSeen.delete(datasetId);
        }
        ensureTimer();
      };
    },
    close() {
      stopHearingStorage();
      listeners.clear();
      ensureTimer();
    },
  };
}
