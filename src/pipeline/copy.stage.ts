import type { Dataset, Task } from '../domain/types.ts';
import { OperationFailure, type PipelineDeps } from './deps.ts';

const PAGE = 1000;

/** The item stage the copied images and frames wait at. */
export const DETECT = 'detect';

/**
 * The first stage of an enrichment copy (SPEC §8): the source's indexed items and their vectors
 * become the copy's, rows only — locations and thumbnails point at the source's files, nothing
 * is decoded again or stored twice. Re-running after a crash copies nothing twice.
 */
export async function copyStage(deps: PipelineDeps, dataset: Dataset, task: Task): Promise<void> {
  const sourceId = dataset.sourceDatasetId;
  if (sourceId === null || (await deps.store.datasets.get(sourceId)) === null) {
    throw new OperationFailure('The source dataset of this enrichment no longer exists');
  }
  const input = { sourceId, targetId: dataset.id, taskId: task.id, stage: DETECT };
  for (let after = ''; ; ) {
    const last = await deps.store.enrichment.copyItems(input, after, PAGE);
    if (last === null) break;
    after = last;
  }
  await deps.store.enrichment.settleCopy(dataset.id, task.id, DETECT);
}
