/**
 * Where an indexed image's CPU time goes, step by step, in one thread: the steps of
 * src/media/analyze-image.ts and the embedder, run one after the other on every 8th file of the
 * labelled set (bench/neardup), then the whole analysis as the media workers run it.
 *
 *   node --import tsx bench/image-cost.ts
 *
 * Two passes; the second (warm) is printed. Figures are CPU ms per image (user + system, this
 * process: libvips' threads included). The server adds its own bookkeeping on the main thread
 * (queue, database, file checks, thumbnail write): compare with the CPU per image that
 * bench/neardup/run.ts reports for the whole server.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { analyzeImageFile, copyDescriptorOf } from '../src/media/analyze-image.ts';
import { areaResize } from '../src/media/area-resize.ts';
import { decodeImage } from '../src/media/image-decode.ts';
import { chromaOf, dctPhash, phashInputSize, qualityMetrics, toGray } from '../src/media/image-metrics.ts';
import { createMobileNetEmbedder } from '../src/ml/mobilenet-embedder.ts';
import { fmt, machineLine, removeDirs, table, tempDir } from './lib.ts';
import { labelledSet } from './neardup/labelled-set.ts';

// As in the media workers: one libvips thread per worker.
sharp.concurrency(1);

const set = await labelledSet();
const files = set.files.filter((_, i) => i % 8 === 0).map((f) => join(set.dir, f.file));
const cacheDir = await tempDir('strata-bench-image-cost-');
const embedder = createMobileNetEmbedder({}, { onnxCacheDir: cacheDir });
const size = embedder.model.inputSize;
const options = { maxPixels: 100_000_000, thumbnailSize: 256, embedInputSize: size };

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
let totals = new Map<string, number>();
async function step<R>(name: string, run: () => R | Promise<R>): Promise<R> {
  const before = cpuMs();
  const result = await run();
  totals.set(name, (totals.get(name) ?? 0) + cpuMs() - before);
  return result;
}

console.log(machineLine());
console.log(`${files.length} files of ${set.dir}`);
for (let pass = 0; pass < 2; pass++) {
  totals = new Map();
  for (const file of files) {
    const contents = await step('read the file (synchronously, as the workers do)', () => readFileSync(file));
    await step('SHA-256', () => createHash('sha256').update(contents).digest('hex'));
    const { pixels, width, height } = await step('decode to ≤ 512 px', () => decodeImage(file, { maxPixels: options.maxPixels, workingSize: 512, contents }));
    const gray = await step('gray', () => toGray(pixels.data, pixels.width, pixels.height, pixels.channels));
    await step('quality metrics', () => qualityMetrics(gray, chromaOf(pixels.data, pixels.channels)));
    await step('perceptual hash', () => dctPhash(areaResize(gray.data, gray.width, gray.height, 1, phashInputSize, phashInputSize)));
    await step('copy descriptor', () => copyDescriptorOf(pixels, gray));
    const raw = { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels } };
    const scale = Math.min(1, 256 / Math.max(width, height));
    await step('thumbnail (JPEG)', () =>
      sharp(pixels.data, raw)
        .resize(Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)), { fit: 'fill' })
        .jpeg({ quality: 80, optimiseCoding: false })
        .toBuffer(),
    );
    const input = await step('embedding input', () => sharp(pixels.data, raw).flatten({ background: '#ffffff' }).resize(size, size, { fit: 'fill' }).removeAlpha().raw().toBuffer());
    await step('embedding (ONNX Runtime)', () => embedder.embed([{ data: input, width: size, height: size, channels: 3 }]));
  }
  await step('whole analysis, as the workers run it', async () => {
    for (const file of files) {
      const a = await analyzeImageFile(file, options);
      await embedder.embed([{ data: a.embedInput!, width: size, height: size, channels: 3 }]);
    }
  });
}
await embedder.close();
await removeDirs([cacheDir]);

const perImage = (ms: number) => fmt(ms / files.length, 2);
const steps = [...totals].filter(([name]) => !name.startsWith('whole'));
console.log(
  table([
    ['step', 'CPU ms per image'],
    ...steps.map(([name, ms]) => [name, perImage(ms)]),
    ['sum of the steps', perImage(steps.reduce((sum, [, ms]) => sum + ms, 0))],
    ...[...totals].filter(([name]) => name.startsWith('whole')).map(([name, ms]) => [name, perImage(ms)]),
  ]),
);
console.log(machineLine());
