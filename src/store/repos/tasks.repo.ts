import { randomUUID } from 'node:crypto';
import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import { assertTransition, type DatasetStatus, type TaskKind } from '../../domain/dataset-status.ts';
import type { Task, TaskStatus } from '../../domain/types.ts';
import { DomainError } from '../../domain/errors.ts';
import { retriedParams } from '../../domain/tasks.ts';
import { isoMicros } from '../../lib/time.ts';
import type { TasksRepo } from '../../ports/store.ts';
import type { DB, TasksTable } from '../schema.ts';
import { listTasks, taskFilterValues } from './task-listing.ts';

const LIVE = ['INITIALIZING', 'RUNNING'] as const;

export function toTask(r: Selectable<TasksTable>): Task {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    operation: r.operation as TaskKind,
    status: r.status as TaskStatus,
    stage: r.stage,
    total: r.total === null ? null : Number(r.total),
    done: Number(r.done),
    failed: Number(r.failed),
    progress: Number(r.progress),
    createdBy: r.created_by,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    lastProgressAt: r.last_progress_at === null ? null : Number(r.last_progress_at),
    errorMessage: r.error_message,
    params: JSON.parse(r.params) as Record<string, unknown>,
    abortRequestedAt: r.abort_requested_at,
    abortRequestedBy: r.abort_requested_by,
  };
}

/** A task's row as it starts: INITIALIZING at `stage`, nothing counted yet. */
export function newTaskRow(input: { datasetId: string; operation: TaskKind; stage: string; createdBy: string; params?: Record<string, unknown>; total?: number }): Selectable<TasksTable> {
  return {
    id: randomUUID(),
    dataset_id: input.datasetId,
    operation: input.operation,
    status: 'INITIALIZING',
    stage: input.stage,
    total: input.total ?? null,
    done: 0,
    failed: 0,
    progress: 0,
    created_by: input.createdBy,
    created_at: isoMicros(),
    started_at: null,
    ended_at: null,
    last_progress_at: null,
    error_message: null,
    params: JSON.stringify(input.params ?? {}),
    abort_requested_at: null,
    abort_requested_by: null,
  };
}

function lockedDatasetOf(params: string | undefined): string | undefined {
  if (params === undefined) return undefined;
  const id = (JSON.parse(params) as { lockedDatasetId?: unknown }).lockedDatasetId;
  return typeof id === 'string' ? id : undefined;
}

