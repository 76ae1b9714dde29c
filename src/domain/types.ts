import type { ItemAnnotations } from './annotations.ts';
import type { DatasetStatus, TaskKind } from './dataset-status.ts';

export const roles = ['admin', 'editor', 'viewer'] as const;
export type Role = (typeof roles)[number];

export interface User {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
}

export const sourceTypes = ['BUCKET', 'UPLOAD', 'ENRICHMENT', 'CLONE'] as const;
export type SourceType = (typeof sourceTypes)[number];

export interface Dataset {
  id: string;
  displayName: string;
  description: string;
  sourceType: SourceType;
  sourceUri: string | null;
  ownerId: string;
  ownerEmail: string;
  createdAt: string;
  status: DatasetStatus;
  fatalErrorMsg: string | null;
  sourceDatasetId: string | null;
  nImages: number;
  nVideos: number;
  nFrames: number;
  nObjects: number;
  /** Bumped on every change of what the status API shows (ETag, SSE ids). */
  revision: number;
  uploadOpen: boolean;
  /** Task of the running operation, or of the last one once it ended. */
  lastTaskId: string | null;
}

export const taskStatuses = ['INITIALIZING', 'RUNNING', 'COMPLETED', 'FAILED', 'ABORTED'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

export interface Task {
  id: string;
  datasetId: string;
  operation: TaskKind;
  status: TaskStatus;
  stage: string;
  /** Work units: source files plus dataset-level stages; null until the source is listed. */
  total: number | null;
  done: number;
  failed: number;
  /**
   * Percent of the current dataset-level stage done, as the stage reports it: 0 when a stage
   * begins, never lower within one (the dataset's progress is computed from it and the counts).
   */
  progress: number;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Unix ms of the last counted unit; ETA is computed from it so it only changes with the counts. */
  lastProgressAt: number | null;
  errorMessage: string | null;
  params: Record<string, unknown>;
  /** When an abort was asked for (the task stays RUNNING until its work has stopped), and by whom. */
  abortRequestedAt: string | null;
  abortRequestedBy: string | null;
}

/** An `object` is a detected object: its parent is its image, its embedding that of its crop. */
export const itemKinds = ['image', 'video', 'video_frame', 'object'] as const;
export type ItemKind = (typeof itemKinds)[number];

export type ItemState = 'pending' | 'done' | 'failed';

/**
 * Per-image quality figures and scores (0 … 1), see media/image-metrics.ts. The optional ones
 * are absent on items analysed before they existed, until those are indexed again.
 */
export interface Quality {
  blurVariance: number;
  /** Edge sharpness where the image has structure (null: none). */
  sharpness?: number | null;
  brightnessMean: number;
  darkFraction: number;
  brightFraction: number;
  /** 5th and 99th percentile gray levels: the picture's shadows and highlights. */
  shadowLevel?: number;
  highlightLevel?: number;
  /** Share of pixels clipped at white (gray level 254 or 255). */
  clippedFraction?: number;
  /** Gray-level entropy, bits. */
  entropy?: number;
  /** Share of pixels at the commonest gray level (absent for items analysed before it was measured). */
  modeFraction?: number;
  /** 99th percentile of per-pixel chroma, 0 … 255. */
  chroma?: number;
  blur: number;
  dark: number;
  bright: number;
  lowInformation?: number;
  grayscale?: number;
}

export interface Item {
  id: string;
  datasetId: string;
  taskId: string;
  kind: ItemKind;
  parentId: string | null;
  /** Identifies the item within its task's source, so listing twice never adds it twice. */
  sourceKey: string;
  fileName: string;
  originalUri: string;
  /** Where the bytes are: `file:<absolute path>` (imported in place), `s3://bucket/key` (read in place) or `blob:<key>` (stored by Strata). */
  location: string;
  state: ItemState;
  stage: string;
  failStage: string | null;
  failReason: string | null;
  sizeBytes: number | null;
  format: string | null;
  width: number | null;
  height: number | null;
  exif: Record<string, string | number> | null;
  byteHash: string | null;
  phash: string | null;
  quality: Quality | null;
  thumbKey: string | null;
  frameIndex: number | null;
  frameTimestamp: number | null;
  video: Record<string, unknown> | null;
  /** What the source's annotation files say of the image, until it is decoded (SPEC §4). */
  annotations: ItemAnnotations | null;
  createdAt: string;
}

/** A per-item failure as the errors API shows it. */
export interface ItemFailure {
  fileName: string;
  originalUri: string;
  stage: string;
  reason: string;
}
