import { statusWhenStarting, type DatasetStatus, type Operation } from '../domain/dataset-status.ts';
import { operationOf } from '../domain/tasks.ts';
import type { Dataset, Task } from '../domain/types.ts';
import type { PipelineDeps } from './deps.ts';
import { resumeAborts } from './abort.ts';
import { ITEMS, itemStages, pipelineOf, pipelineOptionsOf, taskStagesOf } from './graph.ts';
import { queueStageWork } from './runner.ts';

/**
 * The state the dataset would enter if `op` started now, or a CONFLICT naming what blocks it:
 * what a request checks before it reads a body it would otherwise have to throw away.
 */
export async function stateWhenStarting(deps: PipelineDeps, dataset: Dataset, op: Operation): Promise<DatasetStatus> {
  const running = dataset.lastTaskId ? await deps.store.tasks.get(dataset.lastTaskId) : null;
  const runningOp = running && (running.status === 'RUNNING' || running.status === 'INITIALIZING') ? running.operation : null;
  return statusWhenStarting(dataset.status, op, runningOp);
}

/**
 * Starts an operation on a dataset: checks the state machine, records the task and the
 * dataset's new state together, and queues the first stage.
 */
export async function startOperation(
  deps: PipelineDeps,
  dataset: Dataset,
  op: Operation,
  userId: string,
  params: Record<string, unknown> = {},
): Promise<Task> {
  const next = await stateWhenStarting(deps, dataset, op);
  const options = pipelineOptionsOf(params);
  const task = await deps.store.tasks.start(
    {
      datasetId: dataset.id,
      operation: op,
      stage: taskStagesOf(op, options)[0]!,
      createdBy: userId,
      params: { ...params, ...(op === 'ADD_MEDIA' && (await copyModels(deps, dataset))), previousStatus: dataset.status },
      // An operation without items has no listing to wait for: its total is known now.
      ...(!pipelineOf(op, options).items && { total: 0 }),
    },
    { from: dataset.status, to: next },
  );
  await queueStageWork(deps, task);
  return task;
}

/**
 * Media added to an enrichment copy get what its items got: the models its enrichment ran
 * (objects, labels, captions, text-aligned vectors), as task params the item stage reads.
 */
async function copyModels(deps: PipelineDeps, dataset: Dataset): Promise<{ enrichmentModels?: unknown }> {
  if (dataset.sourceType !== 'ENRICHMENT') return {};
  const enrichment = await deps.store.tasks.latestOf(dataset.id, 'ENRICH');
  return enrichment === null ? {} : { enrichmentModels: enrichment.params.enrichmentModels };
}

/**
 * Starts an enrichment: the copy (a new DRAFT dataset whose source is `source`) runs the ENRICH
 * operation, and the source is held READ ONLY until it ends. Checked against the source's
 * state as if the operation ran on it, with the same wording for what blocks it.
 */
export async function startEnrichment(
  deps: PipelineDeps,
  source: Dataset,
  copy: Dataset,
  userId: string,
  params: Record<string, unknown>,
): Promise<Task> {
  const running = source.lastTaskId ? await deps.store.tasks.get(source.lastTaskId) : null;
  const runningOp = running && (running.status === 'RUNNING' || running.status === 'INITIALIZING') ? running.operation : null;
  const locked = statusWhenStarting(source.status, 'ENRICH', runningOp);
  const task = await deps.store.tasks.start(
    { datasetId: copy.id, operation: 'ENRICH', stage: taskStagesOf('ENRICH')[0]!, createdBy: userId, params: { ...params, previousStatus: copy.status } },
    { from: copy.status, to: 'INDEXING' },
    { datasetId: source.id, from: source.status, to: locked },
  );
  await queueStageWork(deps, task);
  return task;
}

/** After a restart: puts every unfinished operation's current stage back in the queue. */
export async function reconcile(deps: PipelineDeps): Promise<number> {
  const tasks = await deps.store.tasks.listRunning();
  for (const task of tasks) {
    if (task.abortRequestedAt === null) await queueStageWork(deps, await withRecordedTotal(deps, task));
  }
  await resumeAborts(deps, tasks);
  return tasks.length;
}

/**
 * Runs a FAILED or ABORTED operation again, as the same task: what it finished is kept (and
 * counted), items that failed are tried again, the source is listed again, and the stages run
 * from the first. The dataset must still be where the task left it, with this as its last task,
 * and the state machine must let the operation start from there: a creation from ERROR, an
 * addition from READY or PARTIAL INDEX (it ends PARTIAL INDEX, or READY with its
 * auto_reindex), a reindex from PARTIAL INDEX.
 */
export async function retryOperation(deps: PipelineDeps, dataset: Dataset, task: Task): Promise<Task> {
  const op = operationOf(task);
  const next = statusWhenStarting(dataset.status, op, null);
  const stage = taskStagesOf(op, pipelineOptionsOf(task.params))[0]!;
  const restarted = await deps.store.tasks.restart(task.id, { stage, retriedStages: itemStages }, { from: dataset.status, to: next });
  await queueStageWork(deps, restarted);
  return restarted;
}

/**
 * Past its listing a task's units can no longer grow, so a total above the items recorded
 * (left by a listing that counted a file it did not store) would keep it short of its barrier
 * forever: the total becomes what is there to finish.
 */
async function withRecordedTotal(deps: PipelineDeps, task: Task): Promise<Task> {
  // An enrichment's total is set once its copy is complete, exact from then on.
  if (task.stage !== ITEMS || task.total === null || task.operation === 'ENRICH') return task;
  const recorded = await deps.store.items.countListed(task.id);
  if (recorded >= task.total) return task;
  await deps.store.tasks.update(task.id, { total: recorded });
  return { ...task, total: recorded };
}
