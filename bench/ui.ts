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
 * Past SYNTHETIC_FROM images (e.g. `npm run bench:ui -- 1000000`) the dataset is not indexed
 * whole: SEED_IMAGES real variations are, then the server is stopped and the store grown to N
 * items with synthetic rows (see synthetic-rows.ts), and the server started again. Such runs
 * also print the API's latency on the first and the last page of the listing, the duplicate
 * groups and the clusters, and scroll the Clusters grid far: through SCROLL_ITEMS clusters, then to
 * a quarter, half, three quarters and the end of it.
 *
 * Only prints figures; nothing fails on a slow result. BENCH_KEEP=1 keeps the temp dirs.
 * BENCH_STORE=<dir> keeps the indexed (and grown) store in <dir> and, when <dir> already holds one
 * of N items, reuses it: growing a million rows takes minutes, the measurements read it only.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { launchBrowser, laptop } from '../test/helpers/browser.ts';
import { deepPaging } from './deep-paging.ts';
import { growWithSyntheticRows } from './synthetic-rows.ts';
import { buildVariedFolder } from './varied-folder.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createDataset, fmt, machineLine, photoFiles, removeDirs, startStrata, table, tempDir, waitDone, type Strata } from './lib.ts';

const N = Number(process.argv[2] ?? 10_000);
const SYNTHETIC_FROM = 50_000;
const SEED_IMAGES = 300;
const SCROLL_ITEMS = 5_000;
const REPEATS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

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

