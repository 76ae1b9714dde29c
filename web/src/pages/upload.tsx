import { useState, type DragEvent, type FormEvent } from 'react';
import { client, uploadingClient } from '../client.ts';
import { VirtualList } from '../components/virtual-list.tsx';
import { droppedFiles, pickedFiles, type LocalFile } from '../lib/dropped-files.ts';
import { countOf, formatBytes } from '../lib/format.ts';
import { useNav } from '../lib/router.tsx';
import { datasetTab } from '../lib/routes.ts';
import { uploadAll, type FileProgress } from '../lib/upload-queue.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { errorText } from '../lib/error-text.ts';

const CONCURRENCY = 4;

/**
 * A new dataset from files on this computer: drop files or folders (or pick them), then the
 * four-step upload flow with each file's progress; processing starts once all are sent.
 */
export function UploadPanel() {
  const { go } = useNav();
  const [files, setFiles] = useState<LocalFile[]>([]);
  const [progress, setProgress] = useState<FileProgress[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const busy = progress !== null && error === null;

  const add = (more: LocalFile[]) => {
    setFiles((f) => [...f, ...more]);
    setProgress(null);
    setError(null);
  };
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    add(await droppedFiles(e.dataTransfer));
  };

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget).get('name'));
    const live = files.map((f): FileProgress => ({ name: f.name, size: f.size, loaded: 0, state: 'waiting' }));
    setProgress(live);
    setError(null);
    try {
      const { dataset_id } = await client.newDataset(name);
      const { trans_id } = await client.openTransaction(dataset_id);
      // Progress events come fast: the list is redrawn from a copy at most once a frame.
      let frame = 0;
      const result = await uploadAll(
        files,
        CONCURRENCY,
        async (f, onProgress) => void (await uploadingClient(onProgress).uploadFiles(dataset_id, trans_id, [{ name: f.name, data: f.file }])),
        (i, p) => {
          live[i] = p;
          frame ||= requestAnimationFrame(() => {
            frame = 0;
            setProgress([...live]);
          });
        },
      );
      setProgress(result);
      if (!result.some((p) => p.state === 'done')) throw new Error('No file was accepted: see the reasons above');
      await client.processFiles(dataset_id, trans_id);
      go(datasetTab(dataset_id, 'overview'));
    } catch (err) {
      setError(errorText(err));
    }
  };

  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  const sent = progress?.reduce((n, p) => n + p.loaded, 0) ?? 0;
  const failed = progress?.filter((p) => p.state === 'failed').length ?? 0;

  return (
    <form className="panel upload" onSubmit={(e) => void submit(e)} aria-label="New dataset from files on this computer">
      <h2>New dataset from files on this computer</h2>
      <div
        className={`dropzone${dragging ? ' is-dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => void onDrop(e)}
        data-testid="dropzone"
      >
        <p>Drop images, videos or whole folders here</p>
        <div className="form-row">
          <label className="btn file-btn">
            Choose files…
            <input type="file" multiple className="visually-hidden" onChange={(e) => add(pickedFiles(e.target.files))} />
          </label>
          <label className="btn file-btn">
            Choose a folder…
            <input type="file" className="visually-hidden" onChange={(e) => add(pickedFiles(e.target.files))} {...{ webkitdirectory: '' }} />
          </label>
        </div>
      </div>
      {files.length > 0 && (
        <>
          <div className="form-row">
            <label className="grow">
              Dataset name
              <input name="name" required maxLength={255} defaultValue={`Upload ${new Date().toISOString().slice(0, 10)}`} />
            </label>
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? 'Uploading…' : `Upload ${countOf(files.length, 'file')}`}
            </button>
            <button type="button" className="btn btn-ghost" disabled={busy} onClick={() => (setFiles([]), setProgress(null), setError(null))}>
              Clear
            </button>
          </div>
          <p className="small muted" aria-live="polite">
            {countOf(files.length, 'file')} · {formatBytes(totalBytes)}
            {progress && ` · ${formatBytes(sent)} sent`}
            {failed > 0 && ` · ${failed} refused`}
          </p>
          <div className="file-list">
            <VirtualList
              label="Files to upload"
              count={files.length}
              rowHeight={30}
              renderRow={(i) => {
                const p = progress?.[i];
                const f = files[i]!;
                return (
                  <div className="file-row" role="listitem" data-state={p?.state ?? 'waiting'}>
                    <span className="file-name" title={f.name}>
                      {f.name}
                    </span>
                    <span className="file-bar" aria-hidden="true">
                      <span style={{ width: `${p && f.size > 0 ? (100 * p.loaded) / f.size : p?.state === 'done' ? 100 : 0}%` }} />
                    </span>
                    <span className={`file-state small${p?.state === 'failed' ? ' error' : ' muted'}`} title={p?.error}>
                      {p?.state === 'failed' ? p.error : p?.state === 'done' ? 'sent' : formatBytes(f.size)}
                    </span>
                  </div>
                );
              }}
            />
          </div>
        </>
      )}
      <ErrorNote message={error} />
    </form>
  );
}
