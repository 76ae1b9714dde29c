import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataClient } from '../../src/client/index.ts';
import { launchBrowser, laptop, phone, screenshot, seriousA11yViolations, requireWebBuild } from '../helpers/browser.ts';
import { createDatasetFrom, waitForDatasetStatus, waitUntilIndexing } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { copySmallPhotos } from '../helpers/test-media.ts';
import { ADMIN, startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Growing a dataset from the web UI, in a real browser against a real server on real photos:
 * media added from the dataset page (one of them a byte copy of an old photo), PARTIAL INDEX,
 * the Reindex button, READY; and a running creation aborted from the Tasks page, then retried.
 */
const READY_TIMEOUT_MS = 300_000;
const ABORT_TOTAL = 30;

let t: TestServer;
let root: string;
let browser: Browser;
let page: Page;
let api: StrataClient;

beforeAll(async () => {
  await requireWebBuild();
  root = await tempDir('strata-web-grow-');
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root, STRATA_WORKERS: '1' });
  api = new StrataClient({ baseUrl: t.url, auth: { apiKey: t.admin.apiKey, apiSecret: t.admin.apiSecret } });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: laptop });
  const login = await context.request.post(`${t.url}/api/v1/auth`, { data: { username: ADMIN.email, password: ADMIN.password } });
  expect(login.status()).toBe(200);
  page = await context.newPage();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function expectAccessible(name: string) {
  expect(await seriousA11yViolations(page), `${name}: serious accessibility violations`).toEqual([]);
}

const badge = (status: string) => page.locator('.sidebar .badge', { hasText: status });

