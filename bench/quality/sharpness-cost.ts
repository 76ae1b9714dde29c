/**
 * CPU of the blur figures per 512 px image: the former Laplacian variance alone against
 * laplacianStats (variance and tile sharpness in one pass), over the quality sample, warm.
 *
 *   node --import tsx bench/quality/sharpness-cost.ts
 */
import { laplacianStats, type GrayImage } from '../../src/media/image-metrics.ts';
import { qualitySample } from './sample.ts';
/** The former blur measure, as it was, for comparison. */
function laplacianVariance({ data, width, height }: GrayImage): number {
  let sum = 0, sumSquares = 0;
  for (let y = 1; y < height - 1; y++) { let rowSum = 0, rowSquares = 0;
    for (let i = y * width + 1, end = y * width + width - 1; i < end; i++) { const v = data[i - 1]! + data[i + 1]! + data[i - width]! + data[i + width]! - 4 * data[i]!; rowSum += v; rowSquares += v * v; }
    sum += rowSum; sumSquares += rowSquares; }
  const n = (width - 2) * (height - 2); const mean = sum / n; return sumSquares / n - mean * mean;
}
const imgs = (await qualitySample()).map((s) => s.versions[0]!);
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
for (let pass = 0; pass < 3; pass++) {
  let t = cpu(); let x = 0; for (const g of imgs) x += laplacianVariance(g); const a = (cpu() - t) / imgs.length;
  t = cpu(); for (const g of imgs) x += laplacianStats(g).variance; const b = (cpu() - t) / imgs.length;
  console.log(`old ${a.toFixed(3)} ms, new ${b.toFixed(3)} ms per image`, x > 0);
}
