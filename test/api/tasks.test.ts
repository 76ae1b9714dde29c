import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/app/accounts.ts';
import { purgeExpiredExports } from '../../src/app/export/export-job.ts';
import { StrataClient } from '../../src/client/index.ts';
import { vectorIndexKeyOf } from '../../src/pipeline/saved-index.ts';
import type { MediaProcessor } from '../../src/ports/media-processor.ts';
import { storeBackends } from '../helpers/backends.ts';
import { waitForExport } from '../helpers/exports.ts';
import { createDatasetFrom, credentialsFor, followDatasetEvents, getJson, waitForDatasetStatus, type Credentials } from '../helpers/client.ts';
import { fixturesDir, tempDir } from '../helpers/folders.ts';
import { holdCalls } from '../helpers/held-calls.ts';
import { abortCreation, creationTask, retryToReady, uploadAndProcess } from '../helpers/tasks.ts';
import { copySmallPhotos, photosDir } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let root: string;
let admin: StrataClient;
let editor: Credentials;
let viewer: Credentials;
let outsider: Credentials;
const PASSWORD = 'tasks-password-1';

const clientOf = (c: Credentials) => new StrataClient({ baseUrl: t.url, auth: { apiKey: c.apiKey, apiSecret: c.apiSecret } });
const post = (path: string, token: string) => fetch(`${t.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

/** The dataset's revision as its event stream names it: the id a client sends back as Last-Event-ID. */
async function eventRevision(client: StrataClient, datasetId: string): Promise<string | null> {
  const stop = new AbortController();
  try {
    for await (const event of client.datasetEvents(datasetId, { signal: stop.signal })) if (event.type === 'status') return event.revision;
    throw new Error(`the event stream of dataset ${datasetId} ended before its status`);
  } finally {
    stop.abort();
  }
}

async function share(datasetId: string, email: string): Promise<void> {
  await admin.shareDataset(datasetId, email);
}

beforeAll(async () => {
  root = await tempDir('strata-tasks-');
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root, STRATA_WORKERS: '1' });
  admin = new StrataClient({ baseUrl: t.url, auth: { apiKey: t.admin.apiKey, apiSecret: t.admin.apiSecret } });
  for (const [email, role] of [['editor@example.com', 'editor'], ['viewer@example.com', 'viewer'], ['outsider@example.com', 'editor']] as const) {
    await addUser(t.server.ctx.accounts, { email, password: PASSWORD, role });
  }
  editor = await credentialsFor(t.url, 'editor@example.com', PASSWORD);
  viewer = await credentialsFor(t.url, 'viewer@example.com', PASSWORD);
  outsider = await credentialsFor(t.url, 'outsider@example.com', PASSWORD);
}, 120_000);
afterAll(async () => {
  await t?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('listing tasks', () => {
  const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
  const ids: Record<string, string> = {};
  let broken: string;

  beforeAll(async () => {
    const folder = join(root, 'two-photos');
    await copySmallPhotos(folder, 2, 300_000);
    // One after the other, so their start times are in name order.
    for (const name of names) ids[name] = await createDatasetFrom(t.url, t.admin.token, name, folder);
    const bad = join(root, 'bad');
    await mkdir(bad);
    await copyFile(join(fixturesDir, 'not-an-image.jpg'), join(bad, 'not-an-image.jpg'));
    broken = await createDatasetFrom(t.url, t.admin.token, 'golf', bad);
    for (const id of [...Object.values(ids), broken]) await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR']);
  }, 180_000);

  it("shows Visual Layer's task fields, newest first, 20 to a page", async () => {
    const res = await getJson(t.url, '/api/v1/tasks', t.admin.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 7, page: 1, page_size: 20 });
    expect(res.body.tasks.map((x: { dataset_name: string }) => x.dataset_name)).toEqual(['golf', ...[...names].reverse()]);
    const [golf, foxtrot] = res.body.tasks;
    expect(Object.keys(foxtrot)).toEqual([
      'task_id', 'dataset_id', 'dataset_name', 'dataset_status', 'created_by', 'task_type', 'status', 'status_message',
      'progress_percentage', 'error_message', 'start_time', 'end_time', 'abort_requested', 'done', 'failed', 'total',
    ]);
    expect(foxtrot).toMatchObject({
      dataset_id: ids.foxtrot, dataset_status: 'READY', created_by: 'admin@example.com', task_type: 'DATASET_CREATION', status: 'COMPLETED',
      status_message: 'Completed', progress_percentage: 100, error_message: null, abort_requested: false, done: 2, failed: 0, total: 2,
    });
    expect(foxtrot.start_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Date.parse(foxtrot.end_time)).toBeGreaterThanOrEqual(Date.parse(foxtrot.start_time));
    expect(golf).toMatchObject({ status: 'FAILED', dataset_status: 'ERROR', error_message: expect.stringMatching(/^No valid media/), failed: 1 });
  });

  it('filters by dataset, type, status, creator and start time', async () => {
    const only = async (query: string) => (await getJson(t.url, `/api/v1/tasks?${query}`, t.admin.token)).body;
    expect((await only(`dataset_id=${ids.charlie}`)).tasks.map((x: any) => x.dataset_id)).toEqual([ids.charlie]);
    expect((await only('dataset_name=delta')).tasks.map((x: any) => x.dataset_id)).toEqual([ids.delta]);
    expect((await only('task_status=FAILED')).tasks.map((x: any) => x.dataset_id)).toEqual([broken]);
    expect((await only('task_type=DATASET_CREATION')).total).toBe(7);
    expect((await only('task_type=MEDIA_ADDITION')).total).toBe(0);
    expect((await only('created_by=admin@example.com')).total).toBe(7);
    expect((await only('created_by=editor@example.com')).total).toBe(0);
    const all = (await only('sort_order=asc')).tasks;
    const from = all[2].start_time;
    const to = all[4].start_time;
    const window = await only(`start_time_from=${encodeURIComponent(from)}&start_time_to=${encodeURIComponent(to)}&sort_order=asc`);
    expect(window.tasks.map((x: any) => x.dataset_name)).toEqual(['charlie', 'delta', 'echo']);
    // Without a zone a time is UTC.
    expect((await only(`start_time_from=${encodeURIComponent(from.slice(0, -1))}`)).total).toBe(5);
    expect((await only('start_time_from=2000-01-01')).total).toBe(7);
    expect((await only('start_time_to=2000-01-01')).total).toBe(0);
  });

  it('sorts by any listed field and pages without overlap', async () => {
    const byName = await admin.listTasks({ sortBy: 'dataset_name', sortOrder: 'asc' });
    expect(byName.tasks.map((x) => x.dataset_name)).toEqual([...names, 'golf']);
    const byStatus = await admin.listTasks({ sortBy: 'status', sortOrder: 'desc' });
    expect(byStatus.tasks[0]!.status).toBe('FAILED');
    const byType = await admin.listTasks({ sortBy: 'task_type' });
    expect(byType.total).toBe(7);
    const first = await admin.listTasks({ pageSize: 5, sortBy: 'dataset_name', sortOrder: 'asc' });
    const second = await admin.listTasks({ pageSize: 5, page: 2, sortBy: 'dataset_name', sortOrder: 'asc' });
    expect(first).toMatchObject({ total: 7, page: 1, page_size: 5 });
    expect(second).toMatchObject({ total: 7, page: 2, page_size: 5 });
    expect([...first.tasks, ...second.tasks].map((x) => x.dataset_name)).toEqual([...names, 'golf']);
    expect((await admin.listTasks({ pageSize: 5, page: 3 })).tasks).toEqual([]);
  });

  it('refuses bad paging, types, statuses and times with clear errors', async () => {
    for (const query of ['page_size=4', 'page_size=51', 'page=0', 'task_type=EXPORT_ALL', 'task_status=DONE', 'sort_by=size', 'sort_order=up']) {
      const res = await getJson(t.url, `/api/v1/tasks?${query}`, t.admin.token);
      expect(res.status, query).toBe(422);
      expect(res.body.detail[0].loc[0], query).toBe('query');
    }
    const res = await getJson(t.url, '/api/v1/tasks?start_time_from=yesterday', t.admin.token);
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/start_time_from must be an ISO 8601/);
  });

  it("shows each caller only the tasks of datasets they may see", async () => {
    expect((await clientOf(outsider).listTasks()).total).toBe(0);
    await share(ids.alpha!, 'viewer@example.com');
    const seen = await clientOf(viewer).listTasks();
    expect(seen.tasks.map((x) => x.dataset_id)).toEqual([ids.alpha]);
    expect(await clientOf(viewer).taskFilters()).toEqual({
      task_types: ['DATASET_CREATION', 'MEDIA_ADDITION', 'REINDEX', 'ENRICHMENT', 'EXPORT'],
      task_statuses: ['INITIALIZING', 'RUNNING', 'COMPLETED', 'FAILED', 'ABORTED'],
      datasets: [{ dataset_id: ids.alpha, dataset_name: 'alpha' }],
      created_by: ['admin@example.com'],
      sort_by: ['start_time', 'status', 'task_type', 'dataset_name', 'dataset_id', 'created_by'],
    });
    const filters = await admin.taskFilters();
    expect(filters.datasets.map((d) => d.dataset_name)).toEqual([...names, 'golf']);
  });

  it('answers 409 to aborting a finished task, and to retrying a completed one', async () => {
    const done = await creationTask(admin, ids.bravo!);
    const abort = await post(`/api/v1/tasks/${done.task_id}/abort`, t.admin.token);
    expect(abort.status).toBe(409);
    expect((await abort.json()).detail).toBe(`Task ${done.task_id} has already finished (COMPLETED); only a running task can be aborted`);
    const retry = await post(`/api/v1/tasks/${done.task_id}/retry`, t.admin.token);
    expect(retry.status).toBe(409);
    expect((await retry.json()).detail).toBe(`Task ${done.task_id} is COMPLETED; only a FAILED or ABORTED task can be retried`);
    expect((await post('/api/v1/tasks/00000000-0000-0000-0000-000000000000/abort', t.admin.token)).status).toBe(404);
  });
});

describe('aborting a creation while it indexes real photos, then retrying it', () => {
  const TOTAL = 30;
  let dir: string;
  let names: string[];

  beforeAll(async () => {
    dir = join(root, 'upload-source');
    names = await copySmallPhotos(dir, TOTAL, 300_000);
  });

  it('lets only its owner and editors abort or retry: viewers 403, others 404', async () => {
    const datasetId = await uploadAndProcess(admin, 'to abort', dir, names);
    await share(datasetId, 'viewer@example.com');
    await share(datasetId, 'editor@example.com');
    const task = await creationTask(admin, datasetId);
    const asViewer = await post(`/api/v1/tasks/${task.task_id}/abort`, viewer.token);
    expect(asViewer.status).toBe(403);
    const asOutsider = await post(`/api/v1/tasks/${task.task_id}/abort`, outsider.token);
    expect(asOutsider.status).toBe(404);
    expect((await asOutsider.json()).detail).toBe('Task not found');

    // The editor it is shared with aborts; the upload is kept for the retry.
    const ended = await abortCreation(clientOf(editor), t.url, editor.token, datasetId, TOTAL);
    expect(ended.error_message).toBe('Aborted by editor@example.com');
    const again = await post(`/api/v1/tasks/${task.task_id}/abort`, t.admin.token);
    expect(again.status).toBe(409);
    expect((await again.json()).detail).toMatch(/already finished \(ABORTED\)/);
    expect((await post(`/api/v1/tasks/${task.task_id}/retry`, viewer.token)).status).toBe(403);
    expect((await post(`/api/v1/tasks/${task.task_id}/retry`, outsider.token)).status).toBe(404);

    await retryToReady(admin, t.url, t.admin.token, ended, TOTAL);
    const media = await admin.listMedia(datasetId, { pageSize: 100 });
    expect(media.total).toBe(TOTAL);
    expect(new Set(media.media.map((m) => m.file_name))).toEqual(new Set(names));
  }, 300_000);
});

describe('retrying a dataset that ended in ERROR', () => {
  it('takes up the files that failed, once they are fixed', async () => {
    const folder = join(root, 'fixable');
    await mkdir(folder);
    const photos = await photosDir();
    const wanted = ['darknet-dog.jpg', 'darknet-eagle.jpg', 'darknet-horses.jpg'];
    for (const name of wanted) await writeFile(join(folder, name), 'not yet an image');
    const id = await createDatasetFrom(t.url, t.admin.token, 'fixable', folder);
    const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR']);
    expect(dataset).toMatchObject({ status_new: 'ERROR', fatal_error_msg: expect.stringMatching(/^No valid media: all 3 files failed/) });
    const failed = await creationTask(admin, id);
    expect(failed).toMatchObject({ status: 'FAILED', done: 0, failed: 3, total: 3 });

    for (const name of wanted) await copyFile(join(photos, name), join(folder, name));
    const completed = await retryToReady(admin, t.url, t.admin.token, failed, 3);
    expect(completed.task_id).toBe(failed.task_id);
    expect((await admin.listErrors(id)).total).toBe(0);
  }, 180_000);
});

describe('aborting an addition of media, then retrying it', () => {
  it('keeps the files it finished, and the retry finishes the rest of the batch, then auto-reindexes', async () => {
    const base = join(root, 'grow-base');
    await copySmallPhotos(base, 2, 300_000);
    const added = join(root, 'grow-more');
    const addedNames = await copySmallPhotos(added, 30, 300_000);
    const id = await createDatasetFrom(t.url, t.admin.token, 'grows', base);
    expect((await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'])).dataset.status_new).toBe('READY');

    await admin.addMedia(id, { s3Uri: added }, { autoReindex: true });
    await followDatasetEvents(t.url, t.admin.token, id, (d) => {
      if (d.status_new !== 'READ ONLY') throw new Error(`the addition ended (${d.status_new}) before it could be aborted`);
      return d.processing?.operation === 'ADD_MEDIA' && d.processing.done >= 2;
    });
    const { tasks } = await admin.listTasks({ datasetId: id, taskType: 'MEDIA_ADDITION' });
    expect(tasks).toHaveLength(1);
    expect((await admin.abortTask(tasks[0]!.task_id)).abort_requested).toBe(true);

    const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR']);
    const [ended] = (await admin.listTasks({ datasetId: id, taskType: 'MEDIA_ADDITION' })).tasks;
    expect(ended).toMatchObject({ status: 'ABORTED', error_message: 'Aborted by admin@example.com', dataset_status: 'PARTIAL INDEX', total: 30 });
    expect(ended!.done).toBeGreaterThanOrEqual(2);
    expect(ended!.done).toBeLessThan(30);
    expect(dataset).toMatchObject({ status_new: 'PARTIAL INDEX', fatal_error_msg: null, n_images: 2 + ended!.done });
    expect((await admin.listMedia(id, { pageSize: 100 })).total).toBe(2 + ended!.done);

    // The retry is the same task: the files it finished count from the start and are not
    // indexed again; the rest are, and the batch's auto_reindex brings the dataset to READY.
    const restarted = await admin.retryTask(ended!.task_id);
    expect(restarted).toMatchObject({ task_id: ended!.task_id, task_type: 'MEDIA_ADDITION', status: 'INITIALIZING', done: ended!.done, failed: 0, error_message: null });
    const settled = (await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'])).dataset;
    expect(settled).toMatchObject({ status_new: 'READY', n_images: 32, fatal_error_msg: null });
    const [completed] = (await admin.listTasks({ datasetId: id, taskType: 'MEDIA_ADDITION' })).tasks;
    expect(completed).toMatchObject({ task_id: ended!.task_id, status: 'COMPLETED', done: 30, failed: 0, total: 30, dataset_status: 'READY' });
    const media = await admin.listMedia(id, { pageSize: 100 });
    expect(media.total).toBe(32);
    expect(new Set(media.media.map((m) => m.file_name))).toEqual(new Set([...(await readdir(base)), ...addedNames]));
    const again = await post(`/api/v1/tasks/${ended!.task_id}/retry`, t.admin.token);
    expect(again.status).toBe(409);
    expect((await again.json()).detail).toBe(`Task ${ended!.task_id} is COMPLETED; only a FAILED or ABORTED task can be retried`);
  }, 300_000);
});

/** A READY dataset of three photos, and a folder of two more to add to it. */
async function readyWithMore(name: string): Promise<{ id: string; more: string }> {
  const base = join(root, `${name}-base`);
  await copySmallPhotos(base, 3, 300_000);
  const more = join(root, `${name}-more`);
  await copySmallPhotos(more, 2, 300_000);
  const id = await createDatasetFrom(t.url, t.admin.token, name, base);
  expect((await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'])).dataset.status_new).toBe('READY');
  return { id, more };
}

/** Makes the dataset's saved ANN index unreadable (every stage that loads it fails); returns what puts it back. */
async function breakSavedIndex(id: string): Promise<() => Promise<void>> {
  const saved = join(t.dataDir, 'blobs', vectorIndexKeyOf(id));
  await rename(saved, `${saved}.kept`);
  await mkdir(saved);
  return async () => {
    await rm(saved, { recursive: true });
    await rename(`${saved}.kept`, saved);
  };
}

/** A dataset of three photos with two more added: PARTIAL INDEX. */
async function grownToPartialIndex(name: string): Promise<string> {
  const { id, more } = await readyWithMore(name);
  await admin.addMedia(id, { s3Uri: more });
  expect((await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'])).dataset.status_new).toBe('PARTIAL INDEX');
  return id;
}

/**
 * How many duplicates at 1.0 each item has, by file name (the added files are byte copies of two
 * old ones, under the same names: each pair is a group).
 */
async function duplicatesAt1(id: string): Promise<Record<string, number[]>> {
  const { media } = await admin.listMedia(id, { pageSize: 100 });
  const counts: Record<string, number[]> = {};
  for (const m of media) (counts[m.file_name] ??= []).push((await getJson(t.url, `/api/v1/dataset/${id}/media/${m.media_id}/duplicates?threshold=1`, t.admin.token)).body.length);
  expect(Object.values(counts).flat().filter((n) => n === 1)).toHaveLength(4);
  return counts;
}

describe('aborting a reindex', () => {
  it('goes back to PARTIAL INDEX still serving the results from before it', async () => {
    const id = await grownToPartialIndex('aborted-reindex');
    const before = await duplicatesAt1(id);

    // The similarity stage waits at a gate as it loads the saved index: the abort comes mid-stage.
    const loading = holdCalls(t.server.ctx.pipeline.vectors, 'load');
    let taskId: string;
    try {
      taskId = (await admin.reindex(id)).task_id;
      await loading.reached;
      expect((await admin.abortTask(taskId)).abort_requested).toBe(true);
    } finally {
      loading.restore();
      loading.open();
    }
    const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR']);
    expect(dataset).toMatchObject({ status_new: 'PARTIAL INDEX', n_images: 5 });
    expect((await admin.listTasks({ datasetId: id, taskType: 'REINDEX' })).tasks).toMatchObject([{ task_id: taskId, status: 'ABORTED' }]);
    expect(await duplicatesAt1(id)).toEqual(before);
  }, 180_000);
});

describe('retrying a reindex that failed', () => {
  it('goes back to PARTIAL INDEX with the error on the task, and the retry reruns it to READY', async () => {
    const id = await grownToPartialIndex('reindexed');
    const before = await duplicatesAt1(id);

    // Every attempt of the similarity stage fails.
    const restore = await breakSavedIndex(id);
    const { task_id } = await admin.reindex(id);
    const failed = (await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'])).dataset;
    expect(failed).toMatchObject({ status_new: 'PARTIAL INDEX', n_images: 5 });
    // The results from before the reindex are still served: nothing was cleared before it failed.
    expect(await duplicatesAt1(id)).toEqual(before);
    const [ended] = (await admin.listTasks({ datasetId: id, taskType: 'REINDEX' })).tasks;
    expect(ended).toMatchObject({ task_id, status: 'FAILED', error_message: expect.stringMatching(/^Internal error during similarity/), dataset_status: 'PARTIAL INDEX' });

    await restore();
    expect(await admin.retryTask(task_id)).toMatchObject({ task_id, task_type: 'REINDEX', status: 'INITIALIZING', error_message: null });
    const settled = (await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'])).dataset;
    expect(settled).toMatchObject({ status_new: 'READY', n_images: 5 });
    expect((await admin.listTasks({ datasetId: id, taskType: 'REINDEX' })).tasks).toMatchObject([{ task_id, status: 'COMPLETED', error_message: null }]);
  }, 180_000);
});

describe('an addition of media that fails after indexing its items', () => {
  it('ends PARTIAL INDEX with the items kept, even with auto_reindex, and the retry finishes it to READY', async () => {
    const { id, more } = await readyWithMore('failing-add');
    // The items are indexed, then every attempt to save the index fails. Without a saved index
    // to extend, the addition's similarity stage (auto_reindex) makes the full pass, and fails.
    const restore = await breakSavedIndex(id);
    const { task_id } = await admin.addMedia(id, { s3Uri: more }, { autoReindex: true });
    const failed = (await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'])).dataset;
    expect(failed).toMatchObject({ status_new: 'PARTIAL INDEX', n_images: 5, fatal_error_msg: null });
    const [ended] = (await admin.listTasks({ datasetId: id, taskType: 'MEDIA_ADDITION' })).tasks;
    expect(ended).toMatchObject({ task_id, status: 'FAILED', done: 2, error_message: expect.stringMatching(/^Internal error during similarity: EISDIR/), dataset_status: 'PARTIAL INDEX' });
    expect((await admin.listMedia(id, { pageSize: 100 })).total).toBe(5);

    await restore();
    expect(await admin.retryTask(task_id)).toMatchObject({ task_id, status: 'INITIALIZING', done: 2 });
    const settled = (await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'])).dataset;
    expect(settled).toMatchObject({ status_new: 'READY', n_images: 5 });
    expect((await admin.listTasks({ datasetId: id, taskType: 'MEDIA_ADDITION' })).tasks).toMatchObject([{ task_id, status: 'COMPLETED', done: 2, total: 2 }]);
  }, 180_000);
});

describe('aborting an enrichment', () => {
  it('ends the copy in ERROR saying what to do, and gives the source back READY', async () => {
    const base = join(root, 'enrich-base');
    await copySmallPhotos(base, 3, 300_000);
    const source = await createDatasetFrom(t.url, t.admin.token, 'enriched', base);
    expect((await waitForDatasetStatus(t.url, t.admin.token, source, ['READY', 'ERROR'])).dataset.status_new).toBe('READY');

    // Detection waits at a gate: the abort comes while the copy is certainly being made.
    const detection = holdCalls(t.server.ctx.pipeline.media as MediaProcessor, 'detectObjects');
    let copyId: string;
    try {
      copyId = (await admin.enrichDataset(source, { IMAGE_TAGGING: 'strata_image_tagger_centernet_v00' })).dataset_id;
      const [task] = (await admin.listTasks({ datasetId: copyId, taskType: 'ENRICHMENT' })).tasks;
      expect((await admin.abortTask(task!.task_id)).abort_requested).toBe(true);
    } finally {
      detection.restore();
      detection.open();
    }
    const copy = (await waitForDatasetStatus(t.url, t.admin.token, copyId, ['READY', 'ERROR'])).dataset;
    expect(copy).toMatchObject({ status_new: 'ERROR', fatal_error_msg: expect.stringMatching(/^Enrichment was aborted by admin@example\.com .*Delete this copy and enrich the source again\.$/) });
    expect((await admin.listTasks({ datasetId: copyId, taskType: 'ENRICHMENT' })).tasks).toMatchObject([{ status: 'ABORTED', error_message: 'Aborted by admin@example.com', dataset_status: 'ERROR' }]);
    expect((await admin.getDataset(source)).status_new).toBe('READY');
  }, 180_000);
});

describe.each(storeBackends('exports'))('exports as tasks ($name)', (backend) => {
  let s: TestServer;
  let stopBackend: () => Promise<void>;
  let owner: StrataClient;
  let sharedEditor: StrataClient;
  let datasetId: string;

  beforeAll(async () => {
    const started = await backend.start();
    stopBackend = started.stop;
    const folder = join(root, `export-tasks-${backend.name.split(',')[0]}`);
    await copySmallPhotos(folder, 4, 300_000);
    s = await startTestServer({ ...started.env, STRATA_IMPORT_ROOTS: root });
    owner = new StrataClient({ baseUrl: s.url, auth: { apiKey: s.admin.apiKey, apiSecret: s.admin.apiSecret } });
    await addUser(s.server.ctx.accounts, { email: 'editor@example.com', password: PASSWORD, role: 'editor' });
    const editorKeys = await credentialsFor(s.url, 'editor@example.com', PASSWORD);
    sharedEditor = new StrataClient({ baseUrl: s.url, auth: { apiKey: editorKeys.apiKey, apiSecret: editorKeys.apiSecret } });
    datasetId = await createDatasetFrom(s.url, s.admin.token, 'exported', folder);
    expect((await waitForDatasetStatus(s.url, s.admin.token, datasetId, ['READY', 'ERROR'])).dataset.status_new).toBe('READY');
    await owner.shareDataset(datasetId, 'editor@example.com');
  }, 180_000);
  afterAll(async () => {
    await s?.close();
    await stopBackend?.();
  });

  const exportTasks = async () => (await owner.listTasks({ datasetId, taskType: 'EXPORT', sortOrder: 'asc' })).tasks;
  const conflict = async (call: Promise<unknown>) => {
    const err = await call.then(() => null, (e: unknown) => e as { status: number; detail: unknown });
    expect(err?.status).toBe(409);
    return JSON.stringify(err!.detail);
  };

  it('lists a running export as an EXPORT task under its export id, leaves the dataset READY, and aborts it at its next page', async () => {
    expect((await owner.taskFilters()).task_types).toContain('EXPORT');
    // The export's first page of items waits at a gate: it is certainly running meanwhile.
    const pages = holdCalls(s.server.ctx.store.media, 'selected');
    let exportId: string;
    let revision: string | null;
    try {
      exportId = (await owner.exportDataset(datasetId, { format: 'json', includeImages: true })).id;
      await pages.reached;
      const [running] = await exportTasks();
      expect(running).toMatchObject({
        task_id: exportId, dataset_id: datasetId, dataset_status: 'READY', created_by: 'admin@example.com', task_type: 'EXPORT', status: 'RUNNING',
        status_message: 'Writing the export', progress_percentage: 0, error_message: null, end_time: null, abort_requested: false,
      });
      expect(running!.start_time).toMatch(/Z$/);
      expect((await owner.exportStatus(datasetId, exportId)).status).toBe('IN_PROGRESS');
      expect((await owner.getDataset(datasetId)).status_new).toBe('READY');
      // Another user of the dataset does not see the export, nor may abort it.
      expect((await sharedEditor.listTasks({ datasetId })).tasks.map((x) => x.task_type)).toEqual(['DATASET_CREATION']);
      const hidden = await sharedEditor.abortTask(exportId).then(() => null, (e: unknown) => e as { status: number });
      expect(hidden?.status).toBe(404);
      revision = await eventRevision(owner, datasetId);
      expect(await owner.abortTask(exportId)).toMatchObject({ task_id: exportId, status: 'RUNNING', abort_requested: true, status_message: expect.stringMatching(/^Aborting/) });
    } finally {
      pages.restore();
      pages.open();
    }
    const status = await waitForExport(s.url, s.admin.token, datasetId, exportId);
    expect(status).toMatchObject({ status: 'FAILED', result_message: 'Aborted by admin@example.com', download_uri: null, finished_at: expect.any(String) });
    const [aborted] = await exportTasks();
    expect(aborted).toMatchObject({ task_id: exportId, status: 'ABORTED', status_message: 'Aborted', error_message: 'Aborted by admin@example.com', progress_percentage: 100, dataset_status: 'READY' });
    expect(aborted!.end_time).toMatch(/Z$/);
    expect(await conflict(owner.abortTask(exportId))).toContain('has already finished (ABORTED)');
    expect(await conflict(owner.retryTask(exportId))).toContain('An EXPORT task cannot be retried: start a new export instead');
    expect((await owner.getDataset(datasetId)).status_new).toBe('READY');
    // Nothing of the dataset changed: a client holding its last event id has nothing to fetch again.
    expect(await eventRevision(owner, datasetId)).toBe(revision);
  }, 120_000);

  it('completes an export as a task, answers 409 to aborting it, and keeps the task once the file has expired', async () => {
    const { id } = await owner.exportDataset(datasetId, { format: 'csv' });
    const status = await waitForExport(s.url, s.admin.token, datasetId, id);
    expect(status.status).toBe('COMPLETED');
    const completed = (await exportTasks()).find((x) => x.task_id === id);
    expect(completed).toMatchObject({ status: 'COMPLETED', status_message: 'Completed', progress_percentage: 100, error_message: null, end_time: expect.stringMatching(/Z$/) });
    expect((await owner.listTasks({ taskType: 'EXPORT', taskStatus: 'COMPLETED' })).tasks.map((x) => x.task_id)).toEqual([id]);
    expect(await conflict(owner.abortTask(id))).toContain(`Task ${id} has already finished (COMPLETED); only a running task can be aborted`);

    expect(await purgeExpiredExports(s.server.ctx, Date.parse(status.expires_at + 'Z'))).toBe(1);
    const gone = await owner.exportStatus(datasetId, id).then(() => null, (e: unknown) => e as { status: number });
    expect(gone?.status).toBe(404);
    expect((await exportTasks()).find((x) => x.task_id === id)).toEqual(completed);
  }, 120_000);
});
