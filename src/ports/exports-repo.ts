import type { ExportFormat, ExportTask, MediaSelection } from '../domain/export.ts';

/**
 * Export tasks (SPEC §9): each is an export row and a task row of type EXPORT with the same id
 * (listed, and aborted, as tasks are); the zips live in the blob store.
 */
export interface NewExport {
  datasetId: string;
  createdBy: string;
  format: ExportFormat;
  includeImages: boolean;
  fileName: string;
  selection: MediaSelection | null;
}

export interface ExportsRepo {
  create(input: NewExport): Promise<ExportTask>;
  get(id: string): Promise<ExportTask | null>;
  /** Marks the export running at `progress` percent (a finished one stays as it is). */
  setProgress(id: string, progress: number): Promise<void>;
  /** Ends a running export with its file (one that has ended already stays as it is). */
  complete(id: string, result: { blobKey: string; sizeBytes: number; message: string; expiresAt: number }): Promise<void>;
  /** Ends a running export without a file, FAILED or ABORTED, saying why. */
  end(id: string, status: 'FAILED' | 'ABORTED', message: string): Promise<void>;
  /** Ids of exports not yet ended, oldest first (resumed after a restart). */
  unfinished(): Promise<string[]>;
  /** Up to `limit` exports whose file expired at or before `now` (unix ms). */
  expired(now: number, limit: number): Promise<ExportTask[]>;
  /** Deletes the export's row; its task stays, as history. */
  delete(id: string): Promise<void>;
}
