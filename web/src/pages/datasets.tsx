import { useState, type FormEvent } from 'react';
import { client, type Dataset } from '../client.ts';
import { isActive, Progress, StatusBadge } from '../components/status.tsx';
import { countOf, formatTime } from '../lib/format.ts';
import { Link, useNav } from '../lib/router.tsx';
import { datasetTab } from '../lib/routes.ts';
import { useAsync } from '../lib/use-async.ts';
import { UploadPanel } from './upload.tsx';
import { useLiveDataset } from '../lib/use-live-dataset.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { errorText } from '../lib/error-text.ts';

export function DatasetsPage() {
  const list = useAsync(() => client.listDatasets({ sortBy: 'date' }), []);
  return (
    <section className="page">
      <div className="page-head">
        <h1>Datasets</h1>
      </div>
      <div className="create-grid">
        <CreateFromPath onCreated={list.reload} />
        <UploadPanel />
      </div>
      {list.error && <p className="error">{errorText(list.error)}</p>}
      {list.data && list.data.length === 0 && <p className="empty">No datasets yet. Create one from a folder above.</p>}
      {list.data && list.data.length > 0 && (
        <ul className="dataset-list" aria-label="Datasets">
          {list.data.map((d) => (
            <DatasetRow key={d.id} initial={d} />
          ))}
        </ul>
      )}
    </section>
  );
}

function DatasetRow({ initial }: { initial: Dataset }) {
  // Only datasets in progress hold an event stream: a browser has few connections per host.
  const dataset = useLiveDataset(initial, isActive(initial));
  if (dataset === null) return null;
  return (
    <li className="dataset-row" data-status={dataset.status_new}>
      <div className="dataset-row-main">
        <Link to={datasetTab(dataset.id, 'overview')} className="dataset-name">
          {dataset.display_name}
        </Link>
        <StatusBadge dataset={dataset} />
      </div>
      <div className="dataset-row-meta muted small">
        {countOf(dataset.n_images, 'image')}
        {dataset.n_videos > 0 ? ` · ${countOf(dataset.n_videos, 'video')}` : ''} · {dataset.source_type} · created {formatTime(dataset.created_at)}
      </div>
      <Progress dataset={dataset} />
      {dataset.fatal_error_msg && <p className="error small">{dataset.fatal_error_msg}</p>}
      <DatasetThumbs dataset={dataset} />
    </li>
  );
}

/** Thumbnails a dataset's row shows: its first media in the listing's order. */
const ROW_THUMBS = 6;

/**
 * A glimpse of what a dataset holds, so that it can be told from the others by sight. Fetched
 * again when its status changes (the first media are there once indexing has begun); a row
 * whose thumbnails cannot be read shows none, since its name and figures already say what it is.
 */
function DatasetThumbs({ dataset }: { dataset: Dataset }) {
  const hasMedia = dataset.n_images + dataset.n_videos > 0;
  const first = useAsync(
    () => (hasMedia ? client.listMedia(dataset.id, { pageSize: ROW_THUMBS }).then((r) => r.media) : Promise.resolve([])),
    [dataset.id, dataset.status_new, hasMedia],
  );
  if (!first.data || first.data.length === 0) return null;
  return (
    <Link to={datasetTab(dataset.id, 'all-media')} className="dataset-thumbs" aria-label={`${dataset.display_name}: all media`}>
      {first.data.map((m) => (
        <img key={m.media_id} src={m.media_thumb_uri} alt="" loading="lazy" decoding="async" />
      ))}
    </Link>
  );
}

function CreateFromPath({ onCreated }: { onCreated: () => void }) {
  const { go } = useNav();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    setBusy(true);
    setError(null);
    try {
      const created = await client.createDataset({ name: String(data.get('name')), bucketPath: String(data.get('path')) });
      form.reset();
      onCreated();
      go(datasetTab(created.dataset_id, 'overview'));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel create-form" onSubmit={(e) => void submit(e)} aria-label="New dataset from a folder or bucket">
      <h2>New dataset from a folder or bucket</h2>
      <div className="form-row">
        <label>
          Name
          <input name="name" required maxLength={255} placeholder="wallpapers" />
        </label>
        <label className="grow">
          <span>
            Folder or <code>s3://</code> path
          </span>
          <input name="path" required placeholder="/data/photos or s3://bucket/prefix/" />
        </label>
        <button className="btn btn-primary" type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create'}
        </button>
      </div>
      <ErrorNote message={error} />
    </form>
  );
}
