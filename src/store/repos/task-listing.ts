import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { taskKinds, taskTypeOf, type DatasetStatus } from '../../domain/dataset-status.ts';
import type { TaskSortField } from '../../domain/tasks.ts';
import type { TaskListing, TaskQuery, Viewer } from '../../ports/store.ts';
import type { DB } from '../schema.ts';
import { toTask } from './tasks.repo.ts';

type Joined = DB & { creators: DB['users'] };
type From = 'tasks' | 'datasets' | 'creators';

/**
 * Tasks joined with their dataset and creator, limited to datasets `viewer` may see (and not
 * being deleted); exports only to whoever started them, as their export_status is.
 */
function visibleTasks(db: Kysely<DB>, viewer: Viewer): SelectQueryBuilder<Joined, From, object> {
  let q = (db as unknown as Kysely<Joined>)
    .selectFrom('tasks')
    .innerJoin('datasets', 'datasets.id', 'tasks.dataset_id')
    .innerJoin('users as creators', 'creators.id', 'tasks.created_by')
    .where('datasets.deleting', '=', 0);
  if (viewer.role !== 'admin') {
    q = q.where((eb) =>
      eb.or([
        eb('datasets.owner_id', '=', viewer.id),
        eb.exists(eb.selectFrom('dataset_shares').select('dataset_id').whereRef('dataset_shares.dataset_id', '=', 'datasets.id').where('dataset_shares.user_id', '=', viewer.id)),
      ]),
    );
    q = q.where((eb) => eb.or([eb('tasks.operation', '!=', 'EXPORT'), eb('tasks.created_by', '=', viewer.id)]));
  }
  return q as SelectQueryBuilder<Joined, From, object>;
}

/** Sorting by task type orders by the names the API shows, not by the operations stored. */
const rankedKinds = [...taskKinds].sort((a, b) => taskTypeOf[a].localeCompare(taskTypeOf[b]));
const typeRank = sql<number>`case ${sql.join(
  rankedKinds.map((op, i) => sql`when tasks.operation = ${sql.lit(op)} then ${sql.lit(i)}`),
  sql` `,
)} else ${sql.lit(rankedKinds.length)} end`;

const sortColumn: Readonly<Record<Exclude<TaskSortField, 'task_type'>, 'tasks.created_at' | 'tasks.status' | 'datasets.display_name' | 'tasks.dataset_id' | 'creators.email'>> = {
  start_time: 'tasks.created_at',
  status: 'tasks.status',
  dataset_name: 'datasets.display_name',
  dataset_id: 'tasks.dataset_id',
  created_by: 'creators.email',
};

export async function listTasks(db: Kysely<DB>, viewer: Viewer, query: TaskQuery): Promise<{ tasks: TaskListing[]; total: number }> {
  let q = visibleTasks(db, viewer);
  if (query.datasetId !== undefined) q = q.where('tasks.dataset_id', '=', query.datasetId);
  if (query.datasetName !== undefined) q = q.where('datasets.display_name', '=', query.datasetName);
  if (query.operation !== undefined) q = q.where('tasks.operation', '=', query.operation);
  if (query.status !== undefined) q = q.where('tasks.status', '=', query.status);
  if (query.createdByEmail !== undefined) q = q.where('creators.email', '=', query.createdByEmail);
  if (query.createdFrom !== undefined) q = q.where('tasks.created_at', '>=', query.createdFrom);
  if (query.createdTo !== undefined) q = q.where('tasks.created_at', '<=', query.createdTo);

  const counted = await q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  let page = q.selectAll('tasks').select(['datasets.display_name as dataset_name', 'datasets.status as dataset_status', 'creators.email as creator_email']);
  page = query.sortBy === 'task_type' ? page.orderBy(typeRank, query.sortOrder) : page.orderBy(sortColumn[query.sortBy], query.sortOrder);
  // Ties keep a stable order, newest first, so pages never overlap.
  const rows = await page.orderBy('tasks.created_at', 'desc').orderBy('tasks.id').offset(query.offset).limit(query.limit).execute();
  return {
    total: Number(counted.n),
    tasks: rows.map((r) => ({
      task: toTask(r),
      datasetName: r.dataset_name,
      datasetStatus: r.dataset_status as DatasetStatus,
      createdByEmail: r.creator_email,
    })),
  };
}

export async function taskFilterValues(db: Kysely<DB>, viewer: Viewer): Promise<{ datasets: Array<{ id: string; name: string }>; creators: string[] }> {
  const [datasets, creators] = await Promise.all([
    visibleTasks(db, viewer).select(['datasets.id', 'datasets.display_name']).distinct().orderBy('datasets.display_name').orderBy('datasets.id').execute(),
    visibleTasks(db, viewer).select('creators.email').distinct().orderBy('creators.email').execute(),
  ]);
  return { datasets: datasets.map((d) => ({ id: d.id, name: d.display_name })), creators: creators.map((c) => c.email) };
}
