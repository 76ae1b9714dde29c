import { operationOf } from '../domain/tasks.ts';
import type { Dataset, Task } from '../domain/types.ts';
import type { PipelineDeps } from './deps.ts';
import { pipelineOf } from './graph.ts';
import { taskOutcome } from './outcome.ts';

/**
 * The last stage: settles the dataset's state. An operation that lists items fails when none
 * of them could be indexed; one without items (a reindex) has nothing of the kind to check.
 */
export async function summarizeStage(deps: PipelineDeps, dataset: Dataset, task: Task): Promise<void> {
  let fatal: string | null = null;
  // An enrichment copy holds the source's indexed media whatever its detections did.
  if (pipelineOf(operationOf(task)).items && task.done === 0 && task.operation !== 'ENRICH') {
    const source = task.operation === 'CREATE' ? dataset.sourceUri : typeof task.params.sourceUri === 'string' ? task.params.sourceUri : null;
    fatal =
      task.total === 0
        ? `No media files found at ${source ?? 'the upload'}`
        : `No valid media: all ${task.total} files failed to index (see GET /api/v1/dataset/${dataset.id}/errors)`;
  }
  await deps.store.tasks.finish(task.id, taskOutcome(task, fatal));
}
