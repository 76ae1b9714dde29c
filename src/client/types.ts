import type { Static } from '@sinclair/typebox';
import type * as S from '../api/schemas.ts';

/** The API's bodies as TypeScript types, derived from the schemas the server validates and documents. */
export type Dataset = Static<typeof S.Dataset>;
export type DatasetStatus = Dataset['status_new'];
export type Media = Static<typeof S.Media>;
export type MediaDetail = Static<typeof S.MediaDetail>;
export type Cluster = Static<typeof S.Cluster>;
export type ExploreResult = Static<typeof S.ExploreResult>;
export type ItemFailure = Static<typeof S.ItemFailures>[number];
export type ApiCredentials = Static<typeof S.ApiCredentials>;
export type ErrorBody = Static<typeof S.ErrorBody>;
export type DuplicateGroup = Static<typeof S.DuplicateGroups>['groups'][number];
export type RankedScore = Static<typeof S.RankedScoreName>;
export type Task = Static<typeof S.Task>;
export type TaskType = Task['task_type'];
export type TaskStatus = Task['status'];
export type TaskList = Static<typeof S.TaskList>;
export type TaskFilters = Static<typeof S.TaskFilters>;

// What the client's methods take and give besides the bodies.

/** A dataset with its status, as every dataset route and status event shows it. */
export type DatasetJson = Dataset;

/** A file to upload: its name as the dataset should show it, and its bytes. */
export interface UploadFile {
  name: string;
  data: Blob;
}

/** A dataset's status as a poll sees it: null when unchanged since `etag` (HTTP 304). */
export interface DatasetPoll {
  dataset: DatasetJson | null;
  etag: string | null;
  retryAfterSeconds: number | null;
}

export type DatasetEvent = { type: 'status'; dataset: DatasetJson; revision: string | null } | { type: 'deleted' };

export interface TaskListOptions {
  datasetId?: string;
  /** Exact dataset name. */
  datasetName?: string;
  taskType?: TaskType;
  taskStatus?: TaskStatus;
  /** Email of the user who started the task. */
  createdBy?: string;
  /** ISO 8601 bounds on when the task was started (UTC when no zone is given). */
  startTimeFrom?: string;
  startTimeTo?: string;
  sortBy?: 'start_time' | 'status' | 'task_type' | 'dataset_name' | 'dataset_id' | 'created_by';
  sortOrder?: 'asc' | 'desc';
  /** 1-based. */
  page?: number;
  /** 5 to 50 (default 20). */
  pageSize?: number;
}

export interface ExportOptions {
  format?: 'json' | 'parquet' | 'csv';
  includeImages?: boolean;
  fileName?: string;
}
