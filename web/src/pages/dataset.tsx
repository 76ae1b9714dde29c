import type { ReactNode } from 'react';
import { client, type Dataset } from '../client.ts';
import { QualitySummary } from '../components/quality-summary.tsx';
import { isActive, isFinished, Progress, StatusBadge, tookSeconds } from '../components/status.tsx';
import { countOf, formatCount, formatDuration } from '../lib/format.ts';
import { Link } from '../lib/router.tsx';
import { datasetTab, tabOf, type Route, type Tab } from '../lib/routes.ts';
import { useAsync } from '../lib/use-async.ts';
import { useLiveDataset } from '../lib/use-live-dataset.ts';
import { AllMediaTab } from './all-media.tsx';
import { ClustersTab, ClusterTab } from './clusters.tsx';
import { DuplicatesTab } from './duplicates.tsx';
import { Failures } from './failures.tsx';
import { IssuesTab } from './issues.tsx';
import { ManageDataset } from './manage.tsx';
import { AddMedia, Reindex } from './add-media.tsx';
import { MediaTab } from './media.tsx';
import { SearchTab } from './search.tsx';
import { withoutApiHint } from '../../../src/client/index.ts';
import { errorText } from '../lib/error-text.ts';

type DatasetRoute = Extract<Route, { page: 'dataset' }>;

const tabLabels: Record<Tab, string> = { overview: 'Overview', 'all-media': 'All media', duplicates: 'Duplicates', clusters: 'Clusters', issues: 'Issues', search: 'Search' };

export function DatasetPage({ route }: { route: DatasetRoute }) {
  const loaded = useAsync(() => client.getDataset(route.id), [route.id]);
  if (loaded.error) return <p className="page error">{errorText(loaded.error)}</p>;
  if (!loaded.data) return <p className="page muted">Loading…</p>;
  return <LoadedDataset initial={loaded.data} route={route} />;
}

function LoadedDataset({ initial, route }: { initial: Dataset; route: DatasetRoute }) {
  // Followed whatever its status at load: a draft starts indexing, a ready one is re-indexed.
  const dataset = useLiveDataset(initial, true);
  if (dataset === null) return <p className="page">This dataset was deleted.</p>;
  const view = route.view;
  const current = tabOf(view);
  return (
    <div className="dataset-layout">
      <aside className="sidebar" aria-label="Dataset">
        <div className="sidebar-head">
          <h1 className="dataset-title" title={dataset.display_name}>
            {dataset.display_name}
          </h1>
          <StatusBadge dataset={dataset} />
          <Progress dataset={dataset} />
        </div>
        <nav className="tabs" aria-label="Dataset views">
          {(Object.keys(tabLabels) as Tab[]).map((tab) => (
            <Link key={tab} to={datasetTab(dataset.id, tab)} className="tab" aria-current={current === tab ? 'page' : undefined}>
              {tabLabels[tab]}
            </Link>
          ))}
        </nav>
        <dl className="facts small">
          <dt>Images</dt>
          <dd>{formatCount(dataset.n_images)}</dd>
          <dt>Videos</dt>
          <dd>{formatCount(dataset.n_videos)}</dd>
          <dt>Source</dt>
          <dd>{dataset.source_type}</dd>
        </dl>
      </aside>
      <section className="tab-content">
        {view.tab === 'overview' && <Overview dataset={dataset} />}
        {view.tab === 'all-media' && <AllMediaTab dataset={dataset} />}
        {view.tab === 'duplicates' && <DuplicatesTab dataset={dataset} level={view.level} />}
        {view.tab === 'clusters' && <ClustersTab dataset={dataset} granularity={view.granularity} />}
        {view.tab === 'cluster' && <ClusterTab dataset={dataset} clusterId={view.clusterId} />}
        {view.tab === 'issues' && <IssuesTab dataset={dataset} issue={view.issue} min={view.min} />}
        {view.tab === 'search' && <SearchTab dataset={dataset} anchor={view.anchor} anchorType={view.anchorType} />}
        {view.tab === 'media' && <MediaTab dataset={dataset} mediaId={view.mediaId} />}
      </section>
    </div>
  );
}

