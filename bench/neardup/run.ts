/**
 * Near-duplicate benchmark: Strata's calibrated duplicate levels, measured through the REST API
 * on the labelled set (bench/neardup/labelled-set.ts), against two free tools on the same folder.
 *
 *   node --import tsx bench/neardup/run.ts              # Strata, findimagedupes, sharp-phash
 *   node --import tsx bench/neardup/run.ts --no-peers   # Strata only
 *   node --import tsx bench/neardup/run.ts --speed-rounds 5   # then 5 more speed rounds
 *
 * What it does, in one run:
 *  1. Builds (first run, a few minutes) or loads the labelled set: 1961 real photos, their
 *     everyday edits and natural copies; two files are true duplicates iff they share a group.
 *  2. Starts Strata as `npm start` does (bench/lib.ts startStrata: its own process, temp data
 *     dir, STRATA_IMPORT_ROOTS = the set folder's parent, STRATA_WORKERS passed on when set,
 *     default nproc), indexes a first small dataset untimed (it starts the media workers),
 *     then POSTs /api/v1/dataset with the set folder and times POST → READY (client side, on
 *     the dataset's event stream) and the server's CPU time meanwhile.
 *  3. Lists every media (GET …/media, pages of 1000) and, for every level (0.96 … 1.0) and
 *     every media, GET …/media/{id}/duplicates?threshold=L (16 requests in flight): the pairs
 *     within each returned group are the level's predicted pairs, scored by evaluate.ts.
 *     Prints precision/recall per level and recall per edit class at 0.96, and how fast the
 *     duplicates endpoint answered (it also checks that the groups are consistent: every
 *     member of a group reports the same group).
 *  4. Unless --no-peers: `findimagedupes -t 90% -R` and sharp-phash (Hamming ≤ 10) on the same
 *     folder (bench/neardup/peers.ts), scored the same way, with their wall times.
 *  5. Speed: Strata POST → READY against the findimagedupes run of step 4 (it fingerprints
 *     every file, no database), ms per image for both and the ratio Strata / findimagedupes
 *     (below 1: Strata is faster), wall and CPU time. Strata does much more per image
 *     (embedding, thumbnail, quality, clusters…); what that work costs without the server, and
 *     its floor (hash, decode, embedding only), are then measured in this process
 *     (bench/neardup/floor.ts) against findimagedupes on the same half of the files, run just
 *     before and just after.
 *  6. With --speed-rounds N: N more rounds on a fresh server, each indexing the folder as a new
 *     dataset then running findimagedupes on it, and the median ratios: the machine's speed
 *     drifts, and moves both figures of a round together.
 *
 * Prints figures only; it never fails on a low score. Starts and ends with the machine line
 * (bench/lib.ts), whose load average says whether something else was using the CPUs.
 * BENCH_KEEP=1 keeps the temp data dir.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { duplicateLevels } from '../../src/domain/similarity/levels.ts';
import { getJson } from '../../test/helpers/client.ts';
import { buildFolder, cpuMsOf, createDataset, fmt, machineLine, percentile, removeDirs, startStrata, table, tempDir, waitDone, type Strata } from '../lib.ts';
import { evaluatePairs, type Pair, type PairScores } from './evaluate.ts';
import { analysisCost } from './floor.ts';
import { labelledSet } from './labelled-set.ts';
import { findimagedupesPairs, scoresTable, sharpPhashPairs, type PeerRun } from './peers.ts';

export const LEVELS: readonly number[] = duplicateLevels;

/** Images of the dataset indexed first, untimed: it starts the media workers. */
const WARMUP_FILES = 8;

/** Every media of a dataset as media_id → file name (the name within the indexed folder). */
export async function listMediaNames(url: string, token: string, datasetId: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let page = 0; ; page++) {
    const res = await getJson(url, `/api/v1/dataset/${datasetId}/media?page_number=${page}&page_size=1000`, token);
    if (res.status !== 200) throw new Error(`GET media page ${page}: ${res.status} ${JSON.stringify(res.body)}`);
    const { media, total } = res.body as { media: Array<{ media_id: string; file_name: string }>; total: number };
    for (const m of media) out.set(m.media_id, m.file_name);
    if (media.length === 0 || out.size >= total) break;
  }
  return out;
}

