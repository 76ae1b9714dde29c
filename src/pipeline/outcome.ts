import { datasetStatuses, statusWhenFinished, type DatasetStatus } from '../domain/dataset-status.ts';
import { operationOf } from '../domain/tasks.ts';
import type { Task, TaskStatus } from '../domain/types.ts';
import { pipelineOptionsOf } from './graph.ts';

export interface TaskOutcome {
  taskStatus: TaskStatus;
  errorMessage: string | null;
  datasetStatus: DatasetStatus;
  fatalErrorMsg: string | null;
}

/** The state the dataset was in when the task started (recorded in its params). */
function previousStatusOf(task: Task): DatasetStatus | undefined {
  const previous = task.params.previousStatus;
  return (datasetStatuses as readonly unknown[]).includes(previous) ? (previous as DatasetStatus) : undefined;
}

/**
 * How a task ends: completed, or failed with `fatal`. A failed creation leaves the dataset in
 * ERROR with the message; a failed addition that indexed items is PARTIAL INDEX; any other
 * failed update goes back to the state it started from. An update's message stays on the task.
 */
export function taskOutcome(task: Task, fatal: string | null): TaskOutcome {
  const datasetStatus = statusWhenFinished(operationOf(task), fatal === null ? 'succeeded' : 'failed', {
    resultsComplete: pipelineOptionsOf(task.params).autoReindex === true || task.params.fullSimilarityPass === true,
    previous: previousStatusOf(task),
    itemsAdded: task.done > 0,
  });
  return {
    taskStatus: fatal === null ? 'COMPLETED' : 'FAILED',
    errorMessage: fatal,
    datasetStatus,
    fatalErrorMsg: datasetStatus === 'ERROR' ? fatal : null,
  };
}
