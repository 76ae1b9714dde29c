/**
 * Web UI benchmark (npm run bench:ui [-- N]).
 *
 * Indexes N images (default 10,000: variations of the cached real photos at most 480 px on a
 * side, cropped, mirrored and brightened a little, so every photo has ~N/150 near-duplicates;
 * see varied-folder.ts) with the real server in its own process, then drives
 * Debian's Chromium (playwright-core) through the web UI and prints:
 *
 * 1. Time from clicking the Duplicates tab (app already loaded on the dataset page) to the first
 *    thumbnail painted, and the same from a cold page load of the tab's URL. Paint times are
 *    Chromium's Element Timing entries for the thumbnails (renderTime), not script guesses.
 * 2. The page's memory after scrolling a grid through 5,000 images (Issues tab, uniqueness ≥ 0:
 *    every image of the dataset), waiting at each step for the thumbnails on screen: the JS
 *    heap after a forced GC, DOM nodes and image resources, from Chromium's Performance
 *    domain (CDP), against the same figures before scrolling.
 *
 * Only prints figures; nothing fails on a slow result. BENCH_KEEP=1 keeps the temp dirs.
 */
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { launchBrowser, laptop } from '../test/helpers/browser.ts';
import { buildVariedFolder } from './varied-folder.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createDataset, fmt, machineLine, photoFiles, removeDirs, startStrata, table, tempDir, waitDone } from './lib.ts';

const N = Number(process.argv[2] ?? 10_000);
const SCROLL_ITEMS = 5_000;
const REPEATS = 5;

/** Milliseconds from `since` (performance.now() in the page) to the first thumbnail painted. */
async function firstThumbnailPaint(page: Page, since: number): Promise<number> {
  return page.evaluate(
    (t0) =>
      new Promise<number>((resolve) => {
        new PerformanceObserver((list, observer) => {
          const painted = list.getEntries().filter((e) => (e as PerformanceEntry & { renderTime: number }).renderTime >= t0);
          if (painted.length === 0) return;
          observer.disconnect();
          resolve(Math.min(...painted.map((e) => (e as PerformanceEntry & { renderTime: number }).renderTime)) - t0);
        }).observe({ type: 'element', buffered: true });
      }),
    since,
  );
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

async function main(): Promise<void> {
  console.log(machineLine());
  const root = await tempDir('strata-bench-ui-');
  const dataDir = await tempDir('strata-bench-ui-data-');
  const folder = join(root, 'photos');
  const built = performance.now();
  await buildVariedFolder(folder, await photoFiles(), N);
  console.log(`made ${N} images in ${fmt((performance.now() - built) / 1000)} s`);
  const strata = await startStrata({ dataDir, importRoots: [root] });
  const browser = await launchBrowser();
  try {
    const token = strata.credentials.token;
    const { id, postedAt } = await createDataset(strata.url, token, 'bench-ui', folder);
    const { dataset, doneAt } = await waitDone(strata.url, token, id, 60 * 60_000);
    console.log(`indexed ${dataset.n_images} images in ${fmt((doneAt - postedAt) / 1000)} s (${dataset.status_new})`);

    const context = await browser.newContext({ viewport: laptop });
    const login = await context.request.post(`${strata.url}/api/v1/auth`, { data: { username: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    if (!login.ok()) throw new Error(`login: ${login.status()}`);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');

    // 1a. Tab switch inside the loaded app.
    const warm: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      await page.goto(`${strata.url}/datasets/${id}`);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      const t0 = await page.evaluate(() => performance.now());
      await page.getByRole('link', { name: 'Duplicates', exact: true }).click();
      warm.push(await firstThumbnailPaint(page, t0));
    }
    // 1b. Cold load of the tab's URL (HTML, scripts, dataset, first page of groups, thumbnails).
    const cold: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      await page.goto('about:blank');
      await page.goto(`${strata.url}/datasets/${id}/duplicates`);
      cold.push(await firstThumbnailPaint(page, 0));
    }
    const groups = await page.getByRole('listitem', { name: /^Group 1,/ }).getAttribute('aria-label');
    // Printed at once, so a failure further on does not lose them.
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`\nduplicates tab (${groups}, ${REPEATS} runs each; ms to the first thumbnail painted)`);
    console.log(
      table([
        ['from', 'median', 'min', 'max'],
        ['tab click in the loaded app', fmt(median(warm), 0), fmt(Math.min(...warm), 0), fmt(Math.max(...warm), 0)],
        ['cold page load of the tab URL', fmt(median(cold), 0), fmt(Math.min(...cold), 0), fmt(Math.max(...cold), 0)],
      ]),
    );

    // 2. Scroll a grid of every image through SCROLL_ITEMS images.
    await page.goto(`${strata.url}/datasets/${id}/issues?type=uniqueness&min=0`);
    await page.locator('.grid-scroller img').first().waitFor();
    const before = await metrics(cdp);
    const scrolled = await page.evaluate(
      async ({ items, total }) => {
        // No named functions in here: tsx would wrap them in a helper the page does not have.
        const scroller = document.querySelector('.grid-scroller') as HTMLElement;
        for (;;) {
          // Images above the bottom edge of the view: the grid is `total` images tall.
          const seen = Math.min(total, Math.round(((scroller.scrollTop + scroller.clientHeight) / scroller.scrollHeight) * total));
          if (seen >= items || scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight) return seen;
          scroller.scrollTop += scroller.clientHeight;
          // Wait until the thumbnails on screen have loaded (or failed) before the next step.
          for (;;) {
            await new Promise((r) => requestAnimationFrame(r));
            const imgs = [...scroller.querySelectorAll('img')] as HTMLImageElement[];
            if (imgs.length > 0 && imgs.every((img) => img.complete)) break;
          }
        }
      },
      { items: SCROLL_ITEMS, total: dataset.n_images as number },
    );
    const after = await metrics(cdp);
    const resources = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/thumbnail')).length);

    const mib = (b: number | undefined) => fmt((b ?? 0) / 1024 / 1024);
    console.log(`\npage memory, scrolling the all-images grid through ${scrolled} of ${dataset.n_images} images (${resources} thumbnails fetched)`);
    console.log(
      table([
        ['metric', 'before', 'after'],
        ['JS heap used (MiB, after GC)', mib(before.JSHeapUsedSize), mib(after.JSHeapUsedSize)],
        ['JS heap total (MiB)', mib(before.JSHeapTotalSize), mib(after.JSHeapTotalSize)],
        ['DOM nodes', fmt(before.Nodes ?? 0, 0), fmt(after.Nodes ?? 0, 0)],
        ['layout objects', fmt(before.LayoutObjects ?? 0, 0), fmt(after.LayoutObjects ?? 0, 0)],
      ]),
    );
  } finally {
    await browser.close();
    await strata.stop();
    if (process.env.BENCH_KEEP !== '1') await removeDirs([root, dataDir]);
  }
  console.log(machineLine());
}

await main();