/** The page's API requests still unanswered at `since` or sent after it: path, sent and answered (ms from `since`), duration. */
async function apiRequestsAround(page: Page, since: number): Promise<string[][]> {
  const entries = await page.evaluate(() => (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((e) => ({ name: e.name, start: e.startTime, end: e.responseEnd })));
  return entries
    .filter((e) => e.name.includes('/api/') && !e.name.includes('/thumbnail') && e.end >= since)
    .map((e) => [new URL(e.name).pathname + new URL(e.name).search, fmt(e.start - since, 0), fmt(e.end - since, 0), fmt(e.end - e.start, 0)]);
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

/** What a kept store holds (BENCH_STORE), written once it is complete. */
type StoreManifest = { n: number; id: string; sizes: { groups: number; clusters: number } };

async function main(): Promise<void> {
  console.log(machineLine());
  const kept = process.env.BENCH_STORE;
  if (kept) await mkdir(join(kept, 'data'), { recursive: true });
  const root = kept ?? (await tempDir('strata-bench-ui-'));
  const dataDir = kept ? join(kept, 'data') : await tempDir('strata-bench-ui-data-');
  const manifestFile = join(root, 'store.json');
  const manifest = existsSync(manifestFile) ? (JSON.parse(await readFile(manifestFile, 'utf8')) as StoreManifest) : null;
  if (manifest && manifest.n !== N) throw new Error(`BENCH_STORE holds ${manifest.n} items, not ${N}`);
  const folder = join(root, 'photos');
  const synthetic = N >= SYNTHETIC_FROM;
  let strata: Strata | undefined;
  const browser = await launchBrowser();
  let id: string;
  let dataset: any;
  let sizes = { groups: 0, clusters: 0 };
  try {
    if (manifest) {
      console.log(`reusing the store of ${N} items in ${kept}`);
      ({ id, sizes } = manifest);
      strata = await startStrata({ dataDir, importRoots: [root] });
      dataset = (await waitDone(strata.url, strata.credentials.token, id)).dataset;
    } else {
      const indexed = synthetic ? SEED_IMAGES : N;
      const built = performance.now();
      await buildVariedFolder(folder, await photoFiles(), indexed);
      console.log(`made ${indexed} images in ${fmt((performance.now() - built) / 1000)} s`);
      strata = await startStrata({ dataDir, importRoots: [root] });
      let postedAt: number;
      ({ id, postedAt } = await createDataset(strata.url, strata.credentials.token, 'bench-ui', folder));
      let doneAt: number;
      ({ dataset, doneAt } = await waitDone(strata.url, strata.credentials.token, id, 60 * 60_000));
      console.log(`indexed ${dataset.n_images} images in ${fmt((doneAt - postedAt) / 1000)} s (${dataset.status_new})`);
      if (synthetic) {
        await strata.stop();
        const grown = performance.now();
        const made = growWithSyntheticRows(dataDir, id, N);
        console.log(`grew the store to ${N} items with synthetic rows in ${fmt((performance.now() - grown) / 1000)} s (${made.groups} duplicate groups, ${made.clusters.join('/')} clusters at granularity 0…4)`);
        sizes = { groups: made.groups, clusters: made.clusters[0]! };
        strata = await startStrata({ dataDir, importRoots: [root] });
        dataset = (await waitDone(strata.url, strata.credentials.token, id)).dataset;
      }
      if (kept) await writeFile(manifestFile, JSON.stringify({ n: N, id, sizes } satisfies StoreManifest));
    }
    const token = strata.credentials.token;
    if (synthetic) await deepPaging(strata.url, token, id, N, sizes.groups, sizes.clusters);

    const context = await browser.newContext({ viewport: laptop });
    const login = await context.request.post(`${strata.url}/api/v1/auth`, { data: { username: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    if (!login.ok()) throw new Error(`login: ${login.status()}`);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');

    // 1a. Tab switch inside the loaded app.
    const warm: number[] = [];
    let clickRequests: string[][] = [];
    for (let i = 0; i < REPEATS; i++) {
      await page.goto(`${strata.url}/datasets/${id}`);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      const t0 = await page.evaluate(() => performance.now());
      await page.getByRole('link', { name: 'Duplicates', exact: true }).click();
      warm.push(await firstThumbnailPaint(page, t0));
      if (i === REPEATS - 1) clickRequests = await apiRequestsAround(page, t0);
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
    console.log(`\nduplicates tab (${groups}, ${REPEATS} runs each; ms to the first thumbnail painted)`);
    console.log(
      table([
        ['from', 'median', 'min', 'max'],
        ['tab click in the loaded app', fmt(median(warm), 0), fmt(Math.min(...warm), 0), fmt(Math.max(...warm), 0)],
        ['cold page load of the tab URL', fmt(median(cold), 0), fmt(Math.min(...cold), 0), fmt(Math.max(...cold), 0)],
      ]),
    );
    console.log(`\nAPI requests in flight at the last click or sent after it (ms from the click; Resource Timing)`);
    console.log(table([['request', 'sent', 'answered', 'duration'], ...clickRequests]));

    // 2. Scroll a grid of every image through SCROLL_ITEMS images; with synthetic rows the grid of
    // the finest clusters (one card each ten images), as ranking a million scores takes seconds a page.
    const grid = synthetic ? { path: 'clusters', total: sizes.clusters, of: 'clusters' } : { path: 'issues?type=uniqueness&min=0', total: dataset.n_images as number, of: 'images' };
    await page.goto(`${strata.url}/datasets/${id}/${grid.path}`);
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
      { items: SCROLL_ITEMS, total: grid.total },
    );
    // Then far: a quarter, half, three quarters and the end of the grid, each until its thumbnails are in.
    const jumps = !synthetic
      ? []
      : await page.evaluate(async () => {
          const scroller = document.querySelector('.grid-scroller') as HTMLElement;
          const times: number[] = [];
          for (const share of [0.25, 0.5, 0.75, 1]) {
            const t0 = performance.now();
            scroller.scrollTop = share * (scroller.scrollHeight - scroller.clientHeight);
            for (;;) {
              await new Promise((r) => requestAnimationFrame(r));
              const imgs = [...scroller.querySelectorAll('img')] as HTMLImageElement[];
              if (scroller.querySelector('.cell-loading') === null && imgs.length > 0 && imgs.every((img) => img.complete)) break;
            }
            times.push(performance.now() - t0);
          }
          return times;
        });
    const after = await metrics(cdp);
    const resources = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/thumbnail')).length);

    const mib = (b: number | undefined) => fmt((b ?? 0) / 1024 / 1024);
    if (synthetic) console.log(`\njumps to 1/4, 1/2, 3/4 and the end of the grid, ms until their thumbnails are in: ${jumps.map((t) => fmt(t, 0)).join(', ')}`);
    const far = synthetic ? ', then to a quarter, half, three quarters and the end' : '';
    console.log(`\npage memory, scrolling the grid through ${scrolled} of ${grid.total} ${grid.of}${far} (${resources} thumbnails fetched)`);
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
    await strata?.stop();
    if (!kept && process.env.BENCH_KEEP !== '1') await removeDirs([root, dataDir]);
  }
  console.log(machineLine());
}

await main();