export function tasksRepo(db: Kysely<DB>, changed: (datasetId: string) => void): TasksRepo {
  /** Bumps the revision of the task's dataset; returns the dataset id for the change feed. */
  async function bumpDataset(trx: Kysely<DB>, taskId: string): Promise<string | undefined> {
    const row = await trx
      .updateTable('datasets')
      .set({ revision: sql`revision + 1` })
      .where('id', '=', (eb) => eb.selectFrom('tasks').select('dataset_id').where('tasks.id', '=', taskId))
      .returning('id')
      .executeTakeFirst();
    return row?.id;
  }

  return {
    async start(input, transition, lock) {
      assertTransition(transition.from, transition.to);
      if (lock !== undefined) assertTransition(lock.from, lock.to);
      const row = newTaskRow(input);
      await db.transaction().execute(async (trx) => {
        const res = await trx
          .updateTable('datasets')
          .set({ status: transition.to, last_task_id: row.id, upload_open: 0, fatal_error_msg: null, revision: sql`revision + 1` })
          .where('id', '=', input.datasetId)
          .where('status', '=', transition.from)
          .where('deleting', '=', 0)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) {
          throw new DomainError('CONFLICT', 'The dataset changed state meanwhile; try again');
        }
        if (lock !== undefined) {
          const locked = await trx
            .updateTable('datasets')
            .set({ status: lock.to, last_task_id: row.id, revision: sql`revision + 1` })
            .where('id', '=', lock.datasetId)
            .where('status', '=', lock.from)
            .where('deleting', '=', 0)
            .executeTakeFirst();
          if (Number(locked.numUpdatedRows) === 0) {
            throw new DomainError('CONFLICT', 'The source dataset changed state meanwhile; try again');
          }
          row.params = JSON.stringify({ ...(input.params ?? {}), lockedDatasetId: lock.datasetId });
        }
        await trx.insertInto('tasks').values(row).execute();
      });
      changed(input.datasetId);
      if (lock !== undefined) changed(lock.datasetId);
      return toTask(row);
    },

    async finish(id, outcome) {
      const [datasetId, lockedId] = await db.transaction().execute(async (trx) => {
        const task = await trx
          .updateTable('tasks')
          .set({ status: outcome.taskStatus, error_message: outcome.errorMessage, ended_at: isoMicros(), progress: 100 })
          .where('id', '=', id)
          .where('status', 'in', LIVE)
          .returning('params')
          .executeTakeFirst();
        if (task === undefined) return [undefined, undefined] as const;
        const current = await trx
          .selectFrom('datasets')
          .select('status')
          .where('id', '=', (eb) => eb.selectFrom('tasks').select('dataset_id').where('tasks.id', '=', id))
          .executeTakeFirst();
        if (current !== undefined) assertTransition(current.status as DatasetStatus, outcome.datasetStatus);
        const lockedId = lockedDatasetOf(task.params);
        if (lockedId !== undefined) {
          await trx
            .updateTable('datasets')
            .set({ status: 'READY', revision: sql`revision + 1` })
            .where('id', '=', lockedId)
            .where('last_task_id', '=', id)
            .where('status', '=', 'READ ONLY')
            .execute();
        }
        const ds = await trx
          .updateTable('datasets')
          .set({ status: outcome.datasetStatus, fatal_error_msg: outcome.fatalErrorMsg, revision: sql`revision + 1` })
          .where('id', '=', (eb) => eb.selectFrom('tasks').select('dataset_id').where('tasks.id', '=', id))
          .returning('id')
          .executeTakeFirst();
        return [ds?.id, lockedId] as const;
      });
      if (datasetId !== undefined) changed(datasetId);
      if (lockedId !== undefined) changed(lockedId);
      return datasetId !== undefined;
    },

    async get(id) {
      const r = await db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toTask(r) : null;
    },

    async latestOf(datasetId, operation) {
      const r = await db
        .selectFrom('tasks')
        .selectAll()
        .where('dataset_id', '=', datasetId)
        .where('operation', '=', operation)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return r ? toTask(r) : null;
    },

    async listRunning() {
      const rows = await db.selectFrom('tasks').selectAll().where('status', 'in', LIVE).where('operation', '!=', 'EXPORT').execute();
      return rows.map(toTask);
    },

    list: (viewer, query) => listTasks(db, viewer, query),
    filterValues: (viewer) => taskFilterValues(db, viewer),

    async requestAbort(id, userId) {
      const datasetIds = await db.transaction().execute(async (trx) => {
        const res = await trx
          .updateTable('tasks')
          .set({ abort_requested_at: isoMicros(), abort_requested_by: userId })
          .where('id', '=', id)
          .where('status', 'in', LIVE)
          .where('abort_requested_at', 'is', null)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) return [];
        // The status of a dataset whose last task this is shows the request
        // (processing.abort_requested); an export is no dataset's last task, and its abort
        // changes nothing a client of the dataset sees.
        const shown = await trx.updateTable('datasets').set({ revision: sql`revision + 1` }).where('last_task_id', '=', id).returning('id').execute();
        return shown.map((r) => r.id);
      });
      for (const datasetId of datasetIds) changed(datasetId);
      const row = await db.selectFrom('tasks').select('status').where('id', '=', id).executeTakeFirst();
      return row !== undefined && (LIVE as readonly string[]).includes(row.status);
    },

    async restart(id, input, transition) {
      assertTransition(transition.from, transition.to);
      const datasetId = await db.transaction().execute(async (trx) => {
        const task = await trx.selectFrom('tasks').select(['dataset_id', 'params']).where('id', '=', id).where('status', 'in', ['FAILED', 'ABORTED']).executeTakeFirst();
        const moved = task
          ? await trx
              .updateTable('datasets')
              .set({ status: transition.to, fatal_error_msg: null, upload_open: 0, revision: sql`revision + 1` })
              .where('id', '=', task.dataset_id)
              .where('status', '=', transition.from)
              .where('last_task_id', '=', id)
              .where('deleting', '=', 0)
              .executeTakeFirst()
          : undefined;
        if (!task || Number(moved!.numUpdatedRows) === 0) throw new DomainError('CONFLICT', 'The dataset changed state meanwhile; try again');
        const failedAtItems = (eb: ExpressionBuilder<DB, 'items'>) => eb('fail_stage', 'in', input.retriedStages);
        await trx
          .updateTable('items')
          .set((eb) => ({ state: 'pending', stage: eb.ref('fail_stage').$castTo<string>(), fail_stage: null, fail_reason: null }))
          .where('task_id', '=', id)
          .where('state', '=', 'failed')
          .where(failedAtItems)
          .execute();
        await trx.deleteFrom('items').where('task_id', '=', id).where('state', '=', 'failed').execute();
        await trx
          .updateTable('tasks')
          .set({
            status: 'INITIALIZING',
            stage: input.stage,
            // Listed again before it counts: the source may have changed since.
            total: null,
            failed: 0,
            progress: 0,
            started_at: null,
            ended_at: null,
            last_progress_at: null,
            error_message: null,
            abort_requested_at: null,
            abort_requested_by: null,
            // A retry that fails or is aborted goes back to where the retry started; its item
            // jobs are told apart from the last attempt's by the attempt number (runner.ts).
            params: JSON.stringify(retriedParams(JSON.parse(task.params) as Record<string, unknown>, transition.from)),
          })
          .where('id', '=', id)
          .execute();
        return task.dataset_id;
      });
      changed(datasetId);
      return toTask(await db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    },

    async update(id, patch) {
      const datasetId = await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('tasks')
          .set({
            ...(patch.status !== undefined && { status: patch.status }),
            ...(patch.stage !== undefined && { stage: patch.stage }),
            ...(patch.total !== undefined && { total: patch.total }),
            // Progress never moves backwards within an operation.
            ...(patch.progress !== undefined && { progress: sql<number>`case when progress > ${patch.progress} then progress else ${patch.progress} end` }),
            ...(patch.startedAt !== undefined && { started_at: patch.startedAt }),
            ...(patch.endedAt !== undefined && { ended_at: patch.endedAt }),
            ...(patch.errorMessage !== undefined && { error_message: patch.errorMessage }),
            ...(patch.params !== undefined && { params: JSON.stringify(patch.params) }),
          })
          .where('id', '=', id)
          .execute();
        return bumpDataset(trx, id);
      });
      if (datasetId !== undefined) changed(datasetId);
    },

    async advanceStage(id, from, to) {
      const datasetId = await db.transaction().execute(async (trx) => {
        // `progress` is the share of the current stage done: each stage starts again from 0.
        const res = await trx.updateTable('tasks').set({ stage: to, progress: 0 }).where('id', '=', id).where('stage', '=', from).executeTakeFirst();
        return Number(res.numUpdatedRows) > 0 ? ((await bumpDataset(trx, id)) ?? null) : undefined;
      });
      if (typeof datasetId === 'string') changed(datasetId);
      return datasetId !== undefined;
    },
  };
}
