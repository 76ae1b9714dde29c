import { useEffect, useState } from 'react';
import { client, type Task } from '../client.ts';
import { OutcomeNote, type Outcome } from '../components/error-note.tsx';
import { withoutApiHint } from '../../../src/client/index.ts';
import { errorText } from '../lib/error-text.ts';
import { countOf, formatTime } from '../lib/format.ts';
import { Link } from '../lib/router.tsx';
import { useAsync } from '../lib/use-async.ts';

const PAGE_SIZE = 50;
/** How often the list is asked again: often while a task runs, rarely once all have ended. */
const LIVE_MS = 2_000;
const IDLE_MS = 15_000;

const running = (t: Task) => t.status === 'INITIALIZING' || t.status === 'RUNNING';
const typeLabels: Record<Task['task_type'], string> = { DATASET_CREATION: 'Creation', MEDIA_ADDITION: 'Media addition', REINDEX: 'Reindex', ENRICHMENT: 'Enrichment', EXPORT: 'Export' };

/**
 * Tasks, newest first: every dataset's, or one dataset's. Their status is kept current while
 * the page is open; a running task can be aborted, a failed or aborted one retried (an export
 * is not: a new export starts it again).
 */
export function TasksPage({ datasetId }: { datasetId: string | null }) {
  const [page, setPage] = useState(1);
  const [message, setMessage] = useState<Outcome>(null);
  const list = useAsync(() => client.listTasks({ datasetId: datasetId ?? undefined, page, pageSize: PAGE_SIZE }), [datasetId, page]);
  const tasks = list.data?.tasks ?? [];
  const live = tasks.some(running);
  const { reload } = list;
  useEffect(() => {
    const timer = setTimeout(reload, live ? LIVE_MS : IDLE_MS);
    return () => clearTimeout(timer);
  }, [list.data, live, reload]);

  const act = async (what: 'abort' | 'retry', task: Task) => {
    try {
      await (what === 'abort' ? client.abortTask(task.task_id) : client.retryTask(task.task_id));
      setMessage({ text: what === 'abort' ? `Abort asked for: the task stops at its next safe point.` : 'Retrying: the task runs again, keeping what it finished.', error: false });
      reload();
    } catch (err) {
      setMessage({ text: errorText(err), error: true });
    }
  };

  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const name = datasetId !== null ? tasks[0]?.dataset_name : null;
  return (
    <section className="page" aria-labelledby="tasks-title">
      <h1 id="tasks-title">{datasetId === null ? 'Tasks' : `Tasks of ${name ?? 'the dataset'}`}</h1>
      <p className="muted small">
        {datasetId !== null && (
          <>
            <Link to={{ page: 'dataset', id: datasetId, view: { tab: 'overview' } }}>Back to the dataset</Link> · <Link to={{ page: 'tasks', datasetId: null }}>All tasks</Link> ·{' '}
          </>
        )}
        <span aria-live="polite">{list.data ? countOf(total, 'task') : 'Loading…'}</span>
      </p>
      {list.error && <p className="error">{errorText(list.error)}</p>}
      {list.data && total === 0 && <p className="empty">No tasks yet.</p>}
      {tasks.length > 0 && (
        <div className="table-wrap">
          <table className="table task-table">
            <thead>
              <tr>
                <th scope="col">Task</th>
                {datasetId === null && <th scope="col">Dataset</th>}
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Started</th>
                <th scope="col">Ended</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tasks.map((t) => (
                <tr key={t.task_id} data-status={t.status}>
                  <td>
                    {typeLabels[t.task_type]}
                    <div className="muted small">by {t.created_by}</div>
                  </td>
                  {datasetId === null && (
                    // A long unbroken name wraps rather than push the other columns off the page.
                    <td className="wrap">
                      <Link to={{ page: 'dataset', id: t.dataset_id, view: { tab: 'overview' } }}>{t.dataset_name}</Link>
                      <div className="muted small">{t.dataset_status}</div>
                    </td>
                  )}
                  <td>
                    <span className={`task-status task-${t.status.toLowerCase()}`}>{t.status}</span>
                    <div className="small muted">{t.status_message}</div>
                    {t.error_message && <div className="small error">{withoutApiHint(t.error_message)}</div>}
                  </td>
                  <td>
                    <progress max={100} value={t.progress_percentage} aria-label={`Progress of the ${typeLabels[t.task_type].toLowerCase()} task`} /> {t.progress_percentage}%
                    {t.task_type !== 'EXPORT' && (
                      <div className="small muted">
                        {t.done}
                        {t.total !== null && ` / ${t.total}`} files{t.failed > 0 && `, ${t.failed} failed`}
                      </div>
                    )}
                  </td>
                  <td>{formatTime(t.start_time)}</td>
                  <td>{formatTime(t.end_time)}</td>
                  <td className="actions">
                    {running(t) && (
                      <button type="button" className="btn btn-small btn-danger-outline" disabled={t.abort_requested} onClick={() => void act('abort', t)}>
                        {t.abort_requested ? 'Aborting…' : 'Abort'}
                      </button>
                    )}
                    {(t.status === 'FAILED' || t.status === 'ABORTED') && t.task_type !== 'EXPORT' && (
                      <button type="button" className="btn btn-small" onClick={() => void act('retry', t)}>
                        Retry
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages > 1 && (
        <div className="form-row">
          <button type="button" className="btn" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Newer
          </button>
          <span className="small muted">
            Page {page} of {pages}
          </span>
          <button type="button" className="btn" disabled={page >= pages} onClick={() => setPage(page + 1)}>
            Older
          </button>
        </div>
      )}
      <OutcomeNote outcome={message} />
    </section>
  );
}
