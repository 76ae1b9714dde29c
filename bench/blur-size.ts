/**
 * At what size the blur measure has to look: the full-size photos (bench/lib.ts photoFiles)
 * and Gaussian-blurred copies of each, sigma 0.1 %, 0.2 % and 0.4 % of the long side (0.4 % of
 * a 4000 px photo is 16 px: a visibly soft picture on screen), re-encoded as JPEG. Each is
 * decoded to 512, 384 and 256 px and its Laplacian variance measured, as
 * src/media/analyze-image.ts does at its analysisSize.
 *
 *   node --import tsx bench/blur-size.ts
 *
 * Prints, per size: the originals' median variance and how many fall under 100 (the blur
 * score's midpoint), and per blur strength the median, how many fall under 100, and the AUC
 * of telling the blurred copies from the originals by variance (1 = always, 0.5 = chance).
 * Some originals are soft themselves (scans, shallow focus), so no size reaches 1.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { decodeImage } from '../src/media/image-decode.ts';
import { laplacianStats, toGray } from '../src/media/image-metrics.ts';
import { auc, fmt, machineLine, photoFiles, table } from './lib.ts';

const shares = [0.001, 0.002, 0.004];
const sizes = [512, 384, 256];
const cutOff = 100;

const files = await photoFiles();
console.log(machineLine());
console.log(`${files.length} photos, each with ${shares.length} blurred copies, measured at ${sizes.join(', ')} px`);

/** variance[strength][size]: one value per photo; strength 0 is the original. */
const variance = [0, ...shares].map(() => sizes.map((): number[] => []));
for (const file of files) {
  const original = readFileSync(file);
  const { width = 0, height = 0 } = await sharp(original).metadata();
  const versions: Buffer[] = [original];
  for (const share of shares) {
    versions.push(await sharp(original).rotate().blur(Math.max(0.3, share * Math.max(width, height))).jpeg({ quality: 92 }).toBuffer());
  }
  for (const [strength, contents] of versions.entries()) {
    for (const [s, size] of sizes.entries()) {
      const { pixels } = await decodeImage(file, { maxPixels: 200_000_000, workingSize: size, contents });
      variance[strength]![s]!.push(laplacianStats(toGray(pixels.data, pixels.width, pixels.height, pixels.channels)).variance);
    }
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const under = (values: number[]) => `${values.filter((v) => v < cutOff).length}/${values.length}`;

const rows = [['size px', 'version', 'median variance', `under ${cutOff}`, 'AUC vs originals']];
for (const [s, size] of sizes.entries()) {
  const originals = variance[0]![s]!;
  rows.push([String(size), 'original', fmt(median(originals), 0), under(originals), '']);
  for (const [i, share] of shares.entries()) {
    const blurred = variance[i + 1]![s]!;
    rows.push(['', `blur σ ${fmt(share * 100, 1)} %`, fmt(median(blurred), 0), under(blurred), fmt(auc(blurred, originals), 3)]);
  }
}
console.log(table(rows));
console.log(machineLine());
