import { openAsBlob } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { StrataClient, Task } from '../../src/client/index.ts';
import { followDatasetEvents, waitForDatasetStatus, waitUntilIndexing } from './client.ts';

/** A dataset made by the four-step upload of `names` from `dir`, processing started. */
export async function uploadAndProcess(client: StrataClient, name: string, dir: string, names: readonly string[]): Promise<string> {
  const { dataset_id } = await client.newDataset(name);
  const { trans_id } = await client.openTransaction(dataset_id);
  for (let i = 0; i < names.length; i += 10) {
    const files = await Promise.all(names.slice(i, i + 10).map(async (n) => ({ name: n, data: await openAsBlob(join(dir, n)) })));
    await client.uploadFiles(dataset_id, trans_id, files);
  }
  await client.processFiles(dataset_id, trans_id);
  return dataset_id;
}

/** The dataset's one task (its creation). */
export async function creationTask(client: StrataClient, datasetId: string): Promise<Task> {
  const { tasks } = await client.listTasks({ datasetId });
  expect(tasks).toHaveLength(1);
  return tasks[0]!;
}

/**
 * Aborts the creation of `datasetId` once a few files are indexed, and checks how it ends:
 * ERROR with a message naming who aborted and how far it got, the task ABORTED, the files
 * indexed before the abort (and those in flight) kept and counted. Returns the ended task.
 */
export async function abortCreation(client: StrataClient, url: string, token: string, datasetId: string, total: number): Promise<Task> {
  await waitUntilIndexing(url, token, datasetId, 2 / total, []);
  const task = await creationTask(client, datasetId);
  const requested = await client.abortTask(task.task_id);
  expect(requested).toMatchObject({ task_id: task.task_id, abort_requested: true, end_time: null });
  expect(['INITIALIZING', 'RUNNING']).toContain(requested.status);
  expect(requested.status_message).toMatch(/^Aborting/);
  expect((await client.getDataset(datasetId)).processing).toMatchObject({ abort_requested: true });

  const { dataset } = await waitForDatasetStatus(url, token, datasetId, ['READY', 'ERROR']);
  const ended = await creationTask(client, datasetId);
  expect(dataset.status_new).toBe('ERROR');
  expect(ended).toMatchObject({ status: 'ABORTED', status_message: 'Aborted', error_message: expect.stringMatching(/^Aborted by /), dataset_status: 'ERROR', progress_percentage: 100, total });
  expect(ended.end_time).toMatch(/Z$/);
  expect(ended.done).toBeGreaterThanOrEqual(2);
  expect(ended.done).toBeLessThan(total);
  expect(dataset.fatal_error_msg).toBe(`Dataset creation was aborted by ${ended.error_message!.slice('Aborted by '.length)} after ${ended.done} of ${total} files were indexed. Retry it (POST /api/v1/tasks/${ended.task_id}/retry) or delete the dataset.`);
  expect(dataset.n_images).toBe(ended.done);
  return ended;
}

/**
 * Retries an aborted or failed creation and follows it to READY: the files done before are
 * counted from the start and the counts and progress never go back while it runs.
 */
export async function retryToReady(client: StrataClient, url: string, token: string, ended: Task, total: number): Promise<Task> {
  // Following the events from before the retry, so a quick one cannot end unseen.
  const seen: any[] = [];
  let connected!: () => void;
  const following = new Promise<void>((r) => (connected = r));
  const followed = followDatasetEvents(url, token, ended.dataset_id, (d) => {
    connected();
    seen.push(d);
    return d.status_new === 'READY' || (d.status_new === 'ERROR' && seen.length > 1);
  });
  await following;
  const restarted = await client.retryTask(ended.task_id);
  expect(restarted).toMatchObject({ task_id: ended.task_id, status: 'INITIALIZING', abort_requested: false, error_message: null, end_time: null, done: ended.done, failed: 0 });
  await followed;
  // Events may coalesce (a quick retry can go from ERROR to READY in one): every one seen counts.
  const running = seen.filter((d) => d.status_new === 'INDEXING');
  for (let i = 1; i < running.length; i++) {
    expect(running[i].progress).toBeGreaterThanOrEqual(running[i - 1].progress);
    expect(running[i].processing.done).toBeGreaterThanOrEqual(running[i - 1].processing.done);
  }
  for (const d of running) expect(d.processing.done).toBeGreaterThanOrEqual(ended.done);
  const final = seen.at(-1);
  expect(final).toMatchObject({ status_new: 'READY', n_images: total, fatal_error_msg: null, progress: 100 });
  const completed = await creationTask(client, ended.dataset_id);
  expect(completed).toMatchObject({ status: 'COMPLETED', done: total, failed: 0, total, error_message: null, dataset_status: 'READY' });
  return completed;
}
