import { statusWhenFinished, taskKinds, taskTypeOf, type DatasetStatus, type Operation, type TaskKind } from './dataset-status.ts';
import type { Task, TaskStatus } from './types.ts';

/** Task type names as the tasks API shows them, in their listed order. */
export const taskTypes = taskKinds.map((kind) => taskTypeOf[kind]);

/** The kind of task behind a task type name, or null for a name that is not one. */
export function taskKindOfType(type: string): TaskKind | null {
  return taskKinds.find((kind) => taskTypeOf[kind] === type) ?? null;
}

/** The operation a pipeline task runs: an export has its own job and never reaches the pipeline. */
export function operationOf(task: Task): Operation {
  if (task.operation === 'EXPORT') throw new Error(`Task ${task.id} is an export, not an operation of the pipeline`);
  return task.operation;
}

/**
 * A task's attempt: 0 for its first run, one more for each retry. The item jobs of an attempt
 * are told apart by it from the last attempt's: a job that met the abort may still be ending
 * when the retry queues the same item again, and the queue keeps one open job per key, so the
 * retry's would be dropped and its item left pending for ever.
 */
export const attemptOf = (task: Pick<Task, 'params'>): number => (typeof task.params.attempt === 'number' ? task.params.attempt : 0);

/** The parameters of a task run again: back to `from` if it stops again, and its next attempt. */
export function retriedParams(params: Record<string, unknown>, from: DatasetStatus): Record<string, unknown> {
  return { ...params, previousStatus: from, attempt: attemptOf({ params }) + 1 };
}

/** What the tasks list may be sorted by (Visual Layer's names). */
export const taskSortFields = ['start_time', 'status', 'task_type', 'dataset_name', 'dataset_id', 'created_by'] as const;
export type TaskSortField = (typeof taskSortFields)[number];

export function isLive(task: Task): boolean {
  return task.status === 'INITIALIZING' || task.status === 'RUNNING';
}

export function isEnded(status: TaskStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED' || status === 'ABORTED';
}

const stageWords: Readonly<Record<string, string>> = {
  discover: 'Listing the source',
  items: 'Indexing media',
  similarity: 'Computing similarity, duplicates and clusters',
  summarize: 'Finishing',
  export: 'Writing the export',
};

/** One line saying where the task is, for people watching a task list. */
export function statusMessage(task: Task): string {
  switch (task.status) {
    case 'COMPLETED':
      return task.failed > 0 ? `Completed: ${task.done} indexed, ${task.failed} failed` : 'Completed';
    case 'FAILED':
      return 'Failed';
    case 'ABORTED':
      return 'Aborted';
    case 'INITIALIZING':
    case 'RUNNING': {
      if (task.abortRequestedAt !== null) return 'Aborting: stopping at the next safe point';
      if (task.status === 'INITIALIZING') return 'Waiting to start';
      const words = stageWords[task.stage] ?? task.stage;
      return task.stage === 'items' && task.total !== null ? `${words}: ${task.done + task.failed} of ${task.total}` : words;
    }
  }
}

/** The error an aborted task shows, operation or export. */
export const abortMessage = (abortedBy: string): string => `Aborted by ${abortedBy}`;

/**
 * Where an aborted operation leaves its dataset. A creation ends in ERROR (retry it, or delete
 * the dataset), and so does an enrichment's copy (which cannot be retried: delete it; its source
 * is released either way). An addition keeps the items it finished: they are browsable, and the
 * dataset is PARTIAL INDEX until a reindex brings them into the dataset-level results; with
 * nothing finished, it is back where it started. A reindex goes back to where it started.
 */
export function abortOutcome(task: Task, previous: DatasetStatus | null, abortedBy: string): { datasetStatus: DatasetStatus; fatalErrorMsg: string | null; errorMessage: string } {
  const errorMessage = abortMessage(abortedBy);
  switch (operationOf(task)) {
    case 'CREATE': {
      const indexed = task.total === null ? 'before its files were listed' : `after ${task.done} of ${task.total} files were indexed`;
      return {
        datasetStatus: 'ERROR',
        fatalErrorMsg: `Dataset creation was aborted by ${abortedBy} ${indexed}. Retry it (POST /api/v1/tasks/${task.id}/retry) or delete the dataset.`,
        errorMessage,
      };
    }
    case 'ADD_MEDIA':
    case 'REINDEX': {
      // Where a failed update would be: the same rule for both ways an update can stop.
      const datasetStatus = statusWhenFinished(operationOf(task), 'failed', { ...(previous !== null && { previous }), itemsAdded: task.done > 0 });
      return { datasetStatus, fatalErrorMsg: null, errorMessage };
    }
    case 'ENRICH': {
      // The copy has no earlier state, and without its similarity step it is not a READY dataset.
      const enriched = task.total === null ? 'before its images were copied' : `after ${task.done} of ${task.total} images were enriched`;
      return {
        datasetStatus: 'ERROR',
        fatalErrorMsg: `Enrichment was aborted by ${abortedBy} ${enriched}. Delete this copy and enrich the source again.`,
        errorMessage,
      };
    }
  }
}
