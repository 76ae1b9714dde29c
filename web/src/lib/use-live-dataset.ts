import { useEffect, useState } from 'react';
import { api, type Dataset } from '../api.ts';

/** A dataset kept current by its event stream while `follow` is true; null once deleted. */
export function useLiveDataset(initial: Dataset, follow: boolean): Dataset | null {
  const [dataset, setDataset] = useState<Dataset | null>(initial);
  useEffect(() => setDataset(initial), [initial]);
  useEffect(() => {
    if (!follow) return;
    return api.follow(initial.id, setDataset, () => setDataset(null));
  }, [initial.id, follow]);
  return dataset;
}
