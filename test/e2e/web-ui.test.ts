import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, laptop, phone, screenshot, seriousA11yViolations, requireWebBuild } from '../helpers/browser.ts';
import { tempDir } from '../helpers/folders.ts';
import { photosDir, videosDir, videoTwice } from '../helpers/test-media.ts';
import { ADMIN, startTestServer, type TestServer } from '../helpers/test-server.ts';
import { addUser } from '../../src/app/accounts.ts';
import { createDatasetFrom, credentialsFor, getJson, makeJwt, waitForDatasetStatus } from '../helpers/client.ts';

/**
 * The web UI in a real browser against a real server indexing real photos: the MATE
 * "Elephants" wallpaper at three resolutions (natural near-duplicates), a byte-identical copy
 * of another photo, and distinct photos around them (not the two skimage chessboards, RGB and
 * gray, which are copies of each other).
 */
const ELEPHANTS = ['mate-abstract-Elephants.jpg', 'mate-abstract-Elephants_3840x2160.jpg', 'mate-abstract-Elephants_5640x3172.jpg'];
const DISTINCT = 12;
/** Indexing runs inside these tests: longer than the default test timeout on a loaded machine. */
const READY_TIMEOUT_MS = 300_000;

let t: TestServer;
let root: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let datasetPath: string;
/** The photo that has a byte-identical copy, copy-of-first.jpg. */
let copied: string;

beforeAll(async () => {
  await requireWebBuild();
  root = await tempDir('strata-web-');
  const photos = await photosDir();
  const distinct = (await readdir(photos)).filter((n) => (n.startsWith('darknet-') || n.startsWith('skimage-c')) && !n.includes('chessboard')).sort().slice(0, DISTINCT);
  for (const name of [...ELEPHANTS, ...distinct]) await copyFile(join(photos, name), join(root, name));
  // Labels for the three Elephants pictures, which a cluster card lists.
  await writeFile(join(root, 'image_annotations.csv'), `filename,label\n${ELEPHANTS.map((n) => `${n},elephant`).join('\n')}\n`);
  copied = distinct[0]!;
  await copyFile(join(photos, copied), join(root, 'copy-of-first.jpg'));
  datasetPath = root;
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: laptop, acceptDownloads: true });
  page = await context.newPage();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function expectAccessible(name: string) {
  expect(await seriousA11yViolations(page), `${name}: serious accessibility violations`).toEqual([]);
}

