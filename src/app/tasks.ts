import { taskStatuses, type Dataset, type Task, type TaskStatus, type User } from '../domain/types.ts';
import { DomainError } from '../domain/errors.ts';
import { taskTypeOf, type TaskKind } from '../domain/dataset-status.ts';
import { isLive, statusMessage, taskKindOfType, taskSortFields, taskTypes, type TaskSortField } from '../domain/tasks.ts';
import { abortJob } from '../pipeline/abort.ts';
import { retryOperation } from '../pipeline/operations.ts';
import type { TaskListing } from '../ports/store.ts';
import type { AppContext } from './context.ts';
import { requireWriter, visibleDataset } from './datasets.ts';
import { taskProgress } from './dataset-view.ts';

/**
 * The tasks API (SPEC §6): every operation on a dataset is a task. Listing follows Visual
 * Layer's Task Manager (filters, sort, 1-based pages of 5–50); abort is cooperative (the task
 * stays RUNNING, "Aborting", until its work has stopped); retry runs a failed or aborted
 * creation, addition or reindex again as the same task, keeping what it finished. An export
 * is a task too, seen only by whoever started it (and admins), like its export_status.
 */

export const TASK_NOT_FOUND = 'Task not found';

export interface TaskListQuery {
  dataset_id?: string;
  dataset_name?: string;
  task_type?: string;
  task_status?: string;
  created_by?: string;
  start_time_from?: string;
  start_time_to?: string;
  sort_by?: TaskSortField;
  sort_order?: 'asc' | 'desc';
  page?: number;
  page_size?: number;
}

/** Timestamps as Visual Layer's task list shows them: UTC ISO 8601 with a Z. */
const utc = (t: string | null): string | null => (t === null ? null : `${t}Z`);

export function taskBody(listing: TaskListing) {
  const { task } = listing;
  return {
    task_id: task.id,
    dataset_id: task.datasetId,
    dataset_name: listing.datasetName,
    dataset_status: listing.datasetStatus,
    created_by: listing.createdByEmail,
    task_type: taskTypeOf[task.operation],
    status: task.status,
    status_message: statusMessage(task),
    progress_percentage: taskProgress(task),
    error_message: task.errorMessage,
    start_time: utc(task.createdAt)!,
    end_time: utc(task.endedAt),
    abort_requested: task.abortRequestedAt !== null,
    done: task.done,
    failed: task.failed,
    total: task.total,
  };
}

/** An ISO 8601 instant as stored (isoMicros); without a zone it is UTC. */
export function instant(value: string, name: string): string {
  const zoned = /T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(value) ? `${value}Z` : value;
  const ms = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(zoned) : Number.NaN;
  if (Number.isNaN(ms)) throw new DomainError('BAD_REQUEST', `${name} must be an ISO 8601 date or date-time, e.g. 2026-03-01T14:30:00Z`);
  // Stored times carry microseconds (a tie-breaker within one millisecond): a time given with
  // them, such as a listed start_time, must keep them to match itself.
  const micros = /:\d\d\.\d{3}(\d{1,3})/.exec(value)?.[1]?.padEnd(3, '0') ?? '000';
  return `${new Date(ms).toISOString().slice(0, 23)}${micros}`;
}

export async function listTasks(ctx: AppContext, user: User, q: TaskListQuery) {
  let operation: TaskKind | undefined;
  if (q.task_type !== undefined) {
    operation = taskKindOfType(q.task_type) ?? undefined;
    if (operation === undefined) throw new DomainError('BAD_REQUEST', `task_type must be one of ${taskTypes.join(', ')}`);
  }
  if (q.task_status !== undefined && !(taskStatuses as readonly string[]).includes(q.task_status)) {
    throw new DomainError('BAD_REQUEST', `task_status must be one of ${taskStatuses.join(', ')}`);
  }
  const page = q.page ?? 1;
  const pageSize = q.page_size ?? 20;
  const { tasks, total } = await ctx.store.tasks.list(user, {
    ...(q.dataset_id !== undefined && { datasetId: q.dataset_id }),
    ...(q.dataset_name !== undefined && { datasetName: q.dataset_name }),
    ...(operation !== undefined && { operation }),
    ...(q.task_status !== undefined && { status: q.task_status as TaskStatus }),
    ...(q.created_by !== undefined && { createdByEmail: q.created_by.trim().toLowerCase() }),
    ...(q.start_time_from !== undefined && { createdFrom: instant(q.start_time_from, 'start_time_from') }),
    ...(q.start_time_to !== undefined && { createdTo: instant(q.start_time_to, 'start_time_to') }),
    sortBy: q.sort_by ?? 'start_time',
    sortOrder: q.sort_order ?? 'desc',
    offset: (page - 1) * pageSize,
    limit: pageSize,
  });
  return { tasks: tasks.map(taskBody), total, page, page_size: pageSize };
}

