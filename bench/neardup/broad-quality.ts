/**
 * The blur, dark and bright issues on the broad set's originals (bench/neardup/broad-set.ts),
 * per kind: none of these packages was used to fit the thresholds (bench/quality/). Sharp
 * originals flagged blurry are false flags; each original is also blurred at the 512 px
 * analysis size (σ = 0.4 % of the long side, as src/media/blur-held-out.test.ts) to see what
 * share of real blur is caught. Dark and bright flags are listed by name: whether a flag is
 * right depends on the picture (a dark-mode wallpaper with nothing bright in it is dark).
 *
 *   node --import tsx bench/neardup/broad-quality.ts
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { analysisGrayOf } from '../../src/media/analyze-image.ts';
import { decodeImage } from '../../src/media/image-decode.ts';
import { blurScore, chromaOf, laplacianStats, qualityMetrics, toGray, type GrayImage } from '../../src/media/image-metrics.ts';
import { machineLine, table } from '../lib.ts';
import { broadSet, kinds } from './broad-set.ts';

const blurred = async (g: GrayImage): Promise<GrayImage> => {
  const data = await sharp(g.data, { raw: { width: g.width, height: g.height, channels: 1 } })
    .blur(0.004 * Math.max(g.width, g.height))
    .extractChannel(0)
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data), width: g.width, height: g.height };
};

console.log(machineLine());
const set = await broadSet({ log: console.log });
const rows = [['kind', 'originals', 'sharp flagged blurry', 'blurred copies caught', 'dark', 'bright']];
const flagged: string[] = [];
for (const kind of kinds) {
  const originals = set.files.filter((f) => f.kind === kind && f.edit === 'original');
  let falseBlur = 0;
  let caught = 0;
  const dark: string[] = [];
  const bright: string[] = [];
  for (const f of originals) {
    const { pixels } = await decodeImage(join(set.dir, f.file), { maxPixels: 200_000_000, workingSize: 512 });
    const gray = analysisGrayOf(toGray(pixels.data, pixels.width, pixels.height, pixels.channels));
    const q = qualityMetrics(gray, chromaOf(pixels.data, pixels.channels));
    if (q.blur >= 0.5) falseBlur++;
    if (blurScore(laplacianStats(await blurred(gray)).sharpness) >= 0.5) caught++;
    const name = `${f.source}:${f.group.split('_').slice(-2).join('.')}`;
    if (q.dark >= 0.5) dark.push(name);
    if (q.bright >= 0.5) bright.push(name);
  }
  const n = originals.length;
  const pct = (k: number) => `${((100 * k) / n).toFixed(0)} % (${k}/${n})`;
  rows.push([kind, String(n), pct(falseBlur), pct(caught), String(dark.length), String(bright.length)]);
  if (dark.length + bright.length > 0) flagged.push(`${kind}: ${[...dark.map((d) => `dark ${d}`), ...bright.map((b) => `bright ${b}`)].join(', ')}`);
}
console.log(table(rows));
for (const line of flagged) console.log(line);
