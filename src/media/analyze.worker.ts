import { rm } from 'node:fs/promises';
import sharp from 'sharp';
import { workerData } from 'piscina';
import type { EmbedderConfig } from '../config/config.ts';
import { createEmbedder, modelIdOf } from '../ml/embedders.ts';
import { analyzeImageFile } from './analyze-image.ts';
import type { Region } from '../ports/media-processor.ts';
import { MediaError } from './media-error.ts';

export interface AnalyzeTask {
  path: string;
  maxPixels: number;
  thumbnailSize: number;
  ffmpegPath: string;
  heifConvertPath: string;
  /** Analyse only this part of the (upright) image: a similarity search's bounding box. */
  region?: Region;
}

// One libvips thread per worker: the pool already runs one worker per core.
sharp.concurrency(1);

// One embedder per worker thread (each runs single-threaded); its model loads on first use.
const embedderReady = createEmbedder((workerData as { embedder: EmbedderConfig }).embedder);


/**
 * Runs in a worker thread: decode once, measure, thumbnail and embed. File-level failures come
 * back as values (error classes do not survive the thread boundary); anything else is thrown as
 * a bug.
 */
export default async function analyze(task: AnalyzeTask) {
  const cropped = task.region ? `${task.path}.region.png` : null;
  try {
    const embedder = await embedderReady;
    if (cropped) await cropTo(task, task.region!, cropped);
    const a = await analyzeImageFile(cropped ?? task.path, { ...task, embedInputSize: embedder.model.inputSize });
    const size = embedder.model.inputSize;
    const [vector] = await embedder.embed([{ data: a.embedInput!, width: size, height: size, channels: 3 }]);
    return {
      ok: true as const,
      result: {
        format: a.format,
        width: a.width,
        height: a.height,
        exif: a.exif,
        byteHash: a.byteHash,
        phash: a.phash,
        quality: a.quality,
        thumbnail: { data: a.thumbnail.data, format: a.thumbnail.format },
        embedding: { model: modelIdOf(embedder.model), vector: vector!, copyDescriptor: a.copyDescriptor },
      },
    };
  } catch (err) {
    if (err instanceof MediaError) return { ok: false as const, reason: err.message };
    throw err;
  } finally {
    if (cropped) await rm(cropped, { force: true });
  }
}

async function cropTo(task: AnalyzeTask, r: Region, out: string): Promise<void> {
  const image = sharp(task.path, { limitInputPixels: task.maxPixels }).rotate();
  const meta = await image.metadata().catch(() => null);
  if (meta === null) throw new MediaError('unsupported', 'unsupported or unrecognised image format');
  // Upright size: orientations 5–8 swap the sides.
  const [w, h] = (meta.orientation ?? 1) >= 5 ? [meta.height ?? 0, meta.width ?? 0] : [meta.width ?? 0, meta.height ?? 0];
  if (r.left + r.width > w || r.top + r.height > h) {
    throw new MediaError('unsupported', `bounding box ${r.left},${r.top},${r.width}×${r.height} is outside the ${w}×${h} image`);
  }
  await image
    .extract(r)
    .png()
    .toFile(out)
    .catch(() => {
      throw new MediaError('corrupt', 'the image could not be decoded');
    });
}
