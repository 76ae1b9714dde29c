import sharp from 'sharp';
import { createMobileNetEmbedder } from '../ml/mobilenet-embedder.ts';
import { modelIdOf } from '../ml/mobilenet-info.ts';
import { analyzeImageFile } from './analyze-image.ts';
import { MediaError } from './media-error.ts';

export interface AnalyzeTask {
  path: string;
  maxPixels: number;
  thumbnailSize: number;
  ffmpegPath: string;
  heifConvertPath: string;
}

// One libvips thread per worker: the pool already runs one worker per core.
sharp.concurrency(1);

// One embedder per worker thread (TF.js runs single-threaded here); its model loads on first use.
const embedder = createMobileNetEmbedder();


/**
 * Runs in a worker thread: decode once, measure, thumbnail and embed. File-level failures come
 * back as values (error classes do not survive the thread boundary); anything else is thrown as
 * a bug.
 */
export default async function analyze(task: AnalyzeTask) {
  try {
    const a = await analyzeImageFile(task.path, { ...task, embedInputSize: embedder.model.inputSize });
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
        thumbnail: a.thumbnail.data,
        embedding: { model: modelIdOf(embedder.model), vector: vector! },
      },
    };
  } catch (err) {
    if (err instanceof MediaError) return { ok: false as const, reason: err.message };
    throw err;
  }
}
