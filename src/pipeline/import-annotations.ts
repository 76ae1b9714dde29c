import { annotationsByItem, rowName } from '../domain/annotations.ts';
import type { Dataset, Task } from '../domain/types.ts';
import type { MediaSource } from '../ports/media-source.ts';
import type { PipelineDeps } from './deps.ts';

/**
 * Reads the annotation files beside the listed media (SPEC §4) and keeps on each image what
 * they say of it, for its decoding to use. A row that names no listed image, or that is not a
 * valid row, is recorded as a failure of its own (the annotation file's name, the row and why),
 * counted like a file that could not be used; it never fails the operation.
 */
export async function importAnnotations(deps: PipelineDeps, dataset: Dataset, task: Task, source: MediaSource): Promise<void> {
  const rows = await source.annotationRows();
  if (rows.length === 0) return;
  const { byItem, failures } = annotationsByItem(rows, await deps.store.items.listedNames(task.id));
  await deps.store.items.setAnnotations(byItem);
  await deps.store.items.insertMany(
    failures.map((f) => ({
      datasetId: dataset.id,
      taskId: task.id,
      kind: 'image' as const,
      sourceKey: `annotation:${f.ref.file}:${f.ref.row}`,
      fileName: f.ref.file,
      originalUri: f.ref.file,
      location: `annotation:${f.ref.file}`,
      sizeBytes: null,
      stage: 'annotations',
      failure: { stage: 'annotations', reason: `${rowName(f.ref)}: ${f.reason}` },
    })),
  );
}
