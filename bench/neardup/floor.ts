/**
 * The per-image CPU cost of Strata's analysis without the server, in this process and one
 * thread (libvips and ONNX Runtime on one thread each, as in a media worker), for the speed
 * section of bench/neardup/run.ts:
 *
 * - "embedding floor": only what a duplicate level cannot do without — read the file, SHA-256
 *   (identical files), decode at the embedder's input size (JPEGs shrink on load), the copy
 *   descriptor, the embedder's input and the embedding. No thumbnail, no quality metrics, no
 *   perceptual hash, no database. A lower bound on what any configuration of Strata spends
 *   per image.
 * - "floor with quality": the same, decoded at 512 px instead, plus blur/dark/bright measured
 *   there (SPEC §5 asks for quality scores; 512 px is the size the blur measure needs, see
 *   analysisSize in src/media/analyze-image.ts). Still no thumbnail, no hash, no database.
 * - "per-image analysis": what a media worker runs for every image (analyzeImageFile, then the
 *   embedding): the floor with quality plus the thumbnail and the perceptual hash.
 *
 * Each is run twice over the same files; the second (warm) pass is kept.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { analyzeImageFile, copyDescriptorOf, embedInputOf } from '../../src/media/analyze-image.ts';
import { decodeImage } from '../../src/media/image-decode.ts';
import { chromaOf, qualityMetrics, toGray } from '../../src/media/image-metrics.ts';
import { createMobileNetEmbedder } from '../../src/ml/mobilenet-embedder.ts';
import { removeDirs, tempDir } from '../lib.ts';

export interface AnalysisCost {
  files: number;
  /** CPU ms per image. */
  embeddingFloorMs: number;
  floorWithQualityMs: number;
  analysisMs: number;
}

const maxPixels = 100_000_000;

export async function analysisCost(files: readonly string[]): Promise<AnalysisCost> {
  const cacheDir = await tempDir('strata-bench-floor-');
  const embedder = createMobileNetEmbedder({}, { onnxCacheDir: cacheDir });
  const size = embedder.model.inputSize;
  const embed = (data: Buffer) => embedder.embed([{ data, width: size, height: size, channels: 3 }]);
  const threadsBefore = sharp.concurrency();
  sharp.concurrency(1);
  try {
    const floor = (workingSize: number, quality: boolean) => async (file: string) => {
      const contents = readFileSync(file);
      createHash('sha256').update(contents).digest('hex');
      const { pixels } = await decodeImage(file, { maxPixels, workingSize, contents });
      const gray = toGray(pixels.data, pixels.width, pixels.height, pixels.channels);
      if (quality) qualityMetrics(gray, chromaOf(pixels.data, pixels.channels));
      copyDescriptorOf(pixels, gray);
      await embed(await embedInputOf(pixels, size));
    };
    const analysis = async (file: string) => {
      const a = await analyzeImageFile(file, { maxPixels, thumbnailSize: 256, embedInputSize: size });
      await embed(a.embedInput!);
    };
    return {
      files: files.length,
      embeddingFloorMs: await warmCpuMs(files, floor(size, false)),
      floorWithQualityMs: await warmCpuMs(files, floor(512, true)),
      analysisMs: await warmCpuMs(files, analysis),
    };
  } finally {
    sharp.concurrency(threadsBefore);
    await embedder.close();
    await removeDirs([cacheDir]);
  }
}

async function warmCpuMs(files: readonly string[], run: (file: string) => Promise<void>): Promise<number> {
  let perImage = NaN;
  for (let pass = 0; pass < 2; pass++) {
    const before = process.cpuUsage();
    for (const file of files) await run(file);
    const used = process.cpuUsage(before);
    perImage = (used.user + used.system) / 1000 / files.length;
  }
  return perImage;
}
