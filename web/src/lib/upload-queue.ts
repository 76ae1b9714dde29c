import { errorText } from './error-text.ts';
export interface FileProgress {
  name: string;
  size: number;
  loaded: number;
  state: 'waiting' | 'uploading' | 'done' | 'failed';
  error?: string;
}

/**
 * Sends every file through `send`, `concurrency` at a time, reporting each file's progress
 * as it changes. A failed file is recorded and the others go on; resolves with the progress
 * of all once every file has finished one way or the other.
 */
export async function uploadAll<F extends { name: string; size: number }>(
  files: readonly F[],
  concurrency: number,
  send: (file: F, onProgress: (loaded: number) => void) => Promise<void>,
  onChange: (index: number, progress: FileProgress) => void,
): Promise<FileProgress[]> {
  const progress: FileProgress[] = files.map((f) => ({ name: f.name, size: f.size, loaded: 0, state: 'waiting' }));
  const set = (i: number, change: Partial<FileProgress>) => {
    progress[i] = { ...progress[i]!, ...change };
    onChange(i, progress[i]!);
  };
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      set(i, { state: 'uploading' });
      try {
        await send(files[i]!, (loaded) => set(i, { loaded: Math.min(loaded, files[i]!.size) }));
        set(i, { state: 'done', loaded: files[i]!.size });
      } catch (err) {
        set(i, { state: 'failed', error: errorText(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return progress;
}

/**
 * Each file's progress while a single request carries them all, one after the other: the
 * bytes sent so far are laid over the files in order, by their sizes.
 */
export function batchProgress(files: ReadonlyArray<{ name: string; size: number }>, loaded: number): FileProgress[] {
  let before = 0;
  return files.map((f) => {
    const mine = Math.max(0, Math.min(f.size, loaded - before));
    before += f.size;
    return { name: f.name, size: f.size, loaded: mine, state: mine === 0 && f.size > 0 ? 'waiting' : 'uploading' };
  });
}
