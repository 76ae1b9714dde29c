import sharp from 'sharp';
import { workerData } from 'piscina';
import type { EmbedderConfig, OnnxImageModelConfig } from '../config/config.ts';
import type { Detection } from '../domain/detection/detections.ts';
import type { Embedder } from '../ports/embedder.ts';
import { createEmbedder, modelIdOf } from '../ml/embedders.ts';
import { analyzeImageFile, embedInputOf, embeddingInputsOfFile } from './analyze-image.ts';
import type { BoundingBox } from '../ports/media-processor.ts';
import { MediaError } from './media-error.ts';
import { croppableImageOfFile, cropOf, detectionInputsOfFile, objectCropInputs } from './detect-objects.ts';
import type { ObjectDetector } from '../ml/centernet-detector.ts';

export interface AnalyzeTask {
  /**
   * `embed`: the embedding alone (a search anchor, a re-embedding), no thumbnail or quality.
   * `detect`: the image's COCO objects, each with the embedding of its crop; with `objects`,
   * those (imported) objects instead of the detector's.
   * `align`: the CLIP image tower's vectors of the image and of each of `boxes`.
   * `jpeg`: the upright image as a JPEG at most `maxSide` pixels (what a caption endpoint is sent).
   */
  kind: 'analyze' | 'embed' | 'detect' | 'align' | 'jpeg';
  path: string;
  maxPixels: number;
  thumbnailSize: number;
  ffmpegPath: string;
  heifConvertPath: string;
  /** Embed only this part of the (upright) image: a similarity search's bounding box. */
  region?: BoundingBox;
  objects?: Detection[];
  boxes?: Array<Detection['box']>;
  maxSide?: number;
}

// One libvips thread per worker: the pool already runs one worker per core.
sharp.concurrency(1);

const config = workerData as { embedder: EmbedderConfig; clipImage: OnnxImageModelConfig | null };
// One embedder per worker thread (each runs single-threaded); its model loads on first use.
const embedderReady = createEmbedder(config.embedder);
// The CLIP image tower, when configured, loads on the first text-aligned encoding only.
let clipImageReady: Promise<Embedder> | null = null;
const clipImage = (): Promise<Embedder> => {
  if (config.clipImage === null) throw new Error('no CLIP image tower is configured');
  const clip = config.clipImage;
  return (clipImageReady ??= import('../ml/onnx-embedder.ts').then((m) => m.createOnnxEmbedder(clip)));
};
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
    if (task.kind === 'align') {
      const clip = await clipImage();
      const side = clip.model.inputSize;
      const image = await croppableImageOfFile(task.path, task);
      const inputs = [await embedInputOf(image.pixels, side)];
      for (const box of task.boxes ?? []) inputs.push(await embedInputOf(await cropOf(image, box), side));
      const vectors = await clip.embed(inputs.map((data) => ({ data, width: side, height: side, channels: 3 })));
      return { ok: true as const, result: { image: vectors[0]!, objects: vectors.slice(1) } };
    }
    if (task.kind === 'jpeg') {
      const { pixels } = await croppableImageOfFile(task.path, task);
      const max = task.maxSide ?? 768;
      const jpeg = await sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels } })
        .flatten({ background: '#ffffff' })
        .resize(max, max, { fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: 85 })
        .toBuffer();
      return { ok: true as const, result: { jpeg } };
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
