import sharp from 'sharp';
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

/**
 * Runs in a worker thread. File-level failures come back as values (error classes do not
 * survive the thread boundary); anything else is thrown as a bug.
 */
export default async function analyze(task: AnalyzeTask) {
  try {
    const a = await analyzeImageFile(task.path, task);
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
      },
    };
  } catch (err) {
    if (err instanceof MediaError) return { ok: false as const, reason: err.message };
    throw err;
  }
}
