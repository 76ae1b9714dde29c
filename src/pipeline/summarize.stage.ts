import { statusWhenFinished } from '../domain/dataset-status.ts';
import type { Dataset, Task } from '../domain/types.ts';
import type { PipelineDeps } from './deps.ts';

/** The last stage: settles the dataset's state from what was indexed. */
export async function summarizeStage(deps: PipelineDeps, dataset: Dataset, task: Task): Promise<void> {
  const indexed = task.done;
  let fatal: string | null = null;
  if (indexed === 0) {
    fatal =
      task.total === 0
        ? `No media files found at ${dataset.sourceUri ?? 'the upload'}`
        : `No valid media: all ${task.total} files failed to index (see GET /api/v1/dataset/${dataset.id}/errors)`;
  }
  const outcome = fatal === null ? 'succeeded' : 'failed';
  await deps.store.tasks.finish(task.id, {
    taskStatus: fatal === null ? 'COMPLETED' : 'FAILED',
    errorMessage: fatal,
    datasetStatus: statusWhenFinished(task.operation, outcome, { previous: dataset.status }),
    fatalErrorMsg: fatal,
  });
}
