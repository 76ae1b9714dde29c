import { useState, type DragEvent } from 'react';
import { droppedFiles, pickedFiles, type LocalFile } from '../lib/dropped-files.ts';
import { countOf, formatBytes } from '../lib/format.ts';
import type { FileProgress } from '../lib/upload-queue.ts';
import { VirtualList } from './virtual-list.tsx';

/** Where files and folders are dropped, or picked with the file and folder pickers. */
export function DropZone({ prompt, onFiles }: { prompt: string; onFiles(files: LocalFile[]): void }) {
  const [dragging, setDragging] = useState(false);
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    onFiles(await droppedFiles(e.dataTransfer));
  };
  return (
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
      <p>{prompt}</p>
      <div className="form-row">
        <label className="btn file-btn">
          Choose files…
          <input type="file" multiple className="visually-hidden" onChange={(e) => onFiles(pickedFiles(e.target.files))} />
        </label>
        <label className="btn file-btn">
          Choose a folder…
          <input type="file" className="visually-hidden" onChange={(e) => onFiles(pickedFiles(e.target.files))} {...{ webkitdirectory: '' }} />
        </label>
      </div>
    </div>
  );
}

/** The files to send, each with a bar of its bytes sent and its outcome, under a count of them all. */
export function FileProgressList({ files, progress }: { files: readonly LocalFile[]; progress: readonly FileProgress[] | null }) {
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  const sent = progress?.reduce((n, p) => n + p.loaded, 0) ?? 0;
  const failed = progress?.filter((p) => p.state === 'failed').length ?? 0;
  return (
    <>
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
  );
}
