/**
 * Growing a dataset vs creating it again (node --import tsx bench/add-media.ts [N] [ADDED]).
 *
 * Indexes N images (default 2000: the cached photos repeated under new names), then adds ADDED
 * more (default 10 % of N) with add_media from a folder, then reindexes; and, for the
 * reference, creates a new dataset from all N + ADDED images. Prints each step's wall time
 * (POST → settled, timed by the client on the event stream) and the ratios add / re-create and
 * (add + reindex) / re-create. Only prints figures; nothing fails on a slow run.
 *
 * STRATA_WORKERS is passed to the server when set; BENCH_KEEP=1 keeps the temp dirs.
 */
import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { buildFolder, createDataset, fmt, machineLine, photoFiles, removeDirs, startStrata, table, tempDir, waitDone } from './lib.ts';

const n = Number(process.argv[2] ?? 2000);
const added = Number(process.argv[3] ?? Math.round(n / 10));

async function post(url: string, token: string, path: string, body?: FormData): Promise<number> {
  const postedAt = performance.now();
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body });
  if (res.status !== 202) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return postedAt;
}

const root = await tempDir('strata-bench-add-');
const importDir = join(root, 'import');
const photos = await photoFiles();
// The added images are the photos' later rounds of repeats: new names, bytes the dataset may hold already.
await buildFolder(join(importDir, 'all'), photos, n + added);
// Split into the first dataset and the batch added to it; then `all` holds both again, for the re-create.
const names = (await readdir(join(importDir, 'all'))).sort();
await mkdir(join(importDir, 'added'));
for (const name of names.slice(n)) await rename(join(importDir, 'all', name), join(importDir, 'added', name));
await mkdir(join(importDir, 'base'));
for (const name of names.slice(0, n)) await rename(join(importDir, 'all', name), join(importDir, 'base', name));
await buildFolder(join(importDir, 'all'), [...names.slice(0, n).map((x) => join(importDir, 'base', x)), ...names.slice(n).map((x) => join(importDir, 'added', x))], n + added);

const strata = await startStrata({ dataDir: join(root, 'data'), importRoots: [importDir], env: process.env.STRATA_WORKERS ? { STRATA_WORKERS: process.env.STRATA_WORKERS } : {} });
const token = strata.credentials.token;
try {
  console.log(machineLine());
  const created = await createDataset(strata.url, token, 'base', join(importDir, 'base'));
  const base = await waitDone(strata.url, token, created.id);
  const createS = (base.doneAt - created.postedAt) / 1000;

  const fd = new FormData();
  fd.set('s3_uri', join(importDir, 'added'));
  const addAt = await post(strata.url, token, `/api/v1/dataset/${created.id}/add_media`, fd);
  const afterAdd = await waitDone(strata.url, token, created.id);
  const addS = (afterAdd.doneAt - addAt) / 1000;

  const reindexAt = await post(strata.url, token, `/api/v1/dataset/${created.id}/reindex`);
  const afterReindex = await waitDone(strata.url, token, created.id);
  const reindexS = (afterReindex.doneAt - reindexAt) / 1000;

  const again = await createDataset(strata.url, token, 'all', join(importDir, 'all'));
  const recreated = await waitDone(strata.url, token, again.id);
  const recreateS = (recreated.doneAt - again.postedAt) / 1000;

  for (const [what, d] of [['create', base.dataset], ['add_media', afterAdd.dataset], ['reindex', afterReindex.dataset], ['re-create', recreated.dataset]] as const) {
    if (d.status_new === 'ERROR') throw new Error(`${what} ended in ERROR: ${d.fatal_error_msg}`);
  }
  console.log(
    table([
      ['step', 'images', 'status', 'seconds'],
      [`create ${n}`, String(base.dataset.n_images), base.dataset.status_new, fmt(createS)],
      [`add_media ${added}`, String(afterAdd.dataset.n_images), afterAdd.dataset.status_new, fmt(addS)],
      ['reindex', String(afterReindex.dataset.n_images), afterReindex.dataset.status_new, fmt(reindexS)],
      [`re-create ${n + added}`, String(recreated.dataset.n_images), recreated.dataset.status_new, fmt(recreateS)],
    ]),
  );
  console.log(`add_media / re-create: ${fmt(addS / recreateS, 3)}`);
  console.log(`(add_media + reindex) / re-create: ${fmt((addS + reindexS) / recreateS, 3)}`);
} finally {
  await strata.stop();
  await removeDirs([root]);
}
