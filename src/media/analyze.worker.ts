import sharp from 'sharp';
import { workerData } from 'piscina';
import type { EmbedderConfig } from '../config/config.ts';
import { createEmbedder, modelIdOf } from '../ml/embedders.ts';
import { analyzeImageFile, embeddingInputsOfFile } from './analyze-image.ts';
import type { BoundingBox } from '../ports/media-processor.ts';
import { MediaError } from './media-error.ts';
import { detectionInputsOfFile, objectCropInputs } from './detect-objects.ts';
import type { ObjectDetector } from '../ml/centernet-detector.ts';
import type { Detection } from '../domain/detection/detections.ts';

export interface AnalyzeTask {
  /**
   * `embed`: the embedding alone (a search anchor, a re-embedding), no thumbnail or quality.
   * `detect`: the image's COCO objects, each with the embedding of its crop; with `objects`,
   * those (imported) objects instead of the detector's.
   */
  kind: 'analyze' | 'embed' | 'detect';
  path: string;
  maxPixels: number;
  thumbnailSize: number;
  ffmpegPath: string;
  heifConvertPath: string;
  /** Embed only this part of the (upright) image: a similarity search's bounding box. */
  region?: BoundingBox;
  objects?: Detection[];
}

// One libvips thread per worker: the pool already runs one worker per core.
sharp.concurrency(1);

// One embedder per worker thread (each runs single-threaded); its model loads on first use.
const embedderReady = createEmbedder((workerData as { embedder: EmbedderConfig }).embedder);
// The detector loads on the first detection only: indexing alone never pays for it.
let detectorReady: Promise<ObjectDetector> | null = null;
const detector = (): Promise<ObjectDetector> =>
  (detectorReady ??= import('../ml/centernet-detector.ts').then((m) => m.createCenterNetDetector()));

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
    if (task.kind === 'detect') {
      const { centerNetInputSize } = await import('../ml/centernet-detector.ts');
      const inputs = await detectionInputsOfFile(task.path, { ...task, detectorSize: centerNetInputSize });
      const detections =
        task.objects ??
        (await (await detector()).detect(
          { data: inputs.detectorInput, width: centerNetInputSize, height: centerNetInputSize, channels: 3 },
          { width: inputs.width, height: inputs.height },
        ));
      const objects = [];
      for (const d of detections) {
        const { embedInput, copyDescriptor } = await objectCropInputs(inputs, d.box, size);
        objects.push({ ...d, embedding: await embed(embedInput, copyDescriptor) });
      }
      return { ok: true as const, result: { width: inputs.width, height: inputs.height, objects } };
    }
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