export interface LevelPairs {
  level: number;
  /** Unordered pairs of file names, each once, as [smaller, larger]. */
  pairs: Pair[];
  /** Media whose group (itself + its duplicates) differs from the group one of its duplicates reports. */
  inconsistent: number;
}

export interface DuplicatesRun {
  byLevel: Map<number, LevelPairs>;
  requests: number;
  wallMs: number;
  /** Latency of each request, ms, ascending. */
  latencies: number[];
}

/**
 * GET …/media/{id}/duplicates?threshold=L for every media and level, `concurrency` requests in
 * flight; file names are the media's file_name (as in the labelled set, the folder being flat).
 */
export async function duplicatePairs(
  url: string,
  token: string,
  datasetId: string,
  names: ReadonlyMap<string, string>,
  levels: readonly number[],
  concurrency = 16,
): Promise<DuplicatesRun> {
  const ids = [...names.keys()];
  const tasks = levels.flatMap((level) => ids.map((id) => ({ level, id })));
  const lists = new Map<number, Map<string, string[]>>(levels.map((l) => [l, new Map()]));
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < tasks.length; i = next++) {
      const { level, id } = tasks[i]!;
      const t0 = performance.now();
      const res = await getJson(url, `/api/v1/dataset/${datasetId}/media/${id}/duplicates?threshold=${level}`, token);
      latencies.push(performance.now() - t0);
      if (res.status !== 200 || !Array.isArray(res.body)) throw new Error(`GET duplicates of ${id} at ${level}: ${res.status} ${JSON.stringify(res.body)}`);
      lists.get(level)!.set(id, res.body as string[]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - started;
  latencies.sort((a, b) => a - b);

  const nameOf = (id: string) => {
    const name = names.get(id);
    if (name === undefined) throw new Error(`duplicates name a media id not in the dataset: ${id}`);
    return name;
  };
  const byLevel = new Map<number, LevelPairs>();
  for (const level of levels) {
    const dups = lists.get(level)!;
    const groupKey = (id: string) => [id, ...(dups.get(id) ?? [])].sort().join(',');
    const seen = new Set<string>();
    const pairs: Pair[] = [];
    let inconsistent = 0;
    for (const [id, others] of dups) {
      const mine = groupKey(id);
      if (others.some((o) => groupKey(o) !== mine)) inconsistent++;
      for (const other of others) {
        const [a, b] = [nameOf(id), nameOf(other)].sort() as [string, string];
        const k = `${a}\0${b}`;
        if (a === b || seen.has(k)) continue;
        seen.add(k);
        pairs.push([a, b]);
      }
    }
    byLevel.set(level, { level, pairs, inconsistent });
  }
  return { byLevel, requests: tasks.length, wallMs, latencies };
}

/**
 * Indexes `dir` on a running server; returns the dataset id, its final JSON, POST → done ms
 * and the server process's CPU time meanwhile (all threads).
 */
export async function indexFolder(server: { url: string; pid: number }, token: string, dir: string, timeoutMs = 30 * 60_000): Promise<{ id: string; dataset: any; ms: number; cpuMs: number }> {
  const cpuBefore = await cpuMsOf(server.pid);
  const { id, postedAt } = await createDataset(server.url, token, 'neardup labelled set', dir);
  const { dataset, doneAt } = await waitDone(server.url, token, id, timeoutMs);
  const cpuAfter = await cpuMsOf(server.pid);
  return { id, dataset, ms: doneAt - postedAt, cpuMs: (cpuAfter ?? NaN) - (cpuBefore ?? NaN) };
}

// ---------------------------------------------------------------------------------------------
// CLI

const pct = (x: number) => fmt(100 * x);

async function main(): Promise<void> {
  const noPeers = process.argv.includes('--no-peers');
  console.log('Strata near-duplicate benchmark');
  console.log(machineLine());
  const set = await labelledSet({ log: console.log });
  const groups = new Set(set.files.map((f) => f.group)).size;
  console.log(`set: ${set.dir}: ${set.files.length} files, ${groups} groups`);

  // --- Strata -------------------------------------------------------------------------------
  const dataDir = await tempDir('strata-bench-neardup-');
  let strata: WarmStrata | undefined;
  let indexed: { id: string; dataset: any; ms: number; cpuMs: number };
  let dups: DuplicatesRun;
  let mediaCount: number;
  try {
    strata = await startWarmStrata(dataDir, set.dir);
    const token = strata.credentials.token;
    console.log(`\nstrata: first dataset after start (${WARMUP_FILES} images: the media workers start and export the model to ONNX): POST → READY ${fmt(strata.warmup.ms / 1000, 2)} s, ${fmt(strata.warmup.cpuMs / 1000, 2)} s of CPU`);
    console.log(`strata: indexing ${set.dir} (STRATA_WORKERS=${process.env.STRATA_WORKERS ?? 'default (nproc)'}) …`);
    indexed = await indexFolder(strata, token, set.dir);
    const d = indexed.dataset;
    console.log(`  dataset ${d.status_new}: ${d.n_images} images, ${d.processing?.failed ?? 0} failed; POST → ${d.status_new} ${fmt(indexed.ms / 1000, 2)} s = ${fmt(indexed.ms / set.files.length, 1)} ms per image; CPU ${fmt(indexed.cpuMs / set.files.length, 1)} ms per image`);
    if (d.status_new !== 'READY') throw new Error(`dataset ended ${d.status_new}`);
    const t0 = performance.now();
    const names = await listMediaNames(strata.url, token, indexed.id);
    mediaCount = names.size;
    console.log(`  listed ${names.size} media in ${fmt(performance.now() - t0, 0)} ms`);
    if (names.size !== set.files.length) console.log(`  !! expected ${set.files.length} media, the dataset lists ${names.size}`);
    dups = await duplicatePairs(strata.url, token, indexed.id, names, LEVELS, 16);
    const l = dups.latencies;
    console.log(
      `  duplicates endpoint: ${dups.requests} requests (${LEVELS.length} levels × ${names.size} media, 16 in flight) in ${fmt(dups.wallMs / 1000, 2)} s = ` +
        `${fmt(dups.requests / (dups.wallMs / 1000), 0)} req/s; latency p50 ${fmt(percentile(l, 50), 2)} ms, p99 ${fmt(percentile(l, 99), 2)} ms, max ${fmt(l.at(-1) ?? NaN, 1)} ms`,
    );
  } catch (err) {
    if (strata) console.error(`--- strata output tail ---\n${strata.tail()}`);
    throw err;
  } finally {
    await strata?.stop();
  }

  const scores = new Map<number, PairScores>();
  for (const level of LEVELS) scores.set(level, evaluatePairs(set, dups.byLevel.get(level)!.pairs));
  console.log('\nStrata duplicates by level (pairs within the groups GET …/duplicates returns)');
  console.log(
    table([
      ['level', 'pairs', 'precision %', 'recall %', 'TP', 'FP', 'FN', 'inconsistent groups'],
      ...LEVELS.map((level) => {
        const s = scores.get(level)!;
        return [level.toFixed(Math.max(2, String(level).split('.')[1]?.length ?? 0)), String(s.tp + s.fp), pct(s.precision), pct(s.recall), String(s.tp), String(s.fp), String(s.fn), String(dups.byLevel.get(level)!.inconsistent)];
      }),
    ]),
  );
  let nested = true;
  for (let i = 1; i < LEVELS.length; i++) {
    const lower = new Set(dups.byLevel.get(LEVELS[i - 1]!)!.pairs.map(([a, b]) => `${a}\0${b}`));
    const escaped = dups.byLevel.get(LEVELS[i]!)!.pairs.filter(([a, b]) => !lower.has(`${a}\0${b}`)).length;
    if (escaped > 0) {
      nested = false;
      console.log(`  !! ${escaped} pairs at ${LEVELS[i]} are not pairs at ${LEVELS[i - 1]}`);
    }
  }
  console.log(`levels nest (pairs at each level ⊆ pairs at the level below): ${nested ? 'yes' : 'NO'}`);
  const at96 = scores.get(0.96)!;
  if (at96.falsePositiveExamples.length > 0) {
    console.log('Strata 0.96: first false positives');
    for (const [a, b] of at96.falsePositiveExamples) console.log(`  ${a}  ~  ${b}`);
  }

  // --- peers --------------------------------------------------------------------------------
  const peers: { name: string; run: PeerRun; scores: PairScores }[] = [];
  if (noPeers) {
    console.log('\n(--no-peers: findimagedupes and sharp-phash skipped)');
  } else {
    const haveFid = spawnSync('sh', ['-c', 'command -v findimagedupes'], { stdio: 'ignore' }).status === 0;
    const runs: Array<[string, () => Promise<PeerRun>]> = [];
    if (haveFid) runs.push(['findimagedupes 90%', () => findimagedupesPairs(set.dir, 90)]);
    else console.log('\nfindimagedupes: not installed, skipped (Debian: apt-get install findimagedupes)');
    runs.push(['sharp-phash ≤10', () => sharpPhashPairs(set.dir, 10)]);
    for (const [name, run] of runs) {
      console.log(`\nrunning ${name} …`);
      const result = await run();
      const s = evaluatePairs(set, result.pairs);
      peers.push({ name, run: result, scores: s });
      console.log(`  ${name}: precision ${pct(s.precision)} %, recall ${pct(s.recall)} %, ${fmt(result.wallMs / 1000, 2)} s = ${fmt(result.wallMs / result.files, 1)} ms per image`);
    }
  }

  // --- comparison at 0.96 -------------------------------------------------------------------
  console.log('\nStrata at 0.96 vs the peers (recall per edit class: the original paired with its edited copy)');
  console.log(
    scoresTable([
      { name: 'Strata 0.96', scores: at96, wall: `${fmt(indexed.ms / 1000, 1)} (POST→READY)`, perImage: fmt(indexed.ms / mediaCount, 1) },
      ...peers.map((p) => ({ name: p.name, scores: p.scores, wall: fmt(p.run.wallMs / 1000, 1), perImage: fmt(p.run.wallMs / p.run.files, 1) })),
    ]),
  );

  // --- speed --------------------------------------------------------------------------------
  console.log(`\nspeed on the same folder (${set.files.length} files)`);
  const fid = peers.find((p) => p.name.startsWith('findimagedupes'));
  const speedRows = [
    ['tool', 'files', 'wall s', 'ms per image', 'CPU ms per image'],
    ['Strata, POST → READY', String(set.files.length), fmt(indexed.ms / 1000, 2), fmt(indexed.ms / set.files.length, 1), fmt(indexed.cpuMs / set.files.length, 1)],
  ];
  if (fid) speedRows.push(['findimagedupes -t 90% -R', String(fid.run.files), fmt(fid.run.wallMs / 1000, 2), fmt(fid.run.wallMs / fid.run.files, 1), fmt(fid.run.cpuMs / fid.run.files, 1)]);
  console.log(table(speedRows));
  if (fid) {
    console.log(`time ratio Strata / findimagedupes = ${fmt(indexed.ms / fid.run.wallMs, 2)} (below 1: Strata is faster); CPU-time ratio ${fmt(indexed.cpuMs / fid.run.cpuMs, 2)}`);
    await printAnalysisCost(set.files.filter((_, i) => i % 2 === 0).map((f) => join(set.dir, f.file)));
  } else {
    console.log('(no findimagedupes run: no ratio)');
  }
  await removeDirs([dataDir]);

  const rounds = Number(process.argv[process.argv.indexOf('--speed-rounds') + 1] ?? 0);
  if (process.argv.includes('--speed-rounds') && fid) await speedRounds(set.dir, rounds);
  console.log(`\n${machineLine()}`);
}

/**
 * What Strata's per-image work costs without its server (bench/neardup/floor.ts), against
 * findimagedupes on the same files, run just before and just after it (the mean of the two:
 * the machine's speed drifts within minutes): how close the analysis itself can come.
 */
async function printAnalysisCost(files: string[]): Promise<void> {
  console.log(`\nStrata's per-image work without the server, one thread, warm, against findimagedupes -R on the same ${files.length} files (every 2nd)`);
  const dir = await tempDir('strata-bench-neardup-half-');
  try {
    await buildFolder(dir, files, files.length);
    const before = await findimagedupesPairs(dir, 90);
    const cost = await analysisCost(files);
    const after = await findimagedupesPairs(dir, 90);
    const fidCpu = (before.cpuMs + after.cpuMs) / (before.files + after.files);
    const fidWall = (before.wallMs + after.wallMs) / (before.files + after.files);
    const row = (name: string, ms: number) => [name, fmt(ms, 1), fmt(ms / fidCpu, 2), fmt(ms / 2, 1), fmt(ms / 2 / fidWall, 2)];
    console.log(
      table([
        ['work', 'CPU ms per image', '÷ findimagedupes CPU', 'ms per image if 2 cores never wait', '÷ findimagedupes time'],
        row('embedding floor (hash, decode, embedding)', cost.embeddingFloorMs),
        row('floor with quality (decode at 512, blur…)', cost.floorWithQualityMs),
        row('per-image analysis (+ thumbnail, quality)', cost.analysisMs),
        ['findimagedupes (mean of before and after)', fmt(fidCpu, 1), '1.00', fmt(fidWall, 1), '1.00'],
      ]),
    );
  } finally {
    await removeDirs([dir]);
  }
}

export type WarmStrata = Strata & { warmup: Awaited<ReturnType<typeof indexFolder>> };

/**
 * Starts Strata on `dataDir` (import roots: `dir`'s parent) and indexes a first, small dataset
 * of `dir`'s first files, untimed by the callers: it starts the media workers (and, on a fresh
 * data directory, they export the embedding model to ONNX).
 */
export async function startWarmStrata(dataDir: string, dir: string): Promise<WarmStrata> {
  const warmupDir = await tempDir('strata-bench-neardup-warmup-');
  const strata = await startStrata({ dataDir, importRoots: [dirname(dir), warmupDir], env: process.env.STRATA_WORKERS ? { STRATA_WORKERS: process.env.STRATA_WORKERS } : {} });
  try {
    for (const name of (await readdir(dir)).sort().slice(0, WARMUP_FILES)) await copyFile(join(dir, name), join(warmupDir, name));
    return { ...strata, warmup: await indexFolder(strata, strata.credentials.token, warmupDir) };
  } catch (err) {
    await strata.stop();
    throw err;
  } finally {
    await removeDirs([warmupDir]);
  }
}

/**
 * The speed comparison again, `rounds` times, each round indexing the folder on one running
 * server (a new dataset each time) and then running findimagedupes on it: a machine whose
 * speed drifts moves both figures of a round together, and the median ratio holds.
 */
async function speedRounds(dir: string, rounds: number): Promise<void> {
  console.log(`\nspeed rounds (${rounds}): Strata then findimagedupes, on the same folder`);
  const dataDir = await tempDir('strata-bench-neardup-rounds-');
  const strata = await startWarmStrata(dataDir, dir);
  const rows = [['round', 'Strata ms/image', 'Strata CPU ms/image', 'findimagedupes ms/image', 'findimagedupes CPU ms/image', 'time ratio', 'CPU ratio']];
  const ratios: Array<[number, number]> = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const run = await indexFolder(strata, strata.credentials.token, dir);
      const peer = await findimagedupesPairs(dir, 90);
      const n = peer.files;
      ratios.push([run.ms / peer.wallMs, run.cpuMs / peer.cpuMs]);
      rows.push([String(round), fmt(run.ms / n, 1), fmt(run.cpuMs / n, 1), fmt(peer.wallMs / n, 1), fmt(peer.cpuMs / n, 1), fmt(run.ms / peer.wallMs, 2), fmt(run.cpuMs / peer.cpuMs, 2)]);
    }
  } finally {
    await strata.stop();
    await removeDirs([dataDir]);
  }
  console.log(table(rows));
  const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
  console.log(`median time ratio Strata / findimagedupes = ${fmt(median(ratios.map((r) => r[0])), 2)}; median CPU-time ratio ${fmt(median(ratios.map((r) => r[1])), 2)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
