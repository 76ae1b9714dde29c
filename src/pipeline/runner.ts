import type { JobName } from '../jobs/catalogue.ts';
import type { JobHandler, JobResult, OutgoingJob } from '../ports/job-queue.ts';
import { abortHandler, finishAbort, isProceeding, OperationAborted } from './abort.ts';
import { analyzeStage } from './analyze.stage.ts';
import { copyStage } from './copy.stage.ts';
import { detectStage, enrichmentOutputsOf } from './detect.stage.ts';
import { OperationFailure, type PipelineDeps } from './deps.ts';
import { discoverStage } from './discover.stage.ts';
import { extendStage } from './extend.stage.ts';
import { ITEMS, isDatasetStage, itemStages, nextStage, pipelineOptionsOf, type DatasetStage } from './graph.ts';
import { taskOutcome } from './outcome.ts';
import { similarityStage } from './similarity.stage.ts';
import { summarizeStage } from './summarize.stage.ts';
import { attemptOf, operationOf } from '../domain/tasks.ts';
import type { Dataset, Task } from '../domain/types.ts';
import { isStorageFull } from '../lib/storage-full.ts';
import { isoMicros } from '../lib/time.ts';

type DatasetStageFn = (deps: PipelineDeps, dataset: Dataset, task: Task) => Promise<void>;

const datasetStageFns: Record<DatasetStage, DatasetStageFn> = {
  discover: discoverStage,
  copy: copyStage,
  extend: extendStage,
  similarity: similarityStage,
  summarize: summarizeStage,
};

const done: JobResult = { status: 'done' };
const skipped = (reason: string): JobResult => ({ status: 'skipped', reason });

export function datasetStageJob(task: Task, stage: string): OutgoingJob<'dataset-stage'> {
  return {
    name: 'dataset-stage',
    payload: { datasetId: task.datasetId, taskId: task.id, stage },
    options: { singletonKey: `stage:${task.id}:${stage}:${attemptOf(task)}`, serialKey: `dataset:${task.datasetId}` },
  };
}

/** Queues every still-pending item of the task, a page at a time (duplicates are ignored). */
export async function enqueuePendingItems(deps: PipelineDeps, task: Task): Promise<void> {
  const attempt = attemptOf(task);
  for (const stage of itemStages) {
    let after = '';
    for (;;) {
      const ids = await deps.store.items.pendingIds(task.id, stage, after, 1000);
      if (ids.length === 0) break;
      await deps.queue.send(
        ids.map((itemId) => ({
          name: 'item-stage' as const,
          payload: { datasetId: task.datasetId, taskId: task.id, itemId, stage },
          options: { singletonKey: `item:${itemId}:${stage}:${attempt}` },
        })),
      );
      after = ids[ids.length - 1]!;
    }
  }
}

/** Moves a task from `from` to the next stage and queues whatever that stage needs. */
async function advance(deps: PipelineDeps, taskId: string, from: string): Promise<void> {
  const task = await deps.store.tasks.get(taskId);
  // An ended or aborting task goes no further (the abort job ends it).
  if (!task || !isProceeding(task)) return;
  const to = nextStage(operationOf(task), from, pipelineOptionsOf(task.params));
  if (to === null) return;
  if (!(await deps.store.tasks.advanceStage(taskId, from, to))) return;
  await queueStageWork(deps, { ...task, stage: to });
}

/** Queues the work of the task's current stage. Safe to repeat: the reconciler calls it too. */
export async function queueStageWork(deps: PipelineDeps, task: Task): Promise<void> {
  if (task.stage === ITEMS) {
    await enqueuePendingItems(deps, task);
    // The barrier: nothing left to process (or everything failed at listing) moves on at once.
    if (itemsFinished(task)) await advance(deps, task.id, ITEMS);
    return;
  }
  await deps.queue.send([datasetStageJob(task, task.stage)]);
}

const itemsFinished = (task: Task): boolean => task.total !== null && task.done + task.failed >= task.total;

