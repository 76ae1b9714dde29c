import type { Dataset } from '../client.ts';
import { formatDuration, utcMs } from '../lib/format.ts';

const tone: Record<Dataset['status_new'], string> = {
  DRAFT: 'neutral',
  INDEXING: 'busy',
  'READ ONLY': 'neutral',
  'PARTIAL INDEX': 'warn',
  READY: 'ok',
  ERROR: 'bad',
};

export const isActive = (d: Dataset) => d.status_new === 'INDEXING';

/**
 * Processing is over, for good or ill: the page then says what the dataset holds and how long
 * its last operation took, not a stage or a time left.
 */
export const isFinished = (d: Dataset) => d.status_new === 'READY' || d.status_new === 'PARTIAL INDEX' || d.status_new === 'ERROR';


/** How long an operation ran, in seconds; null until it has both started and ended. */
export function tookSeconds(p: Pick<NonNullable<Dataset['processing']>, 'started_at' | 'ended_at'> | undefined): number | null {
  if (!p || p.started_at === null || p.ended_at === null) return null;
  return Math.max(0, (utcMs(p.ended_at) - utcMs(p.started_at)) / 1000);
}

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
