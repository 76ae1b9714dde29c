import { useCallback, useMemo, type ReactNode } from 'react';
import type { Media } from '../client.ts';
import { mediaName } from '../../../src/client/index.ts';
import { countOf } from '../lib/format.ts';
import { Link, useNav } from '../lib/router.tsx';
import type { Route } from '../lib/routes.ts';
import { paintTimed } from '../lib/paint-timing.ts';
import { usePages } from '../lib/use-pages.ts';
import { PathName } from './path-name.tsx';
import { VirtualGrid } from './virtual-grid.tsx';
import { errorText } from '../lib/error-text.ts';
import { browsedGallery, startBrowsing } from '../lib/browse.ts';

/** What a cell shows: a listed media item, or an explore preview. */
type GridItem = Pick<Media, 'media_id' | 'file_name' | 'media_thumb_uri'> & Partial<Pick<Media, 'frame_timestamp'>>;

interface Props<T extends GridItem> {
  /** Changes whenever the query does (another cluster, issue or anchor). */
  queryKey: string;
  pageSize: number;
  fetchPage(page: number): Promise<{ items: T[]; total: number }>;
  /** A line under the file name: a confidence, a distance. */
  caption?(item: T): ReactNode;
  routeOf(item: T): Route;
  label: string;
  empty: string;
  /** What the count above the grid counts: images unless given. */
  noun?: string;
}

/** Thumbnails of a paged media query, loaded as they scroll into view. */
export function MediaGrid<T extends GridItem>({ queryKey, pageSize, fetchPage, caption, routeOf, label, empty, noun = 'image' }: Props<T>) {
  const { go, route } = useNav();
  const pages = usePages<T>(queryKey, pageSize, fetchPage);
  // Back from an image opened here: the focus returns to the image last seen.
  const returnedTo = useMemo(() => browsedGallery(queryKey)?.index, [queryKey]);
  const browseFrom = useCallback(
    (i: number, item: T) => startBrowsing({ queryKey, from: route, label, index: i, total: pages.total ?? 0, mediaId: item.media_id, idAt: idLookup(pages.items, pageSize, fetchPage) }),
    [queryKey, route, label, pages.total, pages.items, pageSize, fetchPage],
  );
  const open = useCallback(
    (i: number) => {
      const item = pages.items.get(i);
      if (!item) return;
      browseFrom(i, item);
      go(routeOf(item));
    },
    [pages.items, go, routeOf, browseFrom],
  );
  if (pages.error) return <p className="error pad">{errorText(pages.error)}</p>;
  if (pages.total === 0) return <p className="empty pad">{empty}</p>;
  return (
    <>
      <p className="muted small pad-x" aria-live="polite">
        {pages.total === null ? 'Loading…' : countOf(pages.total, noun)}
      </p>
      <VirtualGrid
        label={label}
        count={pages.total ?? 0}
        cellWidth={172}
        cellHeight={178}
        onRange={pages.want}
        onOpen={open}
        initialFocus={returnedTo}
        renderCell={(i, focused) => {
          const item = pages.items.get(i);
          if (!item) return <div className="cell cell-loading" aria-busy="true" />;
          return (
            <Link to={routeOf(item)} className={`cell${focused ? ' is-focused' : ''}`} tabIndex={-1} onClick={() => browseFrom(i, item)}>
              <img src={item.media_thumb_uri} alt="" loading="lazy" decoding="async" width={172} height={130} {...paintTimed} />
              <span className="cell-name" title={mediaName(item)}>
                <PathName name={mediaName(item)} />
              </span>
              {caption && <span className="cell-caption">{caption(item)}</span>}
            </Link>
          );
        }}
      />
    </>
  );
}

/** The media id at a place in the gallery: from the pages loaded, else from its page, fetched once. */
function idLookup<T extends GridItem>(loaded: Map<number, T>, pageSize: number, fetchPage: (page: number) => Promise<{ items: T[] }>) {
  const fetched = new Map<number, Promise<T[]>>();
  return async (index: number): Promise<string | null> => {
    const item = loaded.get(index);
    if (item) return item.media_id;
    const page = Math.floor(index / pageSize);
    if (!fetched.has(page)) fetched.set(page, fetchPage(page).then((r) => r.items));
    return (await fetched.get(page)!)[index - page * pageSize]?.media_id ?? null;
  };
}
