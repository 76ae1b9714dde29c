/**
 * `strata scan` benchmark (node --import tsx bench/scan.ts).
 *
 * Runs `strata scan <folder>` on the cached real photos (scripts/fetch-test-media.sh: 154
 * full-size photos and wallpapers) as a user would — a fresh process, a temporary data
 * directory, nothing running beforehand — and, in the same run on the same folder,
 * `findimagedupes -R -q <folder>` (no fingerprint database, so it fingerprints every file).
 * Prints each one's wall time and peak RSS (GNU time's %e and %M: the largest resident set of
 * the process it ran) and their ratios. The embedding model's ONNX export is cached between
 * scans (STRATA_CACHE_DIR, by default ~/.cache/strata); a first scan that writes it is run
 * once beforehand and not counted. Only prints figures.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fmt, machineLine, photoFiles, repoDir, table, tempDir, removeDirs } from './lib.ts';

interface Measured {
  seconds: number;
  maxRssKiB: number;
  stdout: string;
}

/** Runs a command under GNU time; its figures come last on stderr. */
async function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  const run = promisify(execFile)('/usr/bin/time', ['-f', 'TIME %e %M', cmd, ...args], { env, maxBuffer: 64 << 20 }).catch((err: { code?: number; stdout?: string; stderr?: string }) => {
    // findimagedupes exits 1 when it only warned; its figures are still there.
    if (err.stderr?.includes('TIME ') && err.code === 1) return { stdout: err.stdout ?? '', stderr: err.stderr };
    throw err;
  });
  const { stdout, stderr } = await run;
  const m = /TIME ([\d.]+) (\d+)\s*$/.exec(stderr);
  if (!m) throw new Error(`no timing from ${cmd}: ${stderr.slice(-500)}`);
  return { seconds: Number(m[1]), maxRssKiB: Number(m[2]), stdout };
}

const photos = await photoFiles();
const folder = photos[0]!.slice(0, photos[0]!.lastIndexOf('/'));
const cacheDir = join(repoDir, '.cache', 'bench-scan-model');
const out = await tempDir('strata-bench-scan-');
const env = { ...process.env, STRATA_CACHE_DIR: cacheDir, STRATA_LOG_LEVEL: 'warn' };
const scanArgs = [join(repoDir, 'bin/strata.mjs'), 'scan', folder, '--report', join(out, 'report.html')];

console.log(machineLine());
console.log(`folder: ${folder} (${photos.length} photos)`);
if (!existsSync(cacheDir)) {
  console.log('warming the model cache (first scan, not counted) …');
  await timed(process.execPath, scanArgs, env);
}
const strata = await timed(process.execPath, scanArgs, env);
const hasFid = existsSync('/usr/bin/findimagedupes');
const fid = hasFid ? await timed('findimagedupes', ['-q', '-R', '--', folder]) : null;
await removeDirs([out]);

const mib = (kib: number) => fmt(kib / 1024, 0);
const rows = [
  ['run', 'wall s', 'peak RSS MiB'],
  ['strata scan (+ HTML report)', fmt(strata.seconds), mib(strata.maxRssKiB)],
  ...(fid ? [['findimagedupes -R', fmt(fid.seconds), mib(fid.maxRssKiB)]] : []),
];
console.log(table(rows));
if (fid) console.log(`ratio strata / findimagedupes: wall ${fmt(strata.seconds / fid.seconds, 2)}×, peak RSS ${fmt(strata.maxRssKiB / fid.maxRssKiB, 2)}×`);
else console.log('findimagedupes is not installed (apt-get install findimagedupes): no reference run');
console.log(strata.stdout.trim());
