/**
 * Near duplicates on pictures the levels were not fitted on: the held-out packages of the
 * broad set (bench/neardup/broad-set.ts), indexed by a real server, scored per kind of picture
 * against findimagedupes and sharp-phash on the same folder.
 *
 *   node --import tsx bench/neardup/broad.ts
 *
 * Only the held-out files are indexed (hard links in a temporary folder), as one dataset, so a
 * false pair can join two kinds; such a pair counts against both (evaluate.ts evaluateByPart).
 * Prints figures only; BENCH_KEEP=1 keeps the temp dirs.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildFolder, fmt, machineLine, removeDirs, table, tempDir } from '../lib.ts';
import { broadSet, kinds, splitOf, type BroadSet } from './broad-set.ts';
import { withoutAmbiguousCopies } from './ambiguous-copies.ts';
import { evaluateByPart, evaluatePairs, type Pair, type PartScores } from './evaluate.ts';
import { findimagedupesPairs, sharpPhashPairs } from './peers.ts';
import { duplicatePairs, indexFolder, listMediaNames, startWarmStrata } from './run.ts';

/** The held-out files in a folder of their own (hard links), for a server or a peer to read. */
export async function heldOutFolder(set: BroadSet): Promise<{ dir: string; heldOut: BroadSet }> {
  // The watermark copies of near-uniform pictures are neither copies nor look-alikes to score on.
  const heldOut = splitOf((await withoutAmbiguousCopies(set)).set, 'held-out');
  const dir = await tempDir('strata-bench-broad-');
  await buildFolder(dir, heldOut.files.map((f) => join(set.dir, f.file)), heldOut.files.length);
  return { dir, heldOut: { dir, files: heldOut.files } };
}

/** Per kind (and 'all'): precision and recall of one tool's pairs. */
export function kindScores(set: BroadSet, pairs: readonly Pair[]): Map<string, PartScores> {
  const kindOf = new Map(set.files.map((f) => [f.file, f.kind as string]));
  const byKind = evaluateByPart(set, pairs, (file) => kindOf.get(file)!);
  const all = evaluatePairs(set, pairs);
  byKind.set('all', { precision: all.precision, recall: all.recall, tp: all.tp, fp: all.fp, fn: all.fn });
  return byKind;
}

async function main(): Promise<void> {
  console.log('Strata near duplicates on held-out packages, per kind');
  console.log(machineLine());
  const set = await broadSet({ log: console.log });
  const { dir, heldOut } = await heldOutFolder(set);
  const packages = [...new Set(heldOut.files.map((f) => `${f.source} (${f.kind})`))];
  console.log(`held out: ${heldOut.files.length} files from ${packages.join(', ')}`);
  const dataDir = await tempDir('strata-bench-broad-data-');
  const columns: Array<[string, Map<string, PartScores>]> = [];
  try {
    const strata = await startWarmStrata(dataDir, dir);
    try {
      const indexed = await indexFolder(strata, strata.credentials.token, dir);
      console.log(`strata: ${indexed.dataset.status_new}, ${indexed.dataset.n_images} images in ${fmt(indexed.ms / 1000, 1)} s`);
      const names = await listMediaNames(strata.url, strata.credentials.token, indexed.id);
      const dups = await duplicatePairs(strata.url, strata.credentials.token, indexed.id, names, [0.96], 16);
      columns.push(['Strata 0.96', kindScores(heldOut, dups.byLevel.get(0.96)!.pairs)]);
      const fp = evaluatePairs(heldOut, dups.byLevel.get(0.96)!.pairs).falsePositiveExamples;
      for (const [a, b] of fp) console.log(`  false pair: ${a}  ~  ${b}`);
    } finally {
      await strata.stop();
    }
    if (spawnSync('sh', ['-c', 'command -v findimagedupes'], { stdio: 'ignore' }).status === 0) {
      columns.push(['findimagedupes 90%', kindScores(heldOut, (await findimagedupesPairs(dir, 90)).pairs)]);
    } else {
      console.log('findimagedupes: not installed, skipped (Debian: apt-get install findimagedupes)');
    }
    columns.push(['sharp-phash ≤10', kindScores(heldOut, (await sharpPhashPairs(dir, 10)).pairs)]);
  } finally {
    await removeDirs([dir, dataDir]);
  }
  const pct = (x: number) => (Number.isNaN(x) ? '-' : fmt(100 * x, 1));
  const rows = [['kind', 'true pairs', ...columns.flatMap(([name]) => [`${name} P %`, 'R %'])]];
  for (const kind of [...kinds, 'all']) {
    const first = columns[0]![1].get(kind)!;
    rows.push([kind, String(first.tp + first.fn), ...columns.flatMap(([, s]) => [pct(s.get(kind)!.precision), pct(s.get(kind)!.recall)])]);
  }
  console.log(`\n${table(rows)}`);
  console.log(`\n${machineLine()}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
