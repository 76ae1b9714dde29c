import { abortOutcome, isLive } from '../domain/tasks.ts';
import type { DatasetStatus } from '../domain/dataset-status.ts';
import type { Task } from '../domain/types.ts';
import type { JobHandler, OutgoingJob } from '../ports/job-queue.ts';
import type { PipelineDeps } from './deps.ts';

/**
 * Cooperative abort. A request is recorded on the task; from then on item jobs leave their
 * items pending, and dataset stages stop at their next safe point (between listing batches,
 * between progress reports of the index build and kNN search — never while results are being
 * written). The `task-abort` job shares the dataset's serial key with the dataset stages, so it
 * runs once none of them is running, in whichever process: it ends the task ABORTED and settles
 * the dataset. A dataset stage that meets the request first ends the task itself. Items already
 * being analysed when the request came finish and count; nothing is undone.
 */
export class OperationAborted extends Error {
  override name = 'OperationAborted';
}

/** Whether the task should go on: running, and no abort asked for. */
export const isProceeding = (task: Task): boolean => isLive(task) && task.abortRequestedAt === null;

export function abortJob(task: Task): OutgoingJob<'task-abort'> {
  return {
    name: 'task-abort',
    payload: { datasetId: task.datasetId, taskId: task.id },
    options: { singletonKey: `abort:${task.id}`, serialKey: `dataset:${task.datasetId}` },
  };
}

/** A safe point of a long stage: throws OperationAborted once an abort was asked for. */
export async function stopIfAborted(deps: PipelineDeps, taskId: string): Promise<void> {
  const task = await deps.store.tasks.get(taskId);
  if (task !== null && task.abortRequestedAt !== null) throw new OperationAborted(`task ${taskId} was aborted`);
}

/**
 * Ends an aborting task ABORTED and settles its dataset; false when there was nothing to end.
 * Read afresh, so the counts include the items that were in flight when the abort was asked.
 */
export async function finishAbort(deps: PipelineDeps, taskId: string): Promise<boolean> {
  const task = await deps.store.tasks.get(taskId);
  if (!task || !isLive(task) || task.abortRequestedAt === null) return false;
  const by = task.abortRequestedBy === null ? null : await deps.store.users.findById(task.abortRequestedBy);
  const previous = typeof task.params.previousStatus === 'string' ? (task.params.previousStatus as DatasetStatus) : null;
  const outcome = abortOutcome(task, previous, by?.email ?? 'a user');
  const ended = await deps.store.tasks.finish(task.id, { taskStatus: 'ABORTED', ...outcome });
  if (ended) deps.logger.info({ taskId, datasetId: task.datasetId, done: task.done, total: task.total }, 'operation aborted');
  return ended;
}

export function abortHandler(deps: PipelineDeps): JobHandler<'task-abort'> {
  return async ({ taskId }) => ((await finishAbort(deps, taskId)) ? { status: 'done' } : { status: 'skipped', reason: 'nothing to abort' });
}

/** After a restart: tasks whose abort was asked for but not finished get their abort job again. */
export async function resumeAborts(deps: PipelineDeps, tasks: readonly Task[]): Promise<void> {
  const aborting = tasks.filter((t) => t.abortRequestedAt !== null);
  if (aborting.length > 0) await deps.queue.send(aborting.map(abortJob));
}
