/**
 * What the copy descriptor's local and border checks cost (src/domain/similarity/copy-verification.ts):
 * per image, the descriptor with its 32 × 32 grid against the 16 × 16 pattern alone, beside
 * the whole per-image analysis; per pair, the comparison with and without the local check,
 * over the candidate pairs the kNN graph holds for the first labelled set. One thread, warm.
 *
 *   node --import tsx bench/neardup/verification-cost.ts
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { descriptorCosine, gridsOf, packDescriptors } from '../../src/domain/similarity/copy-descriptor.ts';
import { alignment, isLookAlike } from '../../src/domain/similarity/copy-verification.ts';
import { areaResize } from '../../src/media/area-resize.ts';
import { analyzeImageFile, copyDescriptorOf } from '../../src/media/analyze-image.ts';
import { decodeImage, type DecodedImage } from '../../src/media/image-decode.ts';
import { toGray, type GrayImage } from '../../src/media/image-metrics.ts';
import { fmt } from '../lib.ts';
import { candidatePairs } from './calibrate.ts';
import { setFeatures } from './features.ts';
import { labelledSet } from './labelled-set.ts';

const maxPixels = 100_000_000;

/** CPU ms per call of f over items, second of two passes. */
function cpuMs<T>(items: readonly T[], f: (x: T) => unknown): number {
  let spent = 0;
  for (let pass = 0; pass < 2; pass++) {
    const start = process.cpuUsage();
    for (const x of items) f(x);
    const used = process.cpuUsage(start);
    spent = (used.user + used.system) / 1000;
  }
  return spent / items.length;
}

async function cpuMsAsync<T>(items: readonly T[], f: (x: T) => Promise<unknown>): Promise<number> {
  let spent = 0;
  for (let pass = 0; pass < 2; pass++) {
    const start = process.cpuUsage();
    for (const x of items) await f(x);
    const used = process.cpuUsage(start);
    spent = (used.user + used.system) / 1000;
  }
  return spent / items.length;
}

/** The central 80 % at 16 × 16 only: what the descriptor cost before its fine grid. */
function coarseOnly(gray: GrayImage): Float32Array {
  const width = Math.round(gray.width * 0.8);
  const height = Math.round(gray.height * 0.8);
  return areaResize(gray.data, gray.width, gray.height, 1, 16, 16, { left: Math.floor((gray.width - width) / 2), top: Math.floor((gray.height - height) / 2), width, height });
}

async function main(): Promise<void> {
  sharp.concurrency(1);
  const set = await labelledSet();
  const files = set.files.filter((_, i) => i % 8 === 0).map((f) => join(set.dir, f.file));
  const decoded: Array<{ pixels: DecodedImage['pixels']; gray: GrayImage }> = [];
  for (const file of files) {
    const { pixels } = await decodeImage(file, { maxPixels, workingSize: 512 });
    decoded.push({ pixels, gray: toGray(pixels.data, pixels.width, pixels.height, pixels.channels) });
  }
  const analysis = await cpuMsAsync(files, (file) => analyzeImageFile(file, { maxPixels, thumbnailSize: 256, embedInputSize: 160 }));
  const withGrid = cpuMs(decoded, (d) => copyDescriptorOf(d.pixels, d.gray));
  const coarse = cpuMs(decoded, (d) => coarseOnly(d.gray));
  console.log(`per image (${files.length} files, 512 px gray, one thread): descriptor with the 32 × 32 grid ${fmt(withGrid, 3)} ms, 16 × 16 only ${fmt(coarse, 3)} ms; whole analysis (no embedding) ${fmt(analysis, 1)} ms; the grid adds ${fmt(((withGrid - coarse) / analysis) * 100, 1)} % of it`);

  const { features } = await setFeatures(set);
  const cands = candidatePairs(features);
  const packed = packDescriptors(features.map((f) => f.copyDescriptor));
  const grids = (i: number) => gridsOf(features[i]!.copyDescriptor);
  const full = cpuMs(cands, (c) => descriptorCosine(packed, c.i, c.j));
  const local = cpuMs(cands, (c) => isLookAlike(alignment(grids(c.i), grids(c.j))));
  const lookAlikes = cands.filter((c) => descriptorCosine(packed, c.i, c.j) === 0).length;
  console.log(
    `per candidate pair (${cands.length} pairs, k = 10, ${features.length} files): comparison with the checks ${fmt(full * 1000, 1)} µs, ` +
      `the local and border checks alone ${fmt(local * 1000, 1)} µs; per image (pairs / files × comparison) ${fmt((full * cands.length) / features.length, 2)} ms ` +
      `(${lookAlikes} pairs called look-alikes)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
