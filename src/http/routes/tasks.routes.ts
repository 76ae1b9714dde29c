import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { abortTask, listTasks, retryTask, taskFilters, type TaskListQuery } from '../../app/tasks.ts';
import { refTo, Task, TaskFilters, TaskList, taskSortNames, taskStatusNames, taskTypeNames } from '../../api/schemas.ts';
import { callerOf } from '../auth.ts';
import { ok } from '../schemas.ts';

const literals = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));

const TaskListQuerySchema = Type.Object({
  dataset_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  dataset_name: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Exact dataset name' })),
  task_type: Type.Optional(literals(taskTypeNames)),
  task_status: Type.Optional(literals(taskStatusNames)),
  created_by: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: 'Email of the user who started the task' })),
  start_time_from: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Tasks started at or after this ISO 8601 time (UTC without a zone)' })),
  start_time_to: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Tasks started at or before this ISO 8601 time' })),
  sort_by: Type.Optional(literals(taskSortNames)),
  sort_order: Type.Optional(literals(['asc', 'desc'])),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: '1-based (default 1)' })),
  page_size: Type.Optional(Type.Integer({ minimum: 5, maximum: 50, description: 'Default 20' })),
});

const TaskIdParams = Type.Object({ task_id: Type.String({ minLength: 1, maxLength: 64 }) });

export function taskRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/api/v1/tasks',
    { schema: { tags: ['tasks'], summary: 'Tasks of the datasets you can see: filtered, sorted, paged', querystring: TaskListQuerySchema, response: ok(TaskList) } },
    async (req) => listTasks(ctx, callerOf(req), req.query as TaskListQuery),
  );

  app.get(
    '/api/v1/tasks/filters',
    { schema: { tags: ['tasks'], summary: 'The values the task list can be filtered and sorted on', response: ok(TaskFilters) } },
    async (req) => taskFilters(ctx, callerOf(req)),
  );

  const actions = [
    { name: 'abort', run: abortTask, summary: 'Ask a running task to stop; it ends ABORTED once its work has stopped (409 if it has finished)' },
    { name: 'retry', run: retryTask, summary: 'Run a FAILED or ABORTED creation, addition or reindex again, keeping uploaded media and finished items' },
  ];
  for (const action of actions) {
    app.post(
      `/api/v1/tasks/:task_id/${action.name}`,
      { schema: { tags: ['tasks'], summary: action.summary, params: TaskIdParams, response: ok(refTo(Task), 202) } },
      async (req, reply) => {
        const { task_id } = req.params as { task_id: string };
        return reply.status(202).send(await action.run(ctx, callerOf(req), task_id));
      },
    );
  }
}
