import type { TaskStatus } from './types.ts';
import type { VqlFilter } from './vql.ts';

/** Export task states, as Visual Layer's export_status names them (SPEC §9). */
export const exportStatuses = ['INIT', 'IN_PROGRESS', 'COMPLETED', 'FAILED'] as const;
export type ExportStatus = (typeof exportStatuses)[number];

/**
 * An export's status as export_status names its task's: Visual Layer has no ABORTED export, so
 * an aborted one is FAILED there, its result_message saying who aborted it.
 */
export const exportStatusOf: Readonly<Record<TaskStatus, ExportStatus>> = {
  INITIALIZING: 'INIT',
  RUNNING: 'IN_PROGRESS',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  ABORTED: 'FAILED',
};

export const exportFormats = ['json', 'parquet', 'csv'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** Members of one cluster, narrowed by VQL filters, less the media the user unticked. */
export interface ClusterSelection {
  granularity: number;
  clusterId: number;
  filters: VqlFilter[];
  excludedIds: string[];
}

/** What an entities export holds: the union of the listed media and the selected clusters. */
export interface MediaSelection {
  mediaIds: string[];
  clusters: ClusterSelection[];
}

export interface ExportTask {
  id: string;
  datasetId: string;
  createdBy: string;
  status: ExportStatus;
  /** 0 … 100. */
  progress: number;
  format: ExportFormat;
  includeImages: boolean;
  /** Name of the zip the download is offered as. */
  fileName: string;
  /** Null exports every indexed item of the dataset. */
  selection: MediaSelection | null;
  blobKey: string | null;
  sizeBytes: number | null;
  resultMessage: string | null;
  createdAt: string;
  endedAt: string | null;
  /** Unix ms after which the file is deleted; set on completion. */
  expiresAt: number | null;
}