/** What a task list can be filtered and sorted on: every type and status, and the datasets and users its tasks have. */
export async function taskFilters(ctx: AppContext, user: User) {
  const { datasets, creators } = await ctx.store.tasks.filterValues(user);
  return {
    task_types: taskTypes,
    task_statuses: [...taskStatuses],
    datasets: datasets.map((d) => ({ dataset_id: d.id, dataset_name: d.name })),
    created_by: creators,
    sort_by: [...taskSortFields],
  };
}

/**
 * A task the caller may act on: a task of a dataset they can see (NOT_FOUND otherwise, like a
 * missing one), and a role that may change it (FORBIDDEN for viewers). An export is its
 * starter's and admins', as its export_status is (whoever may read a dataset may export it).
 */
async function actionableTask(ctx: AppContext, user: User, taskId: string): Promise<{ task: Task; dataset: Dataset }> {
  const task = await ctx.store.tasks.get(taskId);
  if (!task) throw new DomainError('NOT_FOUND', TASK_NOT_FOUND);
  let dataset: Dataset;
  try {
    dataset = await visibleDataset(ctx, user, task.datasetId);
  } catch (err) {
    if (err instanceof DomainError && err.code === 'NOT_FOUND') throw new DomainError('NOT_FOUND', TASK_NOT_FOUND);
    throw err;
  }
  if (task.operation !== 'EXPORT') requireWriter(user);
  else if (task.createdBy !== user.id && user.role !== 'admin') throw new DomainError('NOT_FOUND', TASK_NOT_FOUND);
  return { task, dataset };
}

async function listingOf(ctx: AppContext, taskId: string, dataset: Dataset): Promise<TaskListing> {
  const task = (await ctx.store.tasks.get(taskId))!;
  const current = (await ctx.store.datasets.get(dataset.id)) ?? dataset;
  const creator = await ctx.store.users.findById(task.createdBy);
  return { task, datasetName: current.displayName, datasetStatus: current.status, createdByEmail: creator?.email ?? '' };
}

const finished = (task: Task) => `Task ${task.id} has already finished (${task.status}); only a running task can be aborted`;

/** Asks a running task to stop; it ends ABORTED once its work has stopped. Asking again is harmless. */
export async function abortTask(ctx: AppContext, user: User, taskId: string) {
  const { task, dataset } = await actionableTask(ctx, user, taskId);
  if (!isLive(task)) throw new DomainError('CONFLICT', finished(task));
  if (!(await ctx.store.tasks.requestAbort(task.id, user.id))) throw new DomainError('CONFLICT', finished((await ctx.store.tasks.get(task.id))!));
  // An export's own job meets the request at its next page of items, or when it starts.
  if (task.operation !== 'EXPORT') await ctx.queue.send([abortJob(task)]);
  return taskBody(await listingOf(ctx, task.id, dataset));
}

/**
 * Runs a FAILED or ABORTED creation, addition or reindex again, as the same task (see
 * retryOperation); uploaded media and finished items are kept.
 */
export async function retryTask(ctx: AppContext, user: User, taskId: string) {
  const { task, dataset } = await actionableTask(ctx, user, taskId);
  if (task.status !== 'FAILED' && task.status !== 'ABORTED') {
    throw new DomainError('CONFLICT', `Task ${task.id} is ${task.status}; only a FAILED or ABORTED task can be retried`);
  }
  if (task.operation === 'ENRICH') {
    throw new DomainError('CONFLICT', `A ${taskTypeOf[task.operation]} task cannot be retried: delete the copy and enrich again instead`);
  }
  if (task.operation === 'EXPORT') {
    throw new DomainError('CONFLICT', `An ${taskTypeOf[task.operation]} task cannot be retried: start a new export instead`);
  }
  if (dataset.lastTaskId !== task.id) throw new DomainError('CONFLICT', `A newer task has run on dataset ${dataset.id} since task ${task.id}`);
  await retryOperation(ctx.pipeline, dataset, task);
  return taskBody(await listingOf(ctx, task.id, dataset));
}
