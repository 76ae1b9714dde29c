import { useCallback, useEffect, useRef, useState } from 'react';
import { pagesOf } from './virtual.ts';

/**
 * Items fetched from a paged endpoint as they come into view: `want(first, last)` loads the
 * missing pages. Changing `key` (another query) starts over.
 */
export function usePages<T>(key: string, pageSize: number, fetchPage: (page: number) => Promise<{ items: T[]; total: number }>) {
  const [state, setState] = useState<{ key: string; total: number | null; items: Map<number, T>; error: Error | null }>({ key, total: null, items: new Map(), error: null });
  const requested = useRef(new Set<number>());
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const load = useCallback(
    (page: number) => {
      if (requested.current.has(page)) return;
      requested.current.add(page);
      fetchRef.current(page).then(
        ({ items, total }) =>
          setState((s) => {
            if (s.key !== key) return s;
            const next = new Map(s.items);
            items.forEach((item, i) => next.set(page * pageSize + i, item));
            return { ...s, total, items: next };
          }),
        (error: Error) => setState((s) => (s.key === key ? { ...s, error } : s)),
      );
    },
    [key, pageSize],
  );

  useEffect(() => {
    requested.current = new Set();
    setState({ key, total: null, items: new Map(), error: null });
    load(0);
  }, [key, load]);

  const want = useCallback((first: number, last: number) => pagesOf(first, last, pageSize).forEach(load), [load, pageSize]);
  const current = state.key === key ? state : { total: null, items: new Map<number, T>(), error: null };
  return { total: current.total, items: current.items, error: current.error, want };
}
