import type { ExportFormat, ExportTask, MediaSelection } from '../domain/export.ts';

/** Export tasks (SPEC §9): their rows; the zips live in the blob store. */
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
  complete(id: string, result: { blobKey: string; sizeBytes: number; message: string; expiresAt: number }): Promise<void>;
  fail(id: string, message: string): Promise<void>;
  /** Ids of exports not yet COMPLETED or FAILED, oldest first (resumed after a restart). */
  unfinished(): Promise<string[]>;
  /** Up to `limit` exports whose file expired at or before `now` (unix ms). */
  expired(now: number, limit: number): Promise<ExportTask[]>;
  delete(id: string): Promise<void>;
}