/**
 * A job that finds its work already done may be the re-run of one whose outcome was recorded
 * while what follows was not (the store failed in between, on a full disk say): the task's
 * next step is made sure of here — the barrier passed, the current dataset stage queued (both
 * no-ops when done already) — or the operation would wait for ever.
 */
async function resumeAfter(deps: PipelineDeps, taskId: string): Promise<void> {
  const task = await deps.store.tasks.get(taskId);
  if (!task || !isProceeding(task)) return;
  if (task.stage !== ITEMS) await deps.queue.send([datasetStageJob(task, task.stage)]);
  else if (itemsFinished(task)) await advance(deps, task.id, ITEMS);
}

/** Ends the operation with a message a user can act on (a creation in ERROR, an update back where it started). */
async function failOperation(deps: PipelineDeps, task: Task, message: string): Promise<void> {
  await deps.store.tasks.finish(task.id, taskOutcome(task, message));
}


export function pipelineHandlers(deps: PipelineDeps): { [N in Exclude<JobName, 'export'>]: JobHandler<N> } {
  return {
    'task-abort': abortHandler(deps),

    'dataset-stage': async ({ taskId, stage }, ctx) => {
      const task = await deps.store.tasks.get(taskId);
      if (!task || task.status === 'COMPLETED' || task.status === 'FAILED' || task.status === 'ABORTED') return skipped('task ended');
      if (task.stage !== stage || !isDatasetStage(stage)) {
        await resumeAfter(deps, task.id);
        return skipped(`task is at stage ${task.stage}`);
      }
      const dataset = await deps.store.datasets.get(task.datasetId);
      if (!dataset) return skipped('dataset deleted');
      if (task.abortRequestedAt !== null) {
        await finishAbort(deps, task.id);
        return skipped('task aborted');
      }
      if (task.status === 'INITIALIZING') await deps.store.tasks.update(task.id, { status: 'RUNNING', startedAt: isoMicros() });
      try {
        await datasetStageFns[stage](deps, dataset, task);
      } catch (err) {
        if (err instanceof OperationAborted) {
          await finishAbort(deps, task.id);
          return skipped('task aborted');
        }
        if (err instanceof OperationFailure) {
          await failOperation(deps, task, err.message);
          return { status: 'failed', reason: err.message };
        }
        // A full storage is waited out by the queue, never the operation's failure.
        if (ctx.isLastAttempt && !isStorageFull(err)) {
          const reason = `Internal error during ${stage}: ${err instanceof Error ? err.message : String(err)}`;
          await failOperation(deps, task, reason);
          return { status: 'failed', reason };
        }
        throw err;
      }
      await advance(deps, task.id, stage);
      return done;
    },

    'item-stage': async ({ taskId, itemId, stage }, ctx) => {
      const item = await deps.store.items.get(itemId);
      if (!item || item.state !== 'pending' || item.stage !== stage) {
        await resumeAfter(deps, taskId);
        return skipped('item already processed');
      }
      // An aborted or aborting task's items stay pending (a retry takes them up again).
      const task = await deps.store.tasks.get(item.taskId);
      if (!task || !isProceeding(task)) return skipped('task is not running');
      let outcome;
      try {
        const outputs = enrichmentOutputsOf(task.params);
        outcome = stage === 'detect' ? await detectStage(deps, item, outputs) : await analyzeStage(deps, item, outputs);
      } catch (err) {
        // A full storage is waited out by the queue, never the item's failure.
        if (!ctx.isLastAttempt || isStorageFull(err)) throw err;
        const reason = `internal error: ${err instanceof Error ? err.message : String(err)}`;
        outcome = stage === 'detect' ? await deps.store.enrichment.failDetection(itemId, stage, reason) : await deps.store.items.fail(itemId, stage, reason);
      }
      if (outcome.taskItemsFinished) await advance(deps, item.taskId, ITEMS);
      return outcome.applied ? done : skipped('item already processed');
    },
  };
}
