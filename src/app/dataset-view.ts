import { createHash } from 'node:crypto';
import { legacyStatus } from '../domain/dataset-status.ts';
import { etaSeconds, progressPercent, retryAfterSeconds } from '../domain/progress.ts';
import { isEnded } from '../domain/tasks.ts';
import type { Dataset, Task } from '../domain/types.ts';
import { STORAGE_FULL_PAUSED } from '../lib/storage-full.ts';
import { afterStagesDone, afterStageWeights, pipelineOf, pipelineOptionsOf } from '../pipeline/graph.ts';

export interface DatasetView {
  body: Record<string, unknown>;
  etag: string;
  /** Seconds until a poll is worth it, for non-terminal states; null when nothing is running. */
  retryAfter: number | null;
}

function startedMs(task: Task): number | null {
  return task.startedAt === null ? null : Date.parse(`${task.startedAt.slice(0, 23)}Z`);
}

function isRunning(task: Task | null): task is Task {
  return task !== null && (task.status === 'RUNNING' || task.status === 'INITIALIZING');
}

/** The share of a task's work units done, 0 … 100 (100 once it has ended). */
export function taskProgress(task: Task): number {
  // An export reports its share of items written as it goes.
  if (task.operation === 'EXPORT') return isEnded(task.status) ? 100 : task.progress;
  const options = pipelineOptionsOf(task.params);
  const atAfterStage = (pipelineOf(task.operation, options).after as readonly string[]).includes(task.stage);
  return progressPercent(task, {
    weights: afterStageWeights(task.operation, task.total ?? 0, options),
    done: afterStagesDone(task.operation, task.stage, options),
    current: atAfterStage ? task.progress / 100 : 0,
  });
}

/**
 * The dataset as the API shows it: Visual Layer's fields in their order, the legacy `status`,
 * and (an addition) the `processing` object of the running or last operation.
 * `storageFull`: processing waits for storage space, which a running operation says.
 */
export function datasetView(dataset: Dataset, task: Task | null, storageFull = false): DatasetView {
  const running = isRunning(task);
  let progress = task === null ? 0 : taskProgress(task);
  if (dataset.status === 'READY' || dataset.status === 'PARTIAL INDEX') progress = 100;
  const body: Record<string, unknown> = {
    id: dataset.id,
    display_name: dataset.displayName,
    description: dataset.description,
    source_type: dataset.sourceType,
    owned_by: dataset.ownerEmail,
    created_at: dataset.createdAt,
    status: legacyStatus(dataset.status, { uploadOpen: dataset.uploadOpen, runningOperation: running ? task.operation : null }),
    status_new: dataset.status,
    progress,
    n_images: dataset.nImages,
    n_videos: dataset.nVideos,
    n_objects: dataset.nObjects,
    fatal_error_msg: dataset.fatalErrorMsg,
    source_dataset_id: dataset.sourceDatasetId,
  };
  if (task !== null) {
    body.processing = {
      operation: task.operation,
      status: task.status,
      stage: task.stage,
      done: task.done,
      total: task.total,
      failed: task.failed,
      n_frames: dataset.nFrames,
      started_at: task.startedAt,
      ended_at: task.endedAt,
      eta_seconds: etaSeconds(task, startedMs(task)),
      paused_reason: running && storageFull ? STORAGE_FULL_PAUSED : null,
      abort_requested: task.abortRequestedAt !== null,
    };
  }
  const json = JSON.stringify(body);
  return {
    body,
    etag: `"${createHash('sha1').update(json).digest('base64url')}"`,
    retryAfter: running ? retryAfterSeconds(task, startedMs(task)) : null,
  };
}
