import type { Command } from 'commander';
import type { Dataset, StrataClient, Task, TaskStatus, TaskType } from '../../client/index.ts';
import { clientAction } from '../client-action.ts';
import { settledOrThrow } from '../dataset-progress.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { table, type Output } from '../output.ts';
import { waitWithProgress } from './status.ts';

function describeTask(t: Task): string {
  return [
    `${t.task_type} ${t.task_id}`,
    `  dataset   ${t.dataset_name} (${t.dataset_id}), now ${t.dataset_status}`,
    `  status    ${t.status}, ${t.progress_percentage}%: ${t.status_message}`,
    `  files     ${t.done}/${t.total ?? '?'} done, ${t.failed} failed`,
    `  started   ${t.start_time} by ${t.created_by}${t.end_time ? `, ended ${t.end_time}` : ''}`,
    ...(t.error_message ? [`  error     ${t.error_message}`] : []),
  ].join('\n');
}

/** The task as it is once its dataset has settled (the operation's end changes both at once). */
async function settledTask(client: StrataClient, out: Output, task: Task, signal: AbortSignal): Promise<{ task: Task; dataset: Dataset }> {
  const dataset = await waitWithProgress(client, out, task.dataset_id, signal);
  const { tasks } = await client.listTasks({ datasetId: task.dataset_id, pageSize: 50 });
  const found = tasks.find((t) => t.task_id === task.task_id);
  if (!found) throw new CliError(`task ${task.task_id} is no longer listed`, EXIT.NOT_FOUND);
  return { task: found, dataset };
}

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new CliError(`not a whole number: ${value}`, EXIT.USAGE);
  return n;
}

export function registerTasks(program: Command): void {
  program
    .command('tasks')
    .description('list the tasks (operations) of the datasets you may see, newest first')
    .option('--dataset <id>', 'only this dataset')
    .option('--type <type>', 'DATASET_CREATION, MEDIA_ADDITION, REINDEX, ENRICHMENT or EXPORT')
    .option('--status <status>', 'INITIALIZING, RUNNING, COMPLETED, FAILED or ABORTED')
    .option('--since <time>', 'started at or after this ISO 8601 time (UTC unless a zone is given)')
    .option('--until <time>', 'started at or before this ISO 8601 time')
    .option('--sort <field>', 'start_time, status, task_type, dataset_name, dataset_id or created_by', 'start_time')
    .option('--order <order>', 'asc or desc', 'desc')
    .option('--page <n>', '1-based page', int, 1)
    .option('--page-size <n>', '5 to 50', int, 20)
    .action(
      clientAction(async ({ client, out }, o: { dataset?: string; type?: string; status?: string; since?: string; until?: string; sort: string; order: string; page: number; pageSize: number }) => {
        const result = await client.listTasks({
          datasetId: o.dataset,
          taskType: o.type as TaskType | undefined,
          taskStatus: o.status as TaskStatus | undefined,
          startTimeFrom: o.since,
          startTimeTo: o.until,
          sortBy: o.sort as 'start_time',
          sortOrder: o.order as 'asc' | 'desc',
          page: o.page,
          pageSize: o.pageSize,
        });
        out.result(result, () => {
          if (result.tasks.length === 0) return result.total === 0 ? 'No tasks.' : `No tasks on page ${result.page} (${result.total} in all).`;
          const rows = result.tasks.map((t) => [t.task_id, t.task_type, t.status, `${t.progress_percentage}%`, t.start_time, t.dataset_name, t.status_message]);
          const pages = Math.ceil(result.total / result.page_size);
          return `${table([['TASK', 'TYPE', 'STATUS', 'PROGRESS', 'STARTED', 'DATASET', 'MESSAGE'], ...rows])}\npage ${result.page} of ${pages} (${result.total} tasks)`;
        });
      }),
    );

  program
    .command('abort')
    .description('ask a running task to stop; a creation then ends in ERROR, an addition keeps what it finished')
    .argument('<task>', 'task id (see `strata tasks`)')
    .option('--wait', 'wait until the task has stopped')
    .action(
      clientAction(async ({ client, out, signal }, id: string, options: { wait?: boolean }) => {
        const requested = await client.abortTask(id);
        const task = options.wait ? (await settledTask(client, out, requested, signal)).task : requested;
        out.result(task, () => describeTask(task));
      }),
    );

  program
    .command('retry')
    .description('run a FAILED or ABORTED creation, addition or reindex again, keeping uploaded media and finished files')
    .argument('<task>', 'task id (see `strata tasks`)')
    .option('--wait', 'wait until the dataset settles, showing progress (exit 1 if it ends in ERROR again)')
    .action(
      clientAction(async ({ client, out, signal }, id: string, options: { wait?: boolean }) => {
        const task = await client.retryTask(id);
        if (!options.wait) return out.result(task, () => describeTask(task));
        const settled = await settledTask(client, out, task, signal);
        out.result(settled.task, () => describeTask(settled.task));
        settledOrThrow(settled.dataset);
      }),
    );
}
