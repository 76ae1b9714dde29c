import type { Dataset } from '../domain/types.ts';
import type { StorageState } from '../lib/storage-full.ts';
import type { Store } from '../ports/store.ts';
import { datasetView, type DatasetView } from './dataset-view.ts';

export interface CachedView {
  dataset: Dataset;
  view: DatasetView;
  /** The body, serialised once for every poll that reads it. */
  json: string;
}

export interface DatasetViewCache {
  /** `minRevision`: a revision the caller knows exists (seen by another process's write); an older cached view is not used. */
  get(id: string, minRevision?: number): Promise<CachedView | null>;
  close(): void;
}

/** Longest an entry is trusted without a change notice: writes by other processes sharing the database show up within this. */
const MAX_AGE_MS = 1000;
const MAX_ENTRIES = 10_000;

/**
 * Status polls are the hottest path: this keeps each dataset's view (and its JSON) in memory
 * and drops it the moment the store reports a change. A generation counter per dataset stops
 * a read that raced with a write from caching the older state.
 */
export function createDatasetViewCache(store: Store, storage: StorageState): DatasetViewCache {
  // `full`: the storage state the view was made with; a view made before it changed is not used.
  const entries = new Map<string, CachedView & { at: number; full: boolean }>();
  const generations = new Map<string, number>();
  const unsubscribe = store.onDatasetChange((id) => {
    entries.delete(id);
    generations.set(id, (generations.get(id) ?? 0) + 1);
  });

  return {
    async get(id, minRevision) {
      const hit = entries.get(id);
      if (hit && hit.full === storage.full && Date.now() - hit.at < MAX_AGE_MS && (minRevision === undefined || hit.dataset.revision >= minRevision)) return hit;
      const generation = generations.get(id) ?? 0;
      const dataset = await store.datasets.get(id);
      if (!dataset) return null;
      const task = dataset.lastTaskId ? await store.tasks.get(dataset.lastTaskId) : null;
      const full = storage.full;
      const view = datasetView(dataset, task, full);
      const entry = { dataset, view, json: JSON.stringify(view.body), at: Date.now(), full };
      if ((generations.get(id) ?? 0) === generation) {
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
        entries.set(id, entry);
      }
      return entry;
    },
    close() {
      unsubscribe();
      entries.clear();
    },
  };
}
