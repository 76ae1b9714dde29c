/**
 * Ingestion benchmark (npm run bench:ingest [-- N]).
 *
 * Indexes a folder of real photos (scripts/fetch-test-media.sh; N images, default all of them,
 * repeated under new names when N is larger) with the real server in its own process and
 * prints end-to-end images/s (POST /api/v1/dataset → READY, timed by the client), the server's
 * peak RSS (VmHWM) and CPU time. Then, in the same run and on the same folder, times
 * `findimagedupes -R -q <folder>` (no fingerprint database, so it fingerprints every file) as
 * the reference, and prints both times and their ratio. Without findimagedupes installed, that
 * part is skipped with a note. Only prints figures; nothing fails on a slow run.
 *
 * STRATA_WORKERS is passed to the server when set; BENCH_KEEP=1 keeps the temp dirs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buildFolder, createDataset, fmt, machineLine, memOf, photoFiles, removeDirs, sampleRss, startStrata, table, tempDir, waitDone, type Strata } from './lib.ts';

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** user + system CPU seconds of a live process (all its threads). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function mib(kib: number): string {
  return fmt(kib / 1024, 0);
}

interface FidResult {
  seconds: number;
  cpuSeconds: number | null;
  maxRssKiB: number | null;
  groups: number;
  exitCode: number | null;
}

function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Times `findimagedupes -R -q <folder>`, under /usr/bin/time when present for CPU and peak RSS. */
async function runFindimagedupes(folder: string, scratch: string): Promise<FidResult> {
  const timeFile = join(scratch, 'fid-time.txt');
  const useTime = existsSync('/usr/bin/time');
  const args = ['-R', '-q', folder];
  const [cmd, argv] = useTime ? ['/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, 'findimagedupes', ...args]] : ['findimagedupes', args];
  const started = performance.now();
  const child = spawn(cmd, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exitCode = await new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const seconds = (performance.now() - started) / 1000;
  if (exitCode !== 0) console.log(`  findimagedupes exited with ${exitCode}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
  let cpuSeconds: number | null = null;
  let maxRssKiB: number | null = null;
  if (useTime && existsSync(timeFile)) {
    const last = (await readFile(timeFile, 'utf8')).trim().split('\n').at(-1) ?? '';
    const [, user, sys, rss] = last.split(' ').map(Number);
    if (Number.isFinite(user) && Number.isFinite(sys)) cpuSeconds = user! + sys!;
    if (Number.isFinite(rss)) maxRssKiB = rss!;
  }
  // One line per group of similar images.
  return { seconds, cpuSeconds, maxRssKiB, groups: out.split('\n').filter((l) => l.trim() !== '').length, exitCode };
}

async function main(): Promise<void> {
  const photos = await photoFiles();
  const arg = process.argv[2];
  const n = arg === undefined ? photos.length : Number(arg);
  if (!Number.isInteger(n) || n < 1) throw new Error(`N must be a positive integer, got "${arg}"`);

  console.log('Strata ingestion benchmark');
  console.log(machineLine());
  const importRoot = await tempDir('strata-bench-import-');
  const dataDir = await tempDir('strata-bench-data-');
  const folder = join(importRoot, 'photos');
  const built = await buildFolder(folder, photos, n);
  // Photo i is used ceil((n - i) / count) times (0 when i ≥ n).
  const sizes = await Promise.all(photos.map(async (p) => (await stat(p)).size));
  const bytes = sizes.reduce((sum, size, i) => sum + size * Math.max(0, Math.ceil((n - i) / photos.length)), 0);
  console.log(`folder: ${n} images (${photos.length} distinct real photos${n > photos.length ? ', repeated under new names' : ''}; ${built.linked} hard links, ${built.copied} copies), ${fmt(bytes / 2 ** 20, 0)} MiB`);
  console.log(`server: STRATA_WORKERS=${process.env.STRATA_WORKERS ?? 'default (nproc)'}`);

  let strata: Strata | undefined;
  let strataSeconds: number;
  let dataset: any;
  let peakKiB: number;
  let sampledPeakKiB: number;
  let idleKiB: number;
  let cpuSeconds: number;
  try {
    strata = await startStrata({ dataDir, importRoots: [importRoot], env: process.env.STRATA_WORKERS ? { STRATA_WORKERS: process.env.STRATA_WORKERS } : {} });
    const token = strata.credentials.token;
    idleKiB = (await memOf(strata.pid))?.rssKiB ?? NaN;
    const cpuBefore = await cpuSecondsOf(strata.pid);
    const sampler = sampleRss(strata.pid, 100);
    const { id, postedAt } = await createDataset(strata.url, token, 'bench ingest', folder);
    const done = await waitDone(strata.url, token, id);
    strataSeconds = (done.doneAt - postedAt) / 1000;
    dataset = done.dataset;
    sampledPeakKiB = await sampler.stop();
    cpuSeconds = (await cpuSecondsOf(strata.pid)) - cpuBefore;
    peakKiB = (await memOf(strata.pid))?.hwmKiB ?? NaN;
  } catch (err) {
    if (strata) console.error(`--- strata output tail ---\n${strata.tail()}`);
    throw err;
  } finally {
    await strata?.stop();
  }
  const nImages = dataset.n_images as number;
  const failed = dataset.processing?.failed ?? 0;
  console.log(`\nstrata: dataset ${dataset.status_new}, ${nImages} images indexed, ${failed} failed, POST → ${dataset.status_new} in ${fmt(strataSeconds, 2)} s = ${fmt(nImages / strataSeconds, 1)} images/s`);
  console.log(`  server process: peak RSS (VmHWM) ${mib(peakKiB)} MiB (largest 100 ms VmRSS sample ${mib(sampledPeakKiB)} MiB; idle before the POST ${mib(idleKiB)} MiB), CPU ${fmt(cpuSeconds, 1)} s (${fmt((cpuSeconds * 1000) / Math.max(1, nImages), 1)} ms per image)`);
  if (nImages !== n) console.log(`  !! expected ${n} images, the dataset has ${nImages}`);

  let fid: FidResult | null = null;
  if (!haveCommand('findimagedupes')) {
    console.log('\nfindimagedupes: not installed, reference skipped (Debian: apt-get install findimagedupes)');
  } else {
    console.log(`\nfindimagedupes -R -q ${folder} (no fingerprint database: every file is fingerprinted)`);
    fid = await runFindimagedupes(folder, dataDir);
    console.log(
      `  ${fmt(fid.seconds, 2)} s = ${fmt(n / fid.seconds, 1)} images/s, CPU ${fid.cpuSeconds === null ? 'n/a' : fmt(fid.cpuSeconds, 1) + ' s'}, peak RSS ${fid.maxRssKiB === null ? 'n/a' : mib(fid.maxRssKiB) + ' MiB'}, ${fid.groups} groups of similar images printed`,
    );
  }

  console.log('\nsummary');
  const rows = [
    ['tool', 'images', 'seconds', 'images/s', 'CPU s', 'peak RSS MiB'],
    ['strata (POST → READY)', String(nImages), fmt(strataSeconds, 2), fmt(nImages / strataSeconds, 1), fmt(cpuSeconds, 1), mib(peakKiB)],
  ];
  if (fid) rows.push(['findimagedupes -R -q', String(n), fmt(fid.seconds, 2), fmt(n / fid.seconds, 1), fid.cpuSeconds === null ? 'n/a' : fmt(fid.cpuSeconds, 1), fid.maxRssKiB === null ? 'n/a' : mib(fid.maxRssKiB)]);
  console.log(table(rows));
  if (fid) {
    console.log(`time ratio strata / findimagedupes = ${fmt(strataSeconds / fid.seconds, 2)} (below 1: Strata is faster)`);
    if (fid.cpuSeconds !== null) console.log(`CPU-time ratio strata / findimagedupes = ${fmt(cpuSeconds / fid.cpuSeconds, 2)}`);
  }
  console.log(machineLine());
  await removeDirs([importRoot, dataDir]);
}

await main();
