import { useEffect, useState } from 'react';
import { StrataApiError } from '../../../src/client/index.ts';
import { client, type Dataset } from '../client.ts';

/** How long to wait before reopening a stream that broke off (a server restart, a proxy's timeout). */
const RECONNECT_MS = 3000;

/** A dataset kept current by its event stream while `follow` is true; null once deleted. */
export function useLiveDataset(initial: Dataset, follow: boolean): Dataset | null {
  const [dataset, setDataset] = useState<Dataset | null>(initial);
  useEffect(() => setDataset(initial), [initial]);
  useEffect(() => {
    if (!follow) return;
    const stop = new AbortController();
    void followEvents(initial.id, stop.signal, setDataset);
    return () => stop.abort();
  }, [initial.id, follow]);
  return dataset;
}

/**
 * Applies the dataset's status events until `signal` aborts or the dataset is deleted. A stream
 * that breaks off is reopened from the last event seen, as EventSource would; a refusal (no such
 * dataset, no access) ends it.
 */
async function followEvents(id: string, signal: AbortSignal, set: (d: Dataset | null) => void): Promise<void> {
  let lastEventId: string | undefined;
  while (!signal.aborted) {
    try {
      for await (const event of client.datasetEvents(id, { signal, ...(lastEventId !== undefined && { lastEventId }) })) {
        if (event.type === 'deleted') return set(null);
        lastEventId = event.revision ?? lastEventId;
        set(event.dataset);
      }
    } catch (err) {
      if (signal.aborted || (err instanceof StrataApiError && err.status >= 400 && err.status < 500)) return;
    }
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
}
