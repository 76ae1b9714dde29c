import sharp from 'sharp';
import { workerData } from 'piscina';
import type { EmbedderConfig } from '../config/config.ts';
import { createEmbedder, modelIdOf } from '../ml/embedders.ts';
import { analyzeImageFile, embeddingInputsOfFile } from './analyze-image.ts';
import type { BoundingBox } from '../ports/media-processor.ts';
import { MediaError } from './media-error.ts';

export interface AnalyzeTask {
  /** `embed`: the embedding alone (a search anchor, a re-embedding), no thumbnail or quality. */
  kind: 'analyze' | 'embed';
  path: string;
  maxPixels: number;
  thumbnailSize: number;
  ffmpegPath: string;
  heifConvertPath: string;
  /** Embed only this part of the (upright) image: a similarity search's bounding box. */
  region?: BoundingBox;
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
  try {
    const embedder = await embedderReady;
    const size = embedder.model.inputSize;
    const embed = async (input: Buffer, copyDescriptor: Uint8Array) => {
      const [vector] = await embedder.embed([{ data: input, width: size, height: size, channels: 3 }]);
      return { model: modelIdOf(embedder.model), vector: vector!, copyDescriptor };
    };
    if (task.kind === 'embed') {
      const { embedInput, copyDescriptor } = await embeddingInputsOfFile(task.path, { ...task, embedInputSize: size });
      return { ok: true as const, result: { embedding: await embed(embedInput, copyDescriptor) } };
    }
    const a = await analyzeImageFile(task.path, { ...task, embedInputSize: size });
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
        embedding: await embed(a.embedInput!, a.copyDescriptor),
      },
    };
  } catch (err) {
    if (err instanceof MediaError) return { ok: false as const, reason: err.message };
    throw err;
  }
}