function Overview({ dataset }: { dataset: Dataset }) {
  const p = dataset.processing;
  return (
    <div className="page">
      <h2>Overview</h2>
      {isFinished(dataset) ? <FinishedStats dataset={dataset} /> : <RunningStats dataset={dataset} />}
      {dataset.fatal_error_msg && (
        <p className="error">
          {withoutApiHint(dataset.fatal_error_msg)}
          {p && p.failed > 0 ? ': the reasons are under Failures below.' : ''}
        </p>
      )}
      <p>
        <Link to={{ page: 'tasks', datasetId: dataset.id }}>Tasks of this dataset</Link>
      </p>
      {hasResults(dataset) && <QualitySummary dataset={dataset} />}
      {dataset.status_new === 'PARTIAL INDEX' && <Reindex dataset={dataset} />}
      {/* Kept while the batch it sent runs (READ ONLY), so its outcome stays on screen. */}
      {hasResults(dataset) && <AddMedia dataset={dataset} />}
      <Failures dataset={dataset} />
      <ManageDataset dataset={dataset} />
    </div>
  );
}

/** Indexed, with its similarity results (duplicates, issues) to show, and open to more media (READ ONLY while a batch runs). */
const hasResults = (dataset: Dataset) => dataset.status_new === 'READY' || dataset.status_new === 'PARTIAL INDEX' || dataset.status_new === 'READ ONLY';

/** After media are added, the last operation's counts are the added batch's, not the dataset's: the labels say so. */
const ofBatch = (dataset: Dataset) => (dataset.processing?.operation === 'ADD_MEDIA' ? ' (added batch)' : '');

const tookLabels: Record<string, string> = { CREATE: 'Indexing took', ADD_MEDIA: 'Adding media took', REINDEX: 'Reindexing took', ENRICH: 'Enrichment took' };

/** What a user wants once processing is over: what the dataset holds, how long it took, what failed. */
function FinishedStats({ dataset }: { dataset: Dataset }) {
  const p = dataset.processing;
  return (
    <dl className="stats">
      <Stat label="Status">{dataset.status_new}</Stat>
      {/* Where a failed operation stopped. Failing at the last stage ("no valid media") stopped nothing early: the message says why. */}
      {dataset.status_new === 'ERROR' && p?.stage !== 'summarize' && <Stat label="Stopped at">{p?.stage ?? '—'}</Stat>}
      <Stat label="Images">{formatCount(dataset.n_images)}</Stat>
      <Stat label="Videos">{formatCount(dataset.n_videos)}</Stat>
      <Stat label="Video frames">{formatCount(p?.n_frames ?? 0)}</Stat>
      {p && <Stat label={tookLabels[p.operation] ?? 'Took'}>{formatDuration(tookSeconds(p))}</Stat>}
      {p && p.failed > 0 && (
        <Stat label={`Failed${ofBatch(dataset)}`}>
          <a href="#failures-title">{countOf(p.failed, 'file')}</a>
        </Stat>
      )}
    </dl>
  );
}

/** While the dataset is being set up or processed: where the operation is and how long it has left. */
function RunningStats({ dataset }: { dataset: Dataset }) {
  const p = dataset.processing;
  return (
    <dl className="stats">
      <Stat label="Status">{dataset.status_new}</Stat>
      <Stat label="Stage">{p?.stage ?? '—'}</Stat>
      <Stat label={`Processed${ofBatch(dataset)}`}>{p ? `${formatCount(p.done)}${p.total !== null ? ` / ${formatCount(p.total)}` : ''}` : '—'}</Stat>
      <Stat label={`Failed${ofBatch(dataset)}`}>{p ? formatCount(p.failed) : '—'}</Stat>
      <Stat label="Time left">{isActive(dataset) ? formatDuration(p?.eta_seconds ?? null) : '—'}</Stat>
      <Stat label="Images">{formatCount(dataset.n_images)}</Stat>
    </dl>
  );
}

/** One figure of the Overview. */
function Stat({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
