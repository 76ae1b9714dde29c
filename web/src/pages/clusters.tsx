import { useCallback, useMemo } from 'react';
import { client, type Cluster, type Dataset } from '../client.ts';
import { MediaGrid } from '../components/media-grid.tsx';
import { notIndexedNote, notIndexedYet } from '../components/status.tsx';
import { VirtualGrid } from '../components/virtual-grid.tsx';
import { countOf, mediaCountOf } from '../lib/format.ts';
import { Link, useNav } from '../lib/router.tsx';
import type { Route } from '../lib/routes.ts';
import { usePages } from '../lib/use-pages.ts';
import { errorText } from '../lib/error-text.ts';
import { usePageKeys } from '../lib/page-keys.ts';

/** explore answers 100 clusters a page. */
const CLUSTERS_PER_PAGE = 100;
const MEMBERS_PER_PAGE = 200;
export const granularities = ['Finest', 'Fine', 'Medium', 'Coarse', 'Coarsest'];

const clusterRoute = (id: string, clusterId: string): Route => ({ page: 'dataset', id, view: { tab: 'cluster', clusterId } });
/**
 * A cluster's name on its card and on its page: its number within the granularity ("4-12" is
 * cluster 12 of granularity 4), which a link or a reload keeps, unlike its place in the gallery.
 */
export const clusterName = (clusterId: string) => `Cluster ${clusterId.split('-')[1]}`;
const mediaRoute = (id: string, mediaId: string): Route => ({ page: 'dataset', id, view: { tab: 'media', mediaId } });

/** The card last opened (its gallery's key and place): back from the cluster, the focus returns to it. */
let opened: { key: string; index: number } | null = null;

/** Clusters at a granularity, biggest first, each a card of its first previews. */
export function ClustersTab({ dataset, granularity }: { dataset: Dataset; granularity: number }) {
  const { go } = useNav();
  const indexed = !notIndexedYet(dataset);
  const key = `${dataset.id}@${granularity}/${dataset.status_new}`;
  const returnedTo = useMemo(() => (opened?.key === key ? opened.index : undefined), [key]);
  const pages = usePages<Cluster>(key, CLUSTERS_PER_PAGE, async (page) => {
    // explore refuses a dataset not indexed yet (409): there are no clusters to ask for.
    if (!indexed) return { items: [], total: 0 };
    const r = await client.explore(dataset.id, { threshold: granularity, pageNumber: page });
    return { items: r.clusters, total: r.metadata.total_clusters };
  });
  const open = useCallback(
    (i: number) => {
      const c = pages.items.get(i);
      if (!c) return;
      opened = { key, index: i };
      go(clusterRoute(dataset.id, c.cluster_id));
    },
    [pages.items, go, dataset.id, key],
  );
  return (
    <div className="tab-pane">
      <div className="toolbar">
        <div className="segmented" role="group" aria-label="Granularity">
          {granularities.map((name, g) => (
            <Link key={g} to={{ page: 'dataset', id: dataset.id, view: { tab: 'clusters', granularity: g } }} aria-current={g === granularity ? 'true' : undefined} title={`Granularity ${g}`}>
              {name}
            </Link>
          ))}
        </div>
        <span className="muted small" aria-live="polite">
          {pages.error ? null : pages.total === null ? 'Loading…' : countOf(pages.total, 'cluster')}
        </span>
      </div>
      {pages.error && <p className="error pad">{errorText(pages.error)}</p>}
      {pages.total === 0 && <p className="empty pad">No clusters{notIndexedNote(dataset)}.</p>}
      <VirtualGrid
        label="Clusters"
        count={pages.total ?? 0}
        cellWidth={220}
        cellHeight={214}
        minColumns={2}
        onRange={pages.want}
        onOpen={open}
        initialFocus={returnedTo}
        renderCell={(i, focused) => {
          const c = pages.items.get(i);
          if (!c) return <div className="cell cell-loading" aria-busy="true" />;
          return (
            <Link to={clusterRoute(dataset.id, c.cluster_id)} className={`cluster-card${focused ? ' is-focused' : ''}`} tabIndex={-1} onClick={() => (opened = { key, index: i })}>
              <span className={`mosaic mosaic-${Math.min(4, c.previews.length)}`}>
                {c.previews.slice(0, 4).map((m) => (
                  <img key={m.media_id} src={m.media_thumb_uri} alt="" loading="lazy" decoding="async" />
                ))}
              </span>
              <span className="cell-name">
                {clusterName(c.cluster_id)} <span className="muted">· {mediaCountOf(c.n_images, c.n_frames)}</span>
              </span>
              {c.labels && (
                <span className="cluster-labels" title={c.labels.join(', ')}>
                  {c.labels.join(', ')}
                </span>
              )}
            </Link>
          );
        }}
      />
    </div>
  );
}

/** Every member of one cluster. */
export function ClusterTab({ dataset, clusterId }: { dataset: Dataset; clusterId: string }) {
  const fetchPage = useCallback(
    async (page: number) => {
      const r = await client.listMedia(dataset.id, { clusterId, pageNumber: page, pageSize: MEMBERS_PER_PAGE });
      return { items: r.media, total: r.total };
    },
    [dataset.id, clusterId],
  );
  const granularity = Number(clusterId.split('-')[0]);
  const { go } = useNav();
  usePageKeys({ Escape: () => go({ page: 'dataset', id: dataset.id, view: { tab: 'clusters', granularity } }) });
  return (
    <div className="tab-pane">
      <div className="toolbar">
        <Link to={{ page: 'dataset', id: dataset.id, view: { tab: 'clusters', granularity } }} className="btn btn-ghost">
          ← All clusters
        </Link>
        <h2 className="toolbar-title">{clusterName(clusterId)}</h2>
      </div>
      <MediaGrid
        queryKey={`${dataset.id}/${clusterId}`}
        pageSize={MEMBERS_PER_PAGE}
        fetchPage={fetchPage}
        routeOf={(m) => mediaRoute(dataset.id, m.media_id)}
        label={`Images of cluster ${clusterId}`}
        empty="This cluster has no images."
      />
    </div>
  );
}
