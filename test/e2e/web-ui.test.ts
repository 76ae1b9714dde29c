import { copyFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webDistDir } from '../../src/http/web.ts';
import { launchBrowser, laptop, phone, screenshot, seriousA11yViolations } from '../helpers/browser.ts';
import { tempDir } from '../helpers/folders.ts';
import { photosDir } from '../helpers/test-media.ts';
import { ADMIN, startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * The web UI in a real browser against a real server indexing real photos: the MATE
 * "Elephants" wallpaper at three resolutions (natural near-duplicates), a byte-identical copy
 * of another photo, and distinct photos around them (not the two skimage chessboards, RGB and
 * gray, which are copies of each other).
 */
const ELEPHANTS = ['mate-abstract-Elephants.jpg', 'mate-abstract-Elephants_3840x2160.jpg', 'mate-abstract-Elephants_5640x3172.jpg'];
const DISTINCT = 12;
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
  if ((await readdir(webDistDir).catch(() => [])).length === 0) throw new Error('web/dist is missing: run `npm run build:web` (npm test does)');
  root = await tempDir('strata-web-');
  const photos = await photosDir();
  const distinct = (await readdir(photos)).filter((n) => (n.startsWith('darknet-') || n.startsWith('skimage-c')) && !n.includes('chessboard')).sort().slice(0, DISTINCT);
  for (const name of [...ELEPHANTS, ...distinct]) await copyFile(join(photos, name), join(root, name));
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
    await screenshot(page, 'dataset-overview-laptop');
    await expectAccessible('dataset overview');

    await page.getByRole('link', { name: 'Datasets', exact: true }).click();
    const row = page.locator('.dataset-row', { hasText: 'wallpapers' });
    await row.locator('.badge', { hasText: 'READY' }).waitFor();
    expect(await row.textContent()).toContain(`${ELEPHANTS.length + DISTINCT + 1} images`);
    await screenshot(page, 'datasets-laptop');
    await expectAccessible('datasets');
    await row.getByRole('link', { name: 'wallpapers' }).click();
  });

  it('shows the known copies grouped in the duplicates tab, and exports the ones to remove', async () => {
    await page.getByRole('link', { name: 'Duplicates' }).click();
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

  it('is usable on a phone', async () => {
    const mobile = await browser.newContext({ viewport: phone, storageState: await context.storageState() });
    const p = await mobile.newPage();
    await p.goto(`${t.url}/`);
    await p.locator('.dataset-row').first().waitFor();
    await screenshot(p, 'datasets-phone');
    await p.locator('.dataset-name').first().click();
    await p.getByRole('link', { name: 'Duplicates' }).click();
    await p.getByRole('listitem', { name: /^Group 1/ }).waitFor();
    await screenshot(p, 'duplicates-phone');
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await mobile.close();
  });
});
