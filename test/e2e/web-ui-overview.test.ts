import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaName } from '../../src/client/index.ts';
import { launchBrowser, laptop, phone, screenshot, seriousA11yViolations, requireWebBuild } from '../helpers/browser.ts';
import { createDatasetFrom, getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { fixturesDir, tempDir } from '../helpers/folders.ts';
import { copySmallPhotos } from '../helpers/test-media.ts';
import { ADMIN, startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * A dataset page once processing is over, in a real browser against a real server: the
 * Overview of a READY dataset (real photos, a video, a broken file) and of one that ended in
 * ERROR, and the All media gallery of every image and frame.
 */
const READY_TIMEOUT_MS = 300_000;
const PHOTOS = 5;

let t: TestServer;
let root: string;
let browser: Browser;
let page: Page;
/** A READY dataset: PHOTOS photos, one video, one file that is not an image. */
let ready: any;

beforeAll(async () => {
  await requireWebBuild();
  root = await tempDir('strata-web-overview-');
  const folder = join(root, 'trip');
  await copySmallPhotos(folder, PHOTOS, 300_000);
  await copyFile(join(fixturesDir, 'clip.mp4'), join(folder, 'clip.mp4'));
  await copyFile(join(fixturesDir, 'not-an-image.jpg'), join(folder, 'broken.jpg'));
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root });
  const id = await createDatasetFrom(t.url, t.admin.token, 'trip', folder);
  ready = (await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'], READY_TIMEOUT_MS)).dataset;
  expect(ready).toMatchObject({ status_new: 'READY', n_images: PHOTOS, n_videos: 1, processing: { failed: 1 } });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: laptop });
  const login = await context.request.post(`${t.url}/api/v1/auth`, { data: { username: ADMIN.email, password: ADMIN.password } });
  expect(login.status()).toBe(200);
  page = await context.newPage();
}, READY_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function expectAccessible(name: string) {
  expect(await seriousA11yViolations(page), `${name}: serious accessibility violations`).toEqual([]);
}

/** A dataset made from `folder`, once READY: its id. */
async function readyDataset(name: string, folder: string): Promise<string> {
  const id = await createDatasetFrom(t.url, t.admin.token, name, folder);
  await waitForDatasetStatus(t.url, t.admin.token, id, ['READY'], READY_TIMEOUT_MS);
  return id;
}

/** The Overview's figures, label → value. */
async function stats(): Promise<Record<string, string>> {
  const cells = page.locator('.stats > div');
  await cells.first().waitFor();
  const pairs = await cells.evaluateAll((divs) => divs.map((d) => [d.querySelector('dt')!.textContent!, d.querySelector('dd')!.textContent!]));
  return Object.fromEntries(pairs);
}