describe('growing a dataset from the web UI', () => {
  it('adds media from the dataset page, then reindexes: READY, PARTIAL INDEX, READY', async () => {
    const base = join(root, 'base');
    const old = await copySmallPhotos(base, 4, 300_000);
    // Three photos the dataset does not have, and an old one again under a new name: the same bytes, a group at 1.0.
    const pool = join(root, 'pool');
    const added = (await copySmallPhotos(pool, 7, 300_000)).slice(old.length);
    await copyFile(join(base, old[0]!), join(root, 'copy-of-old.jpg'));
    const files = [...added.map((n) => join(pool, n)), join(root, 'copy-of-old.jpg')];

    const id = await createDatasetFrom(t.url, t.admin.token, 'growing', base);
    expect((await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'])).dataset.status_new).toBe('READY');
    await page.goto(`${t.url}/datasets/${id}`);
    const panel = page.getByRole('form', { name: 'Add media' });
    await panel.waitFor();
    await panel.locator('input[type=file][multiple]').setInputFiles(files);
    await expect.poll(() => panel.locator('.file-row').count()).toBe(files.length);
    await panel.getByLabel(/Reindex when done/).waitFor();
    await screenshot(page, 'add-media-laptop');
    await expectAccessible('add media');

    await panel.getByRole('button', { name: `Add ${files.length} files` }).click();
    await panel.getByRole('status').filter({ hasText: `Received ${files.length} files` }).waitFor();
    await expect.poll(() => panel.locator('.file-row[data-state="done"]').count()).toBe(files.length);
    // The batch runs READ ONLY, then leaves the dataset PARTIAL INDEX (no auto reindex), live.
    await badge('PARTIAL INDEX').waitFor({ timeout: READY_TIMEOUT_MS });
    await panel.getByRole('status').filter({ hasText: 'Indexing has ended: the dataset is PARTIAL INDEX.' }).waitFor();
    const partial = await api.getDataset(id);
    expect(partial).toMatchObject({ status_new: 'PARTIAL INDEX', n_images: old.length + files.length });
    const identical = (await api.duplicateGroups(id, { threshold: 1 })).groups.map((g) => g.media.map((m) => m.file_name).sort());
    expect(identical).toContainEqual(['copy-of-old.jpg', old[0]!].sort());
    // The batch has ended: the Overview counts what the dataset holds and says how long the batch took.
    const stats = await page.locator('.stats dt').allTextContents();
    expect(stats).toEqual(['Status', 'Images', 'Videos', 'Video frames', 'Adding media took']);
    expect(await page.locator('.stats dt:text("Images") + dd').textContent()).toBe(String(old.length + files.length));
    const reindex = page.getByRole('button', { name: 'Reindex', exact: true });
    await reindex.waitFor();
    await screenshot(page, 'partial-index-laptop');
    await expectAccessible('partial index');

    await reindex.click();
    await badge('READY').waitFor({ timeout: READY_TIMEOUT_MS });
    expect(await reindex.count()).toBe(0);
    expect(await api.getDataset(id)).toMatchObject({ status_new: 'READY', n_images: old.length + files.length });

    await page.getByRole('link', { name: 'Tasks of this dataset' }).click();
    await page.waitForURL(new RegExp(`/tasks\\?dataset=${id}$`));
    await page.getByRole('heading', { name: 'Tasks of growing' }).waitFor();
    const rows = page.locator('.task-table tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    // Newest first, each ended.
    expect(await rows.locator('td:first-child').evaluateAll((cells) => cells.map((c) => c.firstChild!.textContent))).toEqual(['Reindex', 'Media addition', 'Creation']);
    expect(await rows.locator('.task-status').allTextContents()).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    await screenshot(page, 'tasks-laptop');
    await expectAccessible('tasks');
  }, 600_000);

  it('says when the files added could not be indexed', async () => {
    const broken = join(root, 'broken');
    await mkdir(broken);
    await writeFile(join(broken, 'empty.jpg'), '');
    await writeFile(join(broken, 'text.jpg'), 'not a picture');
    await page.getByRole('link', { name: 'Back to the dataset' }).click();
    const panel = page.getByRole('form', { name: 'Add media' });
    await panel.locator('input[type=file][multiple]').setInputFiles([join(broken, 'empty.jpg'), join(broken, 'text.jpg')]);
    await panel.getByRole('button', { name: 'Add 2 files' }).click();
    const status = panel.getByRole('status').filter({ hasText: 'Indexing has ended' });
    await status.filter({ hasText: '2 files could not be indexed (see Failures).' }).waitFor({ timeout: READY_TIMEOUT_MS });
    // None of them was: the batch failed, and is shown as a failure.
    expect(await status.getAttribute('class')).toBe('error');
    // Its reason on the Tasks page, without the API's pointer to its errors endpoint.
    await page.getByRole('link', { name: 'Tasks of this dataset' }).click();
    const reason = page.locator('.task-table tbody tr').first().locator('.error');
    await reason.waitFor();
    expect(await reason.textContent()).toBe('No valid media: all 2 files failed to index');
    await screenshot(page, 'tasks-failed-batch-laptop');
  }, READY_TIMEOUT_MS);

  it('aborts a running creation from the Tasks page, and retries it to READY', async () => {
    const dir = join(root, 'to-abort');
    await copySmallPhotos(dir, ABORT_TOTAL, 300_000);
    const id = await createDatasetFrom(t.url, t.admin.token, 'to abort', dir);
    await waitUntilIndexing(t.url, t.admin.token, id, 2 / ABORT_TOTAL, []);

    await page.goto(`${t.url}/tasks`);
    const row = page.locator('.task-table tbody tr').filter({ hasText: 'to abort' });
    await row.getByRole('button', { name: 'Abort' }).click();
    await page.getByRole('status').filter({ hasText: 'Abort asked for' }).waitFor();
    // The list follows the task: it ends ABORTED and offers a retry.
    await row.locator('.task-status', { hasText: 'ABORTED' }).waitFor({ timeout: READY_TIMEOUT_MS });
    const [aborted] = (await api.listTasks({ datasetId: id })).tasks;
    expect(aborted).toMatchObject({ status: 'ABORTED', error_message: `Aborted by ${ADMIN.email}`, dataset_status: 'ERROR' });
    expect(aborted!.done).toBeLessThan(ABORT_TOTAL);
    await row.getByText(`Aborted by ${ADMIN.email}`).waitFor();
    await screenshot(page, 'tasks-aborted-laptop');
    await expectAccessible('tasks, aborted');

    const mobile = await browser.newContext({ viewport: phone, storageState: await page.context().storageState() });
    const p = await mobile.newPage();
    await p.goto(`${t.url}/tasks`);
    await p.locator('.task-table tbody tr').first().waitFor();
    await screenshot(p, 'tasks-phone');
    expect(await p.evaluate(() => Math.max(...[document.documentElement, document.querySelector('.content')!].map((e) => e.scrollWidth - e.clientWidth)))).toBeLessThanOrEqual(0);
    // The aborted dataset's Overview says where indexing stopped, with no time left.
    await p.goto(`${t.url}/datasets/${id}`);
    await p.locator('.badge', { hasText: 'ERROR' }).waitFor();
    expect(await p.locator('.stats dt').allTextContents()).toEqual(['Status', 'Stopped at', 'Images', 'Videos', 'Video frames', 'Indexing took']);
    expect(await p.locator('.stats dt:text("Stopped at") + dd').textContent()).toBe((await api.getDataset(id)).processing!.stage);
    await screenshot(p, 'overview-aborted-phone');
    await mobile.close();

    await row.getByRole('button', { name: 'Retry' }).click();
    await row.locator('.task-status', { hasText: 'COMPLETED' }).waitFor({ timeout: READY_TIMEOUT_MS });
    expect(await api.getDataset(id)).toMatchObject({ status_new: 'READY', n_images: ABORT_TOTAL });
  }, 600_000);
});