describe('the web UI', () => {
  it('is served at / beside the API, which keeps its own 404', async () => {
    const home = await fetch(`${t.url}/datasets/any/duplicates?level=0.99`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await home.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${t.url}${asset}`);
    expect([js.status, js.headers.get('cache-control')]).toEqual([200, 'public, max-age=31536000, immutable']);
    const api404 = await fetch(`${t.url}/api/v1/no-such-endpoint`);
    expect(api404.status).toBe(404);
    expect(await api404.json()).toMatchObject({ detail: 'Not Found' });
    expect((await fetch(`${t.url}/assets/..%2f..%2fpackage.json`)).status).not.toBe(200);
  });

  it('asks for a login, then lists the datasets', async () => {
    await page.goto(`${t.url}/`);
    await page.waitForURL(/\/login/);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await screenshot(page, 'login-laptop');
    await expectAccessible('login');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Datasets' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
  });

  it('creates a dataset from a folder and shows it reach READY live', async () => {
    await page.getByLabel('Name').fill('wallpapers');
    await page.getByLabel(/Folder or/).fill(datasetPath);
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/datasets\/[^/]+$/);
    // The badge changes through the event stream: no reload.
    await page.locator('.sidebar .badge', { hasText: 'READY' }).waitFor({ timeout: READY_TIMEOUT_MS });
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    // The last stage of a finished indexing is no news.
    expect(await page.locator('.stats dt').allTextContents()).not.toContain('Stage');
    await screenshot(page, 'dataset-overview-laptop');
    await expectAccessible('dataset overview');

    await page.getByRole('link', { name: 'Datasets', exact: true }).click();
    const row = page.locator('.dataset-row', { hasText: 'wallpapers' });
    await row.locator('.badge', { hasText: 'READY' }).waitFor();
    expect(await row.textContent()).toContain(`${ELEPHANTS.length + DISTINCT + 1} images`);
    // The same UTC format as the Tasks and API keys pages, not the browser's local one.
    expect(await row.textContent()).toMatch(/created \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    // A glimpse of the dataset: its first media in the listing's order, loaded, leading to them all.
    const id = (await row.getByRole('link', { name: 'wallpapers', exact: true }).getAttribute('href'))!.split('/').pop()!;
    const first = (await getJson(t.url, `/api/v1/dataset/${id}/media?page_size=6`, t.admin.token)).body.media.map((m: { media_thumb_uri: string }) => m.media_thumb_uri);
    const thumbs = row.locator('.dataset-thumbs img');
    await expect.poll(() => thumbs.evaluateAll((imgs) => imgs.map((i) => ((i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0 ? i.getAttribute('src') : null)))).toEqual(first);
    expect(first).toHaveLength(6);
    expect(await row.locator('.dataset-thumbs').getAttribute('href')).toBe(`/datasets/${id}/media`);
    await screenshot(page, 'datasets-laptop');
    await expectAccessible('datasets');
    await row.getByRole('link', { name: 'wallpapers', exact: true }).click();
  }, READY_TIMEOUT_MS);

  it('shows the known copies grouped in the duplicates tab, and exports the ones to remove', async () => {
    await page.getByRole('link', { name: 'Duplicates', exact: true }).click();
    await page.waitForURL(/\/duplicates$/);
    const groups = page.getByRole('listitem', { name: /^Group \d+/ });
    await groups.first().waitFor();
    expect(await groups.count()).toBe(2);
    const names = async (i: number) => (await groups.nth(i).locator('.thumb-name').allTextContents()).sort();
    expect(await names(0)).toEqual([...ELEPHANTS].sort());
    expect(await names(1)).toEqual(['copy-of-first.jpg', copied].sort());
    // Thumbnails load through the session cookie.
    await expect.poll(() => groups.first().locator('img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0))).toBe(true);
    await screenshot(page, 'duplicates-laptop');
    await expectAccessible('duplicates');

    // Keep the largest elephant, select the two smaller ones; keyboard: x on the focused group.
    await groups.first().getByRole('button', { name: 'Keep one, select the rest' }).click();
    await expect.poll(() => groups.first().locator('.tag-keep').evaluate((el) => el.closest('.thumb-card')!.querySelector('.thumb-name')!.textContent)).toBe(ELEPHANTS[2]);
    await page.getByText('2 selected').waitFor();
    await groups.nth(1).click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('x');
    await page.getByText('3 selected').waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = await readFile((await (await download).path())!, 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('media_id,file_name');
    const exported = lines.slice(1).map((l) => l.split(',')[1]);
    // The two identical files tie: either one is kept.
    expect(exported).toHaveLength(3);
    expect(exported).toEqual(expect.arrayContaining([ELEPHANTS[0], ELEPHANTS[1]]));
    expect(['copy-of-first.jpg', copied]).toContain(exported.find((n) => !ELEPHANTS.includes(n!)));
  });

  it('narrows the groups with the level slider, keeping the level in the URL', async () => {
    const slider = page.getByRole('slider');
    await slider.focus();
    await page.keyboard.press('End');
    await page.waitForURL(/level=1$/);
    const groups = page.getByRole('listitem', { name: /^Group \d+/ });
    await expect.poll(() => groups.count()).toBe(1);
    expect(await groups.first().locator('.thumb-name').allTextContents()).toContain('copy-of-first.jpg');
    // The URL alone brings the same view back.
    await page.reload();
    await page.getByRole('listitem', { name: /^Group 1/ }).waitFor();
    expect(await page.getByRole('listitem', { name: /^Group \d+/ }).count()).toBe(1);
    await page.goBack();
    await page.waitForURL(/\/datasets\/[^/]+$/);
  });


  it('opens a cluster from the gallery, biggest first', async () => {
    await page.getByRole('link', { name: 'Clusters', exact: true }).click();
    const cards = page.locator('.cluster-card');
    await cards.first().waitFor();
    const sizes = await cards.locator('.cell-name').allTextContents();
    const counts = sizes.map((t) => Number(/· (\d+) images?/.exec(t)![1]));
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(ELEPHANTS.length + DISTINCT + 1);
    // A card lists its members' labels: only the Elephants' cluster has any.
    expect(await cards.locator('.cluster-labels').allTextContents()).toEqual(['elephant']);
    expect(await cards.filter({ has: page.locator('.cluster-labels') }).locator('.cell-name').textContent()).toMatch(new RegExp(`· ${ELEPHANTS.length} images$`));
    await screenshot(page, 'clusters-laptop');
    await expectAccessible('clusters');
    await page.getByRole('link', { name: 'Coarsest' }).click();
    await page.waitForURL(/\/clusters\?g=4$/);
    await cards.first().waitFor();
    const card = (await cards.first().locator('.cell-name').textContent())!;
    const biggest = Number(/· (\d+) images?/.exec(card)![1]);
    await cards.first().click();
    await page.waitForURL(/\/clusters\/4-\d+$/);
    // The page is titled with the name on its card.
    expect(await page.locator('.toolbar-title').textContent()).toBe(card.split(' · ')[0]!.trim());
    await page.getByText(`${biggest} image${biggest === 1 ? '' : 's'}`, { exact: true }).waitFor();
    await expect.poll(() => page.locator('.cell').count()).toBe(biggest);
    await screenshot(page, 'cluster-laptop');
  });

  it('shows an image with its metadata, duplicates and neighbours, and searches from it', async () => {
    await page.getByRole('link', { name: 'Duplicates', exact: true }).click();
    await page.getByRole('link', { name: ELEPHANTS[0] }).click();
    await page.waitForURL(/\/media\/[^/]+$/);
    await page.getByRole('heading', { name: ELEPHANTS[0] }).waitFor();
    await page.getByRole('heading', { name: /Duplicates at 0.96 \(2\)/ }).waitFor();
    await expect.poll(() => page.locator('#near-title + .thumb-row li').count()).toBeGreaterThan(0);
    await screenshot(page, 'media-laptop');
    await expectAccessible('media detail');

    await page.getByRole('link', { name: 'Find similar' }).click();
    await page.waitForURL(/\/search\?anchor=/);
    const results = page.locator('.cell');
    await results.first().waitFor();
    expect(await results.first().locator('.cell-name').textContent()).toBe(ELEPHANTS[0]);
    expect(await results.first().locator('.cell-caption').textContent()).toBe('distance 0.0000');
    const top3 = await results.locator('.cell-name').evaluateAll((els) => els.slice(0, 3).map((e) => e.textContent));
    expect(top3.sort()).toEqual([...ELEPHANTS].sort());
    await screenshot(page, 'search-laptop');
    await expectAccessible('search');
  });

  it('searches with an image from the computer, whole or the part inside a drawn box', async () => {
    await page.locator('input[type=file]').setInputFiles(join(await photosDir(), ELEPHANTS[1]!));
    const picture = page.getByRole('img', { name: `Query image ${ELEPHANTS[1]}` });
    await picture.waitFor();
    const area = (await picture.boundingBox())!;
    await page.mouse.move(area.x + area.width * 0.1, area.y + area.height * 0.1);
    await page.mouse.down();
    await page.mouse.move(area.x + area.width * 0.9, area.y + area.height * 0.9, { steps: 4 });
    await page.mouse.up();
    await page.getByRole('button', { name: 'Search with the box' }).click();
    await page.waitForURL(/type=UPLOAD/);
    const results = page.locator('.cell');
    await expect.poll(() => results.count()).toBeGreaterThan(3);
    const top3 = await results.locator('.cell-name').evaluateAll((els) => els.slice(0, 3).map((e) => e.textContent));
    expect(top3.sort()).toEqual([...ELEPHANTS].sort());
    await screenshot(page, 'search-upload-laptop');
  });

  it('lists images by issue, highest score first, above the slider', async () => {
    await page.getByRole('link', { name: 'Issues', exact: true }).click();
    await page.getByRole('link', { name: 'Unique', exact: true }).click();
    await page.waitForURL(/type=uniqueness/);
    await page.getByRole('slider').focus();
    await page.keyboard.press('Home');
    await page.waitForURL(/type=uniqueness&min=0$/);
    const captions = page.locator('.cell-caption');
    await expect.poll(() => captions.count()).toBe(ELEPHANTS.length + DISTINCT + 1);
    const scores = (await captions.allTextContents()).map((t) => Number(t.split(' ')[1]));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    await screenshot(page, 'issues-laptop');
    await expectAccessible('issues');

    // Every issue type the API ranks by has its view: the gray photos under Grayscale.
    await page.getByRole('link', { name: 'Grayscale', exact: true }).click();
    await page.waitForURL(/type=grayscale/);
    await page.locator('.cell-name', { hasText: 'skimage-camera.png' }).waitFor();
    expect(await page.locator('.cell-name', { hasText: 'darknet-dog.jpg' }).count()).toBe(0);
  });

  it('uploads files dropped and picked, and a folder with its paths, with each file\'s progress, and indexes them', async () => {
    await page.getByRole('link', { name: 'Datasets', exact: true }).click();
    const photos = await photosDir();
    await page.getByLabel('Choose files…').setInputFiles([join(photos, 'darknet-eagle.jpg'), join(photos, 'darknet-horses.jpg')]);
    // A folder keeps its files' paths inside it; its hidden files stay behind.
    const folder = join(await tempDir('strata-web-folder-'), 'trip');
    await mkdir(join(folder, 'day 1'), { recursive: true });
    await copyFile(join(photos, 'darknet-dog.jpg'), join(folder, 'day 1', 'dog.jpg'));
    await writeFile(join(folder, '.DS_Store'), 'x');
    await page.getByLabel('Choose a folder…').setInputFiles(folder);
    // A drop as the browser delivers one, with a real photo in it.
    const bytes = (await readFile(join(photos, 'darknet-kite.jpg'))).toString('base64');
    const dataTransfer = await page.evaluateHandle((b64) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'dropped-kite.jpg', { type: 'image/jpeg' }));
      return dt;
    }, bytes);
    await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer });
    const rows = page.getByRole('listitem').filter({ has: page.locator('.file-name') });
    await expect.poll(() => rows.count()).toBe(4);
    await page.locator('.file-name', { hasText: 'trip/day 1/dog.jpg' }).waitFor();
    await page.getByLabel('Dataset name').fill('uploaded');
    await screenshot(page, 'upload-laptop');
    await expectAccessible('upload');
    await page.getByRole('button', { name: 'Upload 4 files' }).click();
    await page.waitForURL(/\/datasets\/[^/]+$/);
    await page.locator('.sidebar .badge', { hasText: 'READY' }).waitFor({ timeout: READY_TIMEOUT_MS });
    await page.getByRole('heading', { name: 'uploaded' }).waitFor();
    const images = await page.locator('.facts dt:text("Images") + dd').textContent();
    expect(images).toBe('4');
    const datasetId = new URL(page.url()).pathname.split('/')[2]!;
    const media = await getJson(t.url, `/api/v1/dataset/${datasetId}/media`, t.admin.token);
    expect(media.body.media.map((m: { file_name: string }) => m.file_name).sort()).toEqual(['darknet-eagle.jpg', 'darknet-horses.jpg', 'dropped-kite.jpg', 'trip/day 1/dog.jpg']);
  }, READY_TIMEOUT_MS);

  it('follows a dataset opened before it started indexing until it is ready', async () => {
    const created = await getJson(t.url, '/api/v1/ingestion/new_dataset?dataset_name=later', t.admin.token);
    const id = created.body.dataset_id as string;
    const trans = (await getJson(t.url, `/api/v1/ingestion/${id}/data_files`, t.admin.token)).body.trans_id as number;
    const form = new FormData();
    const kite = new Blob([new Uint8Array(await readFile(join(await photosDir(), 'darknet-kite.jpg')))]);
    form.append('files', kite, 'kite.jpg');
    form.append('files', kite, 'kite-copy.jpg');
    const auth = { authorization: `Bearer ${t.admin.token}` };
    expect((await fetch(`${t.url}/api/v1/ingestion/${id}/data_files/${trans}`, { method: 'POST', headers: auth, body: form })).status).toBe(202);
    await page.goto(`${t.url}/datasets/${id}/duplicates`);
    await page.locator('.sidebar .badge', { hasText: 'DRAFT' }).waitFor();
    // Before indexing, empty tabs say why rather than read as findings (or as errors).
    const clusters = await context.newPage();
    await clusters.goto(`${t.url}/datasets/${id}/clusters`);
    await clusters.getByText('No clusters yet: the dataset is still being processed.').waitFor();
    expect(await clusters.locator('.error').count()).toBe(0);
    await clusters.getByRole('link', { name: 'Issues' }).click();
    await clusters.getByText('No images at this confidence yet: the dataset is still being processed.').waitFor();
    await clusters.getByRole('link', { name: 'Search' }).click();
    await clusters.getByText('Search works once the dataset has been indexed.').waitFor();
    await clusters.getByRole('link', { name: 'Clusters' }).click();
    // Processing starts after the page has loaded: only the event stream can tell it.
    expect((await fetch(`${t.url}/api/v1/ingestion/${id}/process_files/${trans}`, { method: 'POST', headers: auth })).status).toBe(202);
    await page.locator('.sidebar .badge', { hasText: 'READY' }).waitFor({ timeout: READY_TIMEOUT_MS });
    expect(await page.locator('.facts dt:text("Images") + dd').textContent()).toBe('2');
    // The tab opened before indexing shows what indexing found, without a reload.
    await page.getByRole('listitem', { name: /^Group 1/ }).waitFor();
    await clusters.locator('.cluster-card').first().waitFor();
    await clusters.close();
    // Deleted elsewhere: the page says so at once.
    await fetch(`${t.url}/api/v1/dataset/${id}`, { method: 'DELETE', headers: auth });
    await page.locator('text=This dataset was deleted.').waitFor();
    await page.goBack();
    await page.waitForURL(/\/datasets\/[^/]+$/);
  }, READY_TIMEOUT_MS);

  it('shows a video frame as a still of its video, downloaded as an image', async () => {
    const clip = join(root, 'clip');
    await mkdir(clip);
    await copyFile(join(await videosDir(), 'Megamind_bugy.avi'), join(clip, 'Megamind_bugy.avi'));
    const id = await createDatasetFrom(t.url, t.admin.token, 'clip', clip);
    await waitForDatasetStatus(t.url, t.admin.token, id, ['READY'], READY_TIMEOUT_MS);
    const media = (await getJson(t.url, `/api/v1/dataset/${id}/media`, t.admin.token)).body.media as Array<{ media_id: string; frame_index: number; frame_timestamp: number }>;
    const frame = media.find((m) => m.frame_timestamp > 0)!;
    const back = page.url();
    await page.goto(`${t.url}/datasets/${id}/media/${frame.media_id}`);
    await page.getByRole('heading', { name: 'Megamind_bugy.avi' }).waitFor();
    expect(await page.locator('.media-facts dt:text("Frame") + dd').textContent()).toBe(`${frame.frame_timestamp} s into the video`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download frame' }).click()]);
    expect(download.suggestedFilename()).toBe(`Megamind_bugy.avi-frame-${frame.frame_index}.jpg`);
    expect([...(await readFile((await download.path())!)).subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    await fetch(`${t.url}/api/v1/dataset/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.admin.token}` } });
    await page.goto(back);
  }, READY_TIMEOUT_MS);

  it('names a video frame in a duplicate group by its video and where in it', async () => {
    const clips = join(root, 'clips');
    await videoTwice(clips);
    const id = await createDatasetFrom(t.url, t.admin.token, 'clips', clips);
    await waitForDatasetStatus(t.url, t.admin.token, id, ['READY'], READY_TIMEOUT_MS);
    const first = (await getJson(t.url, `/api/v1/dataset/${id}/duplicates?threshold=1&page_size=1`, t.admin.token)).body.groups[0];
    const back = page.url();
    await page.goto(`${t.url}/datasets/${id}/duplicates?level=1`);
    const group = page.getByRole('listitem', { name: /^Group 1\b/ });
    // Under ten seconds: "0:0" and the whole second.
    const shown = first.media.map((m: { file_name: string; frame_timestamp: number }) => `${m.file_name} · 0:0${Math.floor(m.frame_timestamp)}`);
    await expect.poll(() => group.locator('.thumb-name').allTextContents()).toEqual(shown);
    await fetch(`${t.url}/api/v1/dataset/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.admin.token}` } });
    await page.goto(back);
  }, READY_TIMEOUT_MS);

  it('wraps a long unbroken dataset name rather than widen the list and the tasks past the page', async () => {
    const one = join(root, 'one');
    await mkdir(one);
    await copyFile(join(await photosDir(), 'darknet-dog.jpg'), join(one, 'dog.jpg'));
    const name = `long-${'x'.repeat(200)}`;
    const id = await createDatasetFrom(t.url, t.admin.token, name, one);
    await waitForDatasetStatus(t.url, t.admin.token, id, ['READY'], READY_TIMEOUT_MS);
    const back = page.url();
    const overflow = () => page.evaluate(() => Math.max(...[document.documentElement, document.querySelector('.content')!].map((e) => e.scrollWidth - e.clientWidth)));
    await page.goto(`${t.url}/`);
    await page.locator('.dataset-row', { hasText: name }).locator('.badge', { hasText: 'READY' }).waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.goto(`${t.url}/tasks`);
    await page.getByRole('row').filter({ hasText: name }).waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await fetch(`${t.url}/api/v1/dataset/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.admin.token}` } });
    await page.goto(back);
  }, READY_TIMEOUT_MS);

  it('shares a dataset with another user and deletes it', async () => {
    await addUser(t.server.ctx.accounts, { email: 'friend@example.com', password: 'friend-password-1', role: 'editor' });
    const friend = await credentialsFor(t.url, 'friend@example.com', 'friend-password-1');
    const datasetId = new URL(page.url()).pathname.split('/')[2]!;
    expect((await getJson(t.url, `/api/v1/dataset/${datasetId}`, friend.token)).status).toBe(404);
    await page.getByLabel('Share with (email)').fill('friend@example.com');
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Shared with friend@example.com.' }).waitFor();
    expect((await getJson(t.url, `/api/v1/dataset/${datasetId}`, friend.token)).status).toBe(200);
    await page.getByRole('button', { name: 'Delete dataset…' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('heading', { name: 'Datasets' }).waitFor();
    await page.locator('.dataset-row', { hasText: 'wallpapers' }).waitFor();
    expect(await page.locator('.dataset-row', { hasText: 'uploaded' }).count()).toBe(0);
    expect((await getJson(t.url, `/api/v1/dataset/${datasetId}`, t.admin.token)).status).toBe(404);
  });

  it('creates an API key pair whose secret is shown once, and revokes it', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Create a key pair' }).click();
    const values = page.locator('.secret dd');
    await values.first().waitFor();
    const [apiKey, apiSecret] = await values.allTextContents();
    const token = makeJwt(apiKey!, apiSecret!);
    expect((await getJson(t.url, '/api/v1/datasets', token)).status).toBe(200);
    // The new key is listed with the others (never a secret), and revoked from its row.
    const row = page.getByRole('row').filter({ hasText: apiKey! });
    await row.waitFor();
    expect(await page.locator('.key-table').textContent()).not.toContain(apiSecret!);
    // Used above: after a reload (the secret is gone for good) the row says when, to the minute.
    await page.reload();
    await row.waitFor();
    expect(await row.getByRole('cell').nth(2).textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await screenshot(page, 'keys-laptop');
    await expectAccessible('keys');
    await row.getByRole('button', { name: `Revoke ${apiKey}` }).click();
    await page.getByRole('status').filter({ hasText: 'revoked' }).waitFor();
    await expect.poll(() => page.getByRole('row').filter({ hasText: apiKey! }).count()).toBe(0);
    expect(await page.locator('.secret').count()).toBe(0);
    expect((await getJson(t.url, '/api/v1/datasets', token)).status).toBe(401);
  });

  it('shows the API reference in Swagger UI', async () => {
    await page.goto(`${t.url}/api/v1/docs`);
    await page.locator('.opblock-summary-path', { hasText: '/api/v1/dataset/{dataset_id}/duplicates' }).first().waitFor();
    await screenshot(page, 'api-docs-laptop');
  });

  it('is usable on a phone', async () => {
    const mobile = await browser.newContext({ viewport: phone, storageState: await context.storageState() });
    const p = await mobile.newPage();
    await p.goto(`${t.url}/`);
    await p.locator('.dataset-row').first().waitFor();
    await screenshot(p, 'datasets-phone');
    // Nothing wider than the screen, neither the page nor its scrolling content area.
    const overflow = () => p.evaluate(() => Math.max(...[document.documentElement, document.querySelector('.content')!].map((e) => e.scrollWidth - e.clientWidth)));
    expect(await overflow()).toBeLessThanOrEqual(0);
    await p.locator('.dataset-name').first().click();
    await p.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await p.getByRole('link', { name: 'Duplicates', exact: true }).click();
    await p.getByRole('listitem', { name: /^Group 1/ }).waitFor();
    await screenshot(p, 'duplicates-phone');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await p.getByRole('link', { name: ELEPHANTS[0] }).click();
    await p.getByRole('heading', { name: /Duplicates at 0.96/ }).waitFor();
    await screenshot(p, 'media-phone');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await p.getByRole('link', { name: 'Clusters', exact: true }).click();
    await p.locator('.cluster-card').nth(1).waitFor();
    // At least two clusters a row: the first two cards side by side.
    const [a, b] = await Promise.all([0, 1].map((i) => p.locator('.cluster-card').nth(i).boundingBox()));
    expect(b!.y).toBe(a!.y);
    expect(b!.x).toBeGreaterThan(a!.x);
    await screenshot(p, 'clusters-phone');
    await p.getByRole('link', { name: 'Issues', exact: true }).click();
    await p.locator('.cell').first().waitFor();
    await screenshot(p, 'issues-phone');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await p.getByRole('link', { name: 'API keys' }).click();
    await p.getByRole('row').nth(1).waitFor();
    await screenshot(p, 'keys-phone');
    expect(await overflow()).toBeLessThanOrEqual(0);
    // The secret shown once is shown on a phone too.
    await p.getByRole('button', { name: 'Create a key pair' }).click();
    await p.getByText('API secret', { exact: true }).waitFor({ state: 'visible' });
    expect(await overflow()).toBeLessThanOrEqual(0);
    await mobile.close();
  });
});
