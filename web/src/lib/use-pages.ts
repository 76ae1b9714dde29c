import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { PageWindow } from './page-window.ts';

/** Pages kept either side of those on screen (see PageWindow). */
const RADIUS_PAGES = 2;

/**
 * Items fetched from a paged endpoint as they come into view: `want(first, last)` loads the
 * missing pages and drops those far from the view. Changing `key` (another query) starts over.
 */
export function usePages<T>(key: string, pageSize: number, fetchPage: (page: number) => Promise<{ items: T[]; total: number }>) {
  const [state, setState] = useState<{ key: string; total: number | null; items: Map<number, T>; error: Error | null }>({ key, total: null, items: new Map(), error: null });
  // One window per query, made while rendering so the grid's first `want` already lands in it.
  const pages = useMemo(() => new PageWindow<T>(pageSize, RADIUS_PAGES), [key, pageSize]); // eslint-disable-line react-hooks/exhaustive-deps
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const load = useCallback(
    (page: number) => {
      fetchRef.current(page).then(
        ({ items, total }) => {
          const kept = pages.receive(page, items);
          setState((s) => (s.key !== key ? s : { ...s, total, items: kept ? new Map(pages.entries()) : s.items }));
        },
        (error: Error) => {
          pages.fail(page);
          setState((s) => (s.key === key ? { ...s, error } : s));
        },
      );
    },
    [key, pages],
  );

  useEffect(() => {
    setState({ key, total: null, items: new Map(), error: null });
    pages.want(0, 0).forEach(load);
  }, [key, pages, load]);

  const want = useCallback(
    (first: number, last: number) => {
      const before = pages.size;
      pages.want(first, last).forEach(load);
      // Dropped pages leave the state too, or it would hold them still.
      if (pages.size < before) setState((s) => (s.key === key ? { ...s, items: new Map(pages.entries()) } : s));
    },
    [key, pages, load],
  );
  const current = state.key === key ? state : { total: null, items: new Map<number, T>(), error: null };
  return { total: current.total, items: current.items, error: current.error, want };
}
