import { useState, type FormEvent } from 'react';
import { client, uploadingClient, type Dataset } from '../client.ts';
import { DropZone, FileProgressList } from '../components/file-drop.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import type { LocalFile } from '../lib/dropped-files.ts';
import { errorText } from '../lib/error-text.ts';
import { countOf } from '../lib/format.ts';
import { Link } from '../lib/router.tsx';
import { batchProgress, type FileProgress } from '../lib/upload-queue.ts';

/** A single dropped file with one of these endings is sent as an archive, unpacked by the server. */
const ARCHIVE = /\.(zip|tar|tar\.gz)$/i;

/**
 * More media for an indexed dataset (READY or PARTIAL INDEX): files, folders or one archive,
 * sent in one add_media request whose bytes are shown per file. The dataset is READ ONLY while
 * the batch runs, then PARTIAL INDEX, or READY again when "reindex when done" is ticked.
 */
export function AddMedia({ dataset }: { dataset: Dataset }) {
  const [files, setFiles] = useState<LocalFile[]>([]);
  const [progress, setProgress] = useState<FileProgress[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** Files the server took in the last batch sent from here. */
  const [started, setStarted] = useState<number | null>(null);
  const busy = progress !== null && error === null && started === null;
  // While a batch or a reindex runs the dataset is READ ONLY: files can be chosen, not sent.
  const open = dataset.status_new === 'READY' || dataset.status_new === 'PARTIAL INDEX';
  const archive = files.length === 1 && ARCHIVE.test(files[0]!.name);
  // The batch's outcome once it has run: its files that failed, or the whole batch (none indexed).
  const ended = dataset.status_new === 'READ ONLY' ? null : dataset.processing;

  const add = (more: LocalFile[]) => {
    setFiles((f) => (started === null ? [...f, ...more] : more));
    setProgress(null);
    setError(null);
    setStarted(null);
  };

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const autoReindex = new FormData(e.currentTarget).get('auto_reindex') === 'on';
    setProgress(batchProgress(files, 0));
    setError(null);
    let frame = 0;
    const onLoaded = (loaded: number) =>
      (frame ||= requestAnimationFrame(() => {
        frame = 0;
        setProgress(batchProgress(files, loaded));
      }));
    try {
      const upload = files.map((f) => ({ name: f.name, data: f.file }));
      const r = await uploadingClient(onLoaded).addMedia(dataset.id, archive ? { archive: upload[0]! } : { files: upload }, { autoReindex });
      cancelAnimationFrame(frame);
      setProgress(files.map((f) => ({ name: f.name, size: f.size, loaded: f.size, state: 'done' })));
      setStarted(r.files_received);
    } catch (err) {
      cancelAnimationFrame(frame);
      setProgress(files.map((f) => ({ name: f.name, size: f.size, loaded: 0, state: 'failed', error: 'not added' })));
      setError(errorText(err));
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-labelledby="add-media-title">
      <h3 id="add-media-title">Add media</h3>
      {!open && started === null && <p className="small muted">The dataset is {dataset.status_new} while a task runs: media can be added once it ends.</p>}
      <DropZone prompt="Drop images, videos, whole folders or one archive (.zip, .tar, .tar.gz) here" onFiles={add} />
      {files.length > 0 && (
        <>
          <div className="form-row">
            <label className="check">
              <input type="checkbox" name="auto_reindex" disabled={busy} /> Reindex when done (groups, clusters and scores over all images)
            </label>
            <button type="submit" className="btn btn-primary" disabled={busy || started !== null || !open}>
              {busy ? 'Sending…' : archive ? 'Add the archive' : `Add ${countOf(files.length, 'file')}`}
            </button>
            <button type="button" className="btn btn-ghost" disabled={busy} onClick={() => (setFiles([]), setProgress(null), setError(null), setStarted(null))}>
              Clear
            </button>
          </div>
          <FileProgressList files={files} progress={progress} />
        </>
      )}
      {started && (
        <p className={ended && ended.status === 'FAILED' ? 'error' : 'ok'} role="status">
          Received {countOf(started, 'file')}. {ended ? `Indexing has ended: the dataset is ${dataset.status_new}.` : 'Indexing them: the dataset is READ ONLY until that ends.'}
          {ended && ended.failed > 0 ? ` ${countOf(ended.failed, 'file')} could not be indexed (see Failures).` : ''}{' '}
          <Link to={{ page: 'tasks', datasetId: dataset.id }}>See its task</Link>
        </p>
      )}
      <ErrorNote message={error} />
    </form>
  );
}

/** Recomputes groups, clusters, outliers and uniqueness over everything a PARTIAL INDEX dataset holds. */
export function Reindex({ dataset }: { dataset: Dataset }) {
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const reindex = async () => {
    setSent(true);
    setError(null);
    try {
      await client.reindex(dataset.id);
    } catch (err) {
      setSent(false);
      setError(errorText(err));
    }
  };
  return (
    <div className="panel reindex">
      <p>
        Media were added since the last index. Search and duplicate groups already include them; clusters, outliers, uniqueness and the new
        images' issue scores come with a reindex, which reuses the stored embeddings.
      </p>
      <button type="button" className="btn btn-primary" disabled={sent} onClick={() => void reindex()}>
        Reindex
      </button>
      <ErrorNote message={error} />
    </div>
  );
}
