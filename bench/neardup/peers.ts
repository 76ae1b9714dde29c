/**
 * Peers for the near-duplicate benchmark: what free tools find on the labelled set
 * (bench/neardup/labelled-set.ts), scored by bench/neardup/evaluate.ts.
 *
 *   node --import tsx bench/neardup/peers.ts
 *
 * - findimagedupes (Debian package `findimagedupes`): a 256-bit fingerprint per image (160 px
 *   grey, blurred, equalised, 16x16 at 1 bpp) and a threshold on the share of equal bits
 *   (default 90 %, i.e. at most 25 differing bits). It prints *groups*: it merges matching
 *   pairs transitively, so every pair within a printed group counts as predicted, even two
 *   files that do not match each other directly. One Perl process fingerprints the files one
 *   after the other, but GraphicsMagick runs each image's operations on every core (OpenMP):
 *   on 2 cores its CPU time is about 1.9 × its wall time.
 * - sharp-phash 2.2.0 (npm, on the project's sharp): the classic 64-bit DCT pHash (32x32 grey,
 *   top-left 8x8 DCT coefficients above their mean); pairs within a Hamming distance.
 *
 * Times are wall times of the whole run, decoding included (sharp-phash hashes one file per
 * core at a time).
 */
import { execFile } from 'node:child_process';
import { readdir, realpath } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { childrenCpuMs, fmt, machineLine, table } from '../lib.ts';
import { evaluatePairs, type Pair, type PairScores } from './evaluate.ts';
import { labelledSet } from './labelled-set.ts';

// sharp-phash is CommonJS (`module.exports = fn`) but its typings declare `export default`,
// which TypeScript reads as a `.default` property under NodeNext: require() matches both.
const require = createRequire(import.meta.url);
const phash = require('sharp-phash') as typeof import('sharp-phash').default;
const distance = require('sharp-phash/distance') as typeof import('sharp-phash/distance.js').default;

export interface PeerRun {
  /** Predicted duplicate pairs, as names relative to the folder. */
  pairs: Pair[];
  wallMs: number;
  /** CPU time (user + system) of the run, all threads and child processes. */
  cpuMs: number;
  /** Files in the folder, to report time per image. */
  files: number;
}

/**
 * Runs `findimagedupes -t <threshold>% -R <dir>`; returns all pairs within each printed group.
 * The default VIEW function echoes a group's names space-separated; ours prints each name
 * NUL-terminated and ends the group with an empty name, so any file name parses back.
 */
export async function findimagedupesPairs(folder: string, thresholdPercent = 90): Promise<PeerRun> {
  // findimagedupes prints the files' real paths: through a symlinked .cache, names relative to
  // the folder as given would all point outside it.
  const dir = await realpath(folder);
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
  const started = performance.now();
  const cpuBefore = await childrenCpuMs();
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(
      'findimagedupes',
      ['-q', '-t', `${thresholdPercent}%`, '-R', '-i', `VIEW(){ printf '%s\\0' "$@"; printf '\\0'; }`, '--', dir],
      { maxBuffer: 256 << 20 },
    ));
  } catch (err) {
    // Exit status 1 only means "there were warnings" (e.g. an unreadable file); keep its output.
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (e.code !== 1 || e.stdout === undefined) throw new Error(`findimagedupes failed: ${String(e.code)} ${e.stderr ?? err}`);
    stdout = e.stdout;
  }
  const wallMs = performance.now() - started;
  const cpuMs = (await childrenCpuMs()) - cpuBefore;
  const pairs: Pair[] = [];
  let group: string[] = [];
  for (const name of stdout.split('\0').slice(0, -1)) {
    if (name !== '') {
      group.push(relative(dir, name));
      continue;
    }
    pairs.push(...allPairs(group));
    group = [];
  }
  return { pairs, wallMs, cpuMs, files };
}

/** pHash of every file in `dir` (not recursive), then every pair within `maxHamming` bits. */
export async function sharpPhashPairs(dir: string, maxHamming = 10): Promise<PeerRun> {
  const names = (await readdir(dir)).sort();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const hashes: string[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < names.length; i = next++) hashes[i] = await phash(join(dir, names[i]!));
  };
  await Promise.all(Array.from({ length: availableParallelism() }, worker));
  const pairs: Pair[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      if (distance(hashes[i]!, hashes[j]!) <= maxHamming) pairs.push([names[i]!, names[j]!]);
    }
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { pairs, wallMs: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000, files: names.length };
}

/** One column of the comparison table: a tool's scores and how long it took. */
export interface ScoreColumn {
  name: string;
  scores: PairScores;
  wall: string;
  perImage: string;
}

/** Precision, recall (overall and per edit class) and time of each tool, side by side. */
export function scoresTable(columns: readonly ScoreColumn[]): string {
  const pct = (x: number) => fmt(100 * x);
  const row = (label: string, cell: (c: ScoreColumn) => string) => [label, ...columns.map(cell)];
  const edits = Object.keys(columns[0]?.scores.recallByEdit ?? {});
  return table([
    ['', ...columns.map((c) => c.name)],
    row('precision %', (c) => pct(c.scores.precision)),
    row('recall %', (c) => pct(c.scores.recall)),
    row('true positives', (c) => String(c.scores.tp)),
    row('false positives', (c) => String(c.scores.fp)),
    row('false negatives', (c) => String(c.scores.fn)),
    ...edits.map((edit) => row(`  recall ${edit} %`, (c) => pct(c.scores.recallByEdit[edit]!))),
    row('wall time s', (c) => c.wall),
    row('ms per image', (c) => c.perImage),
  ]);
}

function allPairs(members: readonly string[]): Pair[] {
  const out: Pair[] = [];
  for (let i = 0; i < members.length; i++) for (let j = i + 1; j < members.length; j++) out.push([members[i]!, members[j]!]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// CLI

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(machineLine());
  const set = await labelledSet({ log: console.log });
  console.log(`set: ${set.dir}: ${set.files.length} files, ${new Set(set.files.map((f) => f.group)).size} groups`);

  const peers: { name: string; run: PeerRun; scores: PairScores }[] = [];
  for (const [name, run] of [
    ['findimagedupes 90%', () => findimagedupesPairs(set.dir, 90)],
    ['sharp-phash ≤10', () => sharpPhashPairs(set.dir, 10)],
  ] as const) {
    console.log(`running ${name} …`);
    const result = await run();
    peers.push({ name, run: result, scores: evaluatePairs(set, result.pairs) });
  }

  console.log();
  console.log(scoresTable(peers.map((p) => ({ name: p.name, scores: p.scores, wall: fmt(p.run.wallMs / 1000), perImage: fmt(p.run.wallMs / p.run.files) }))));
  for (const p of peers) {
    console.log(`\n${p.name}: first false positives`);
    for (const [a, b] of p.scores.falsePositiveExamples) console.log(`  ${a}  ~  ${b}`);
  }
  console.log(`\n${machineLine()}`);
}
