import { useState, type FormEvent } from 'react';
import { client, uploadingClient } from '../client.ts';
import { DropZone, FileProgressList } from '../components/file-drop.tsx';
import type { LocalFile } from '../lib/dropped-files.ts';
import { countOf } from '../lib/format.ts';
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
  const busy = progress !== null && error === null;

  const add = (more: LocalFile[]) => {
    setFiles((f) => [...f, ...more]);
    setProgress(null);
    setError(null);
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


  return (
    <form className="panel upload" onSubmit={(e) => void submit(e)} aria-label="New dataset from files on this computer">
      <h2>New dataset from files on this computer</h2>
      <DropZone prompt="Drop images, videos or whole folders here" onFiles={add} />
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
          <FileProgressList files={files} progress={progress} />
        </>
      )}
      <ErrorNote message={error} />
    </form>
  );
}
