/**
 * Tells in-process listeners which datasets a committed write changed (what the status API
 * shows), so caches can drop what is stale at once instead of re-reading on every request.
 */
export interface ChangeFeed {
  emit(datasetId: string): void;
  subscribe(listener: (datasetId: string) => void): () => void;
}

export function createChangeFeed(): ChangeFeed {
  const listeners = new Set<(datasetId: string) => void>();
  return {
    emit(datasetId) {
      for (const l of listeners) l(datasetId);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