describe('a finished dataset in the web UI', () => {
  it('shows a READY dataset\'s counts, how long indexing took and its failures, not a time left', async () => {
    await page.goto(`${t.url}/datasets/${ready.id}`);
    await page.locator('.sidebar .badge', { hasText: 'READY' }).waitFor();
    const shown = await stats();
    expect(Object.keys(shown)).toEqual(['Status', 'Images', 'Videos', 'Video frames', 'Indexing took', 'Failed']);
    expect(shown).toMatchObject({ Status: 'READY', Images: String(PHOTOS), Videos: '1', 'Video frames': String(ready.processing.n_frames), Failed: '1 file' });
    expect(ready.processing.n_frames).toBeGreaterThan(0);
    expect(shown['Indexing took']).toMatch(/^\d+ (s|min)$|^\d+ h \d+ min$/);
    await screenshot(page, 'overview-ready-laptop');
    await expectAccessible('overview of a READY dataset');

    // The failure count leads to the failures and their reasons.
    await page.getByRole('link', { name: '1 file' }).click();
    await page.waitForURL(/#failures-title$/);
    const failures = page.getByRole('heading', { name: /^Failures/ });
    await expect.poll(() => failures.evaluate((h) => h.getBoundingClientRect().top < window.innerHeight)).toBe(true);
    await page.getByRole('cell', { name: 'broken.jpg' }).waitFor();
  }, READY_TIMEOUT_MS);

  it('shows what the checks found, a card a check with its count and examples, each opening its view', async () => {
    // Photos, a copy of one, and a gray version of another: a duplicate group and a grayscale image at least.
    const folder = join(root, 'findings');
    const names = await copySmallPhotos(folder, 4, 300_000);
    await copyFile(join(folder, names[0]!), join(folder, 'copy.jpg'));
    await sharp(join(folder, names[1]!)).grayscale().toFile(join(folder, 'gray.png'));
    const id = await readyDataset('findings', folder);
    await page.goto(`${t.url}/datasets/${id}`);
    const cards = page.locator('.quality-card');
    await cards.first().waitFor();
    const shown = await cards.evaluateAll((links) =>
      links.map((a) => ({ title: a.querySelector('.quality-title')!.textContent, count: a.querySelector('.small')!.textContent, thumbs: a.querySelectorAll('img').length, href: a.getAttribute('href') })),
    );
    // The figures the Duplicates and Issues tabs open with: level 0.96, confidence 0.5.
    const groups = (await getJson(t.url, `/api/v1/dataset/${id}/duplicates?threshold=0.96&page_size=1`, t.admin.token)).body;
    expect(groups.total).toBeGreaterThan(0);
    const expected = [{ title: 'Duplicates', count: `${groups.total} group${groups.total === 1 ? '' : 's'}`, thumbs: Math.min(4, groups.groups[0].size), href: `/datasets/${id}/duplicates` }];
    const issues = { blur: 'Blurry', dark: 'Dark', bright: 'Bright', outliers: 'Outliers', mislabels: 'Mislabels', low_information: 'Low information', odd_aspect_ratio: 'Odd aspect ratio', odd_size: 'Odd size', grayscale: 'Grayscale' };
    for (const [issue, title] of Object.entries(issues)) {
      const { total } = (await getJson(t.url, `/api/v1/dataset/${id}/media?issue=${issue}&min_confidence=0.5&page_size=1`, t.admin.token)).body;
      if (issue === 'grayscale') expect(total).toBeGreaterThan(0);
      expected.push({ title, count: `${total} image${total === 1 ? '' : 's'}`, thumbs: Math.min(4, total), href: `/datasets/${id}/issues${issue === 'blur' ? '' : `?type=${issue}`}` });
    }
    expect(shown).toEqual(expected);
    await screenshot(page, 'overview-findings-laptop');
    await page.locator('.quality-card', { hasText: 'Grayscale' }).click();
    await page.waitForURL(`${t.url}/datasets/${id}/issues?type=grayscale`);
    await page.getByRole('link', { name: /^gray\.png/ }).waitFor();
  }, READY_TIMEOUT_MS);

  it('reads a setting out of range as its default, and says so in the address bar', async () => {
    await page.goto(`${t.url}/datasets/${ready.id}/issues?type=nope&min=3#top`);
    await page.waitForURL(`${t.url}/datasets/${ready.id}/issues#top`);
    await page.getByRole('link', { name: 'Blurry', exact: true }).and(page.locator('[aria-current="true"]')).waitFor();
    await page.goto(`${t.url}/datasets/${ready.id}/duplicates?level=0.5`);
    await page.waitForURL(`${t.url}/datasets/${ready.id}/duplicates`);
  }, READY_TIMEOUT_MS);

  it('leaves the failures out when there were none', async () => {
    const clean = join(root, 'clean');
    await copySmallPhotos(clean, 2, 300_000);
    const id = await readyDataset('clean', clean);
    await page.goto(`${t.url}/datasets/${id}`);
    await page.locator('.sidebar .badge', { hasText: 'READY' }).waitFor();
    expect(Object.keys(await stats())).toEqual(['Status', 'Images', 'Videos', 'Video frames', 'Indexing took']);
    expect(await page.getByRole('heading', { name: /^Failures/ }).count()).toBe(0);
  }, READY_TIMEOUT_MS);

  it('shows why an indexing ended in ERROR, and no time left', async () => {
    const broken = join(root, 'broken');
    await mkdir(broken);
    await copyFile(join(fixturesDir, 'not-an-image.jpg'), join(broken, 'photo.jpg'));
    const id = await createDatasetFrom(t.url, t.admin.token, 'broken', broken);
    await waitForDatasetStatus(t.url, t.admin.token, id, ['ERROR'], READY_TIMEOUT_MS);
    await page.goto(`${t.url}/datasets/${id}`);
    await page.locator('.sidebar .badge', { hasText: 'ERROR' }).waitFor();
    const shown = await stats();
    // It failed deciding the outcome, at the last stage: no stage to name, the message says why.
    expect(Object.keys(shown)).toEqual(['Status', 'Images', 'Videos', 'Video frames', 'Indexing took', 'Failed']);
    expect(shown).toMatchObject({ Status: 'ERROR', Images: '0', Failed: '1 file' });
    await page.getByText(/^No valid media: all 1 files failed to index/).waitFor();
    // Nothing was indexed, so no check ran: no findings to show.
    expect(await page.locator('.quality').count()).toBe(0);
    await screenshot(page, 'overview-error-laptop');
    await expectAccessible('overview of a dataset in ERROR');
  }, READY_TIMEOUT_MS);

  it('lists every image and frame under All media, in the listing\'s order, each opening its page', async () => {
    await page.goto(`${t.url}/datasets/${ready.id}`);
    await page.getByRole('link', { name: 'All media', exact: true }).click();
    await page.waitForURL(new RegExp(`/datasets/${ready.id}/media$`));
    const listed = (await getJson(t.url, `/api/v1/dataset/${ready.id}/media?page_size=1000`, t.admin.token)).body;
    expect(listed.total).toBe(PHOTOS + ready.processing.n_frames);
    const names = page.locator('.cell .cell-name');
    await expect.poll(() => names.count()).toBe(listed.total);
    // A frame is named by its video and where in it: frames share the video's name.
    expect(await names.allTextContents()).toEqual(listed.media.map(mediaName));
    expect((await names.allTextContents()).filter((n) => / · \d+:\d\d$/.test(n))).toHaveLength(ready.processing.n_frames);
    await page.getByText(`${listed.total} items`, { exact: true }).waitFor();
    await page.getByText(`${PHOTOS} images, ${ready.processing.n_frames} frames of 1 video`, { exact: true }).waitFor();
    await expect.poll(() => page.locator('.cell img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0))).toBe(true);
    await screenshot(page, 'all-media-laptop');
    await expectAccessible('all media');

    // The same view comes back from its URL alone, and a thumbnail opens the image's page.
    await page.reload();
    await names.first().waitFor();
    await names.first().click();
    await page.waitForURL(new RegExp(`/media/${listed.media[0].media_id}$`));
    await page.getByRole('heading', { name: listed.media[0].file_name }).waitFor();
  });

  it('steps from an image to the gallery\'s next and previous with → and ←, and Esc returns to the gallery at the last one seen', async () => {
    const listed = (await getJson(t.url, `/api/v1/dataset/${ready.id}/media?page_size=1000`, t.admin.token)).body.media as Array<{ media_id: string; file_name: string; frame_timestamp?: number }>;
    const opened = (i: number) => page.waitForURL(new RegExp(`/datasets/${ready.id}/media/${listed[i]!.media_id}$`));
    const last = listed.length - 1;
    await page.goto(`${t.url}/datasets/${ready.id}/media`);
    const grid = page.getByRole('list', { name: 'All media' });
    await grid.locator('.cell').first().waitFor();
    await grid.focus();
    // The first key focuses the first image, the next moves on.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await opened(1);
    const bar = page.getByRole('navigation', { name: 'Browse' });
    await bar.getByText(`2 of ${listed.length}`, { exact: true }).waitFor();
    for (let i = 2; i <= last; i++) {
      await page.keyboard.press('ArrowRight');
      await opened(i);
    }
    // The last is a frame, titled by its video and where in it; there is no next one.
    await page.getByRole('heading', { name: mediaName(listed[last]!), exact: true }).waitFor();
    expect(await bar.getByRole('button', { name: 'Next ›' }).isDisabled()).toBe(true);
    await screenshot(page, 'media-browse-laptop');
    await expectAccessible('media detail opened from the gallery');
    await page.keyboard.press('ArrowLeft');
    await opened(last - 1);

    // Esc goes back to the gallery, its focus on the image last seen, and the keys go on from there.
    await page.keyboard.press('Escape');
    await page.waitForURL(new RegExp(`/datasets/${ready.id}/media$`));
    await expect.poll(() => page.locator('.cell.is-focused .cell-name').textContent()).toBe(mediaName(listed[last - 1]!));
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    await opened(last - 2);
    // An image opened by its link alone has no gallery to step through, but a way back to all media.
    await page.reload();
    await page.getByRole('heading', { name: mediaName(listed[last - 2]!), exact: true }).waitFor();
    expect(await bar.getByRole('button').count()).toBe(0);
    await page.keyboard.press('Escape');
    await page.waitForURL(new RegExp(`/datasets/${ready.id}/media$`));
  });

  it("shows an image's thumbnail, and why, when its original can no longer be read", async () => {
    const folder = join(root, 'moved');
    const [gone] = await copySmallPhotos(folder, 2, 300_000);
    const id = await readyDataset('moved', folder);
    await rm(join(folder, gone!));
    const media = (await getJson(t.url, `/api/v1/dataset/${id}/media`, t.admin.token)).body.media.find((m: { file_name: string }) => m.file_name === gone);
    await page.goto(`${t.url}/datasets/${id}/media/${media.media_id}`);
    await page.getByText('The media file cannot be read from its source: the file is no longer there: this is its thumbnail.').waitFor();
    const shown = page.locator('.media-image img');
    await expect.poll(() => shown.evaluate((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)).toBe(true);
    expect(await shown.getAttribute('src')).toBe(media.media_thumb_uri);
  }, READY_TIMEOUT_MS);

  it('focuses the cluster last opened on the way back to the clusters', async () => {
    await page.goto(`${t.url}/datasets/${ready.id}/clusters`);
    const grid = page.getByRole('list', { name: 'Clusters' });
    await grid.locator('.cluster-card').nth(1).waitFor();
    await grid.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    const second = await page.locator('.cluster-card.is-focused .cell-name').textContent();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/clusters\/[^/]+$/);
    await page.goBack();
    await page.waitForURL(/\/clusters$/);
    await expect.poll(() => page.locator('.cluster-card.is-focused .cell-name').textContent()).toBe(second);
    // Esc on a cluster's page goes back to the clusters too, focused on it.
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/clusters\/[^/]+$/);
    await page.locator('.toolbar-title').waitFor();
    await page.keyboard.press('Escape');
    await page.waitForURL(/\/clusters$/);
    await expect.poll(() => page.locator('.cluster-card.is-focused .cell-name').textContent()).toBe(second);
    // The keys go on from there.
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.locator('.cluster-card.is-focused').count()).toBe(1);
    expect(await page.locator('.cluster-card.is-focused .cell-name').textContent()).not.toBe(second);
  });

  it('names an image\'s clusters by granularity, labels its neighbours\' distances, and gives its source path the panel\'s width', async () => {
    const listed = (await getJson(t.url, `/api/v1/dataset/${ready.id}/media?page_size=1000`, t.admin.token)).body.media as Array<{ media_id: string; file_name: string; frame_timestamp?: number }>;
    const photo = listed.find((m) => m.frame_timestamp === undefined)!;
    await page.goto(`${t.url}/datasets/${ready.id}/media/${photo.media_id}`);
    const chips = page.locator('.media-facts .chip');
    await expect.poll(() => chips.count()).toBe(5);
    const names = await chips.allTextContents();
    ['Finest', 'Fine', 'Medium', 'Coarse', 'Coarsest'].forEach((g, i) => expect(names[i]).toMatch(new RegExp(`^${g}: Cluster \\d+$`)));
    const distances = page.locator('#near-title + .thumb-row li .muted');
    await distances.first().waitFor();
    for (const d of await distances.allTextContents()) expect(d).toMatch(/^distance \d\.\d{3}$/);
    // Each score by a name that says what it is, explained on hover: the highest level is not a cosine.
    const scores = page.locator('.media-facts h3:text-is("Scores") + p + .facts dt');
    expect(await scores.allTextContents()).toEqual(['uniqueness', 'closest match', 'outlier score', 'blur', 'dark', 'bright', 'low information', 'grayscale']);
    expect(await scores.nth(1).getAttribute('title')).toMatch(/Duplicates tab's scale/);
    // The path starts under its label, at the panel's left edge, rather than squeezed to its right.
    const box = (selector: string) => page.locator(`.media-facts ${selector}`).filter({ hasText: selector === 'dt' ? /^Source$/ : /^file:/ }).first().boundingBox();
    const [label, path] = [(await box('dt'))!, (await box('dd'))!];
    expect(path.x).toBe(label.x);
    expect(path.y).toBeGreaterThan(label.y);
    await screenshot(page, 'media-facts-laptop');
  });

  it('keeps a file\'s own name in view when its folders do not fit in the cell', async () => {
    const nested = join(root, 'nested');
    const folder = 'a-folder-with-a-rather-long-name/and-another-one-inside-it';
    const [photo] = await copySmallPhotos(join(nested, folder), 1, 300_000);
    const id = await readyDataset('nested', nested);
    await page.goto(`${t.url}/datasets/${id}/media`);
    const name = page.locator('.cell .cell-name');
    await name.waitFor();
    expect(await name.textContent()).toBe(`${folder}/${photo}`);
    // The folders are cut short, the file name is whole.
    const clipped = (part: string) => name.locator(part).evaluate((e) => e.scrollWidth > e.clientWidth);
    expect([await clipped('.path-dir'), await clipped('.path-base')]).toEqual([true, false]);
    expect(await name.locator('.path-base').textContent()).toBe(photo);
  }, READY_TIMEOUT_MS);

  it('says so when there are no duplicates, in line with the toolbar and without the keys for groups', async () => {
    const single = join(root, 'single');
    await copySmallPhotos(single, 1, 300_000);
    const id = await readyDataset('single', single);
    await page.goto(`${t.url}/datasets/${id}/duplicates`);
    const empty = page.getByText('No duplicates at this level.', { exact: true });
    await empty.waitFor();
    // Where the words start, padding aside.
    const textLeft = (l: Locator) => l.evaluate((e) => {
      const r = document.createRange();
      r.selectNodeContents(e);
      return r.getBoundingClientRect().x;
    });
    expect(await textLeft(empty)).toBe(await textLeft(page.locator('.toolbar .slider')));
    expect(await page.getByText('move between groups').count()).toBe(0);
    await screenshot(page, 'duplicates-none-laptop');
  }, READY_TIMEOUT_MS);

  it('fits the Overview and All media on a phone', async () => {
    const mobile = await browser.newContext({ viewport: phone, storageState: await page.context().storageState() });
    const p = await mobile.newPage();
    // Nothing wider than the screen, neither the page nor its scrolling content area.
    const overflow = () => p.evaluate(() => Math.max(...[document.documentElement, document.querySelector('.content')!].map((e) => e.scrollWidth - e.clientWidth)));
    await p.goto(`${t.url}/datasets/${ready.id}`);
    await p.getByRole('link', { name: '1 file' }).waitFor();
    await screenshot(p, 'overview-ready-phone');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await p.getByRole('link', { name: 'All media', exact: true }).click();
    await p.locator('.cell').first().waitFor();
    await screenshot(p, 'all-media-phone');
    expect(await overflow()).toBeLessThanOrEqual(0);
    // An image's page keeps its details on a phone, under the picture.
    await p.locator('.cell').first().click();
    await p.waitForURL(/\/media\/[^/]+$/);
    await p.locator('.media-facts dt', { hasText: 'Dimensions' }).waitFor({ state: 'visible' });
    expect(await p.locator('.media-facts dt', { hasText: 'uniqueness' }).isVisible()).toBe(true);
    await screenshot(p, 'media-facts-phone');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await mobile.close();
  });
});
