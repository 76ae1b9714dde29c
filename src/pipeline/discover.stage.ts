import { DomainError } from '../domain/errors.ts';
import type { Dataset, Task } from '../domain/types.ts';
import { isStorageFull } from '../lib/storage-full.ts';
import type { NewItem } from '../ports/store.ts';
import { stopIfAborted } from './abort.ts';
import { OperationFailure, type PipelineDeps } from './deps.ts';
import { itemStages } from './graph.ts';
import { importAnnotations } from './import-annotations.ts';

const BATCH = 500;

/**
 * Lists the source and records one item per media file, so the total is known before any
 * work starts; then reads the annotation files beside the media. Re-running after a crash re-lists: items already recorded are kept as they are.
 * The total is what was recorded, not what was listed: should two entries ever share a key,
 * the second is not stored, and counting it would hold the task short of its total forever.
 */
export async function discoverStage(deps: PipelineDeps, dataset: Dataset, task: Task): Promise<void> {
  let source;
  try {
    source = await deps.sources.open(dataset, task);
  } catch (err) {
    if (err instanceof DomainError) throw new OperationFailure(err.message);
    throw err;
  }
  let batch: NewItem[] = [];
  try {
    for await (const entry of source.list()) {
      batch.push({
        datasetId: dataset.id,
        taskId: task.id,
        kind: entry.kind,
        sourceKey: entry.sourceKey,
        fileName: entry.fileName,
        originalUri: entry.originalUri,
        location: entry.location,
        sizeBytes: entry.sizeBytes,
        stage: itemStages[0],
        ...(entry.refused !== undefined && { failure: { stage: 'discover', reason: entry.refused } }),
      });
      if (batch.length >= BATCH) {
        await deps.store.items.insertMany(batch);
        batch = [];
        await stopIfAborted(deps, task.id);
      }
    }
  } catch (err) {
    if (err instanceof DomainError) throw new OperationFailure(err.message);
    // A full storage is not the source's fault: the queue waits for space and lists again.
    if (isFsError(err) && !isStorageFull(err)) throw new OperationFailure(`Source could not be read: ${err.message}`);
    throw err;
  }
  await deps.store.items.insertMany(batch);
  await importAnnotations(deps, dataset, task, source);
  await deps.store.tasks.update(task.id, { total: await deps.store.items.countListed(task.id) });
}

function isFsError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code!);
}
