import type { Dataset } from '../client.ts';
import { formatDuration } from '../lib/format.ts';

const tone: Record<Dataset['status_new'], string> = {
  DRAFT: 'neutral',
  INDEXING: 'busy',
  'READ ONLY': 'neutral',
  'PARTIAL INDEX': 'warn',
  READY: 'ok',
  ERROR: 'bad',
};

export const isActive = (d: Dataset) => d.status_new === 'INDEXING';

/** Before its first indexing has ended a dataset has no groups, clusters or scores to list. */
export const notIndexedYet = (d: Dataset) => d.status_new === 'DRAFT' || d.status_new === 'INDEXING';

/** What an empty list adds while that is so, so that it does not read as a finding. */
export const notIndexedNote = (d: Dataset) => (notIndexedYet(d) ? ' yet: the dataset is still being processed' : '');

export function StatusBadge({ dataset }: { dataset: Dataset }) {
  return <span className={`badge badge-${tone[dataset.status_new]}`}>{dataset.status_new}</span>;
}

/** Progress bar with the stage and ETA while the dataset is being processed. */
export function Progress({ dataset }: { dataset: Dataset }) {
  if (!isActive(dataset)) return null;
  const p = dataset.processing;
  return (
    <div className="progress-wrap">
      <div className="progress" role="progressbar" aria-label={`${dataset.display_name} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={dataset.progress}>
        <div className="progress-fill" style={{ width: `${dataset.progress}%` }} />
      </div>
      <span className="muted small">
        {dataset.progress}%{p ? ` · ${p.stage}` : ''}
        {p && p.total !== null ? ` · ${p.done}/${p.total}` : ''}
        {p?.eta_seconds != null ? ` · ${formatDuration(p.eta_seconds)} left` : ''}
      </span>
    </div>
  );
}
