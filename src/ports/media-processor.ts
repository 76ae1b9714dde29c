import type { Detection } from '../domain/detection/detections.ts';
import type { Quality } from '../domain/types.ts';

export interface AnalyzedImage {
  format: string;
  width: number;
  height: number;
  exif: Record<string, string | number> | null;
  byteHash: string;
  phash: string;
  quality: Quality;
  thumbnail: Thumbnail;
  embedding: Embedding;
}

/** A rectangle of an image, in whole pixels from its top-left corner. */
export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * A search's bounding box: whole pixels of the upright image, or fractions (0–1) of its width
 * and height as Visual Layer's docs give it — which of the two only the decoder can turn into
 * a rectangle, once it knows the image's size.
 */
export interface BoundingBox {
  unit: 'pixels' | 'fractions';
  left: number;
  top: number;
  width: number;
  height: number;
}

/** JPEG, or WebP for images with transparency (which JPEG cannot keep). */
export interface Thumbnail {
  data: Buffer;
  format: 'jpeg' | 'webp';
}

/** An image's embedding, labelled with the model (name@version) that produced it. */
export interface Embedding {
  model: string;
  /** L2-normalised. */
  vector: Float32Array;
  /**
   * 256 gray levels (16 × 16, contrast-stretched), then the darkest and brightest of them before
   * stretching: compared between candidate pairs to tell a copy from a look-alike (calibrated
   * levels, SPEC §7; domain/similarity/copy-descriptor.ts).
   */
  copyDescriptor: Uint8Array;
}

/** An object found in an image, with the embedding of its crop (objects get similarity too). */
export interface DetectedObject extends Detection {
  embedding: Embedding;
}

export interface VideoFrameFile {
  path: string;
  index: number;
  timestampSeconds: number;
}

/**
 * CPU-heavy media work, run off the event loop. Failures that belong to the file (corrupt,
 * unsupported, too large) reject with a MediaFailure whose message is shown to users.
 */
export interface MediaProcessor {
  /** name@version of the embeddings analyzeImage returns (known without loading the model). */
  readonly embeddingModel: string;
  analyzeImage(path: string): Promise<AnalyzedImage>;
  /**
   * The embedding alone, for a search anchor or a re-embedding: cheaper than analyzeImage (no
   * hash, quality or thumbnail). With `region`, of that rectangle of the upright image only.
   */
  embedImage(path: string, options?: { region?: BoundingBox }): Promise<Embedding>;
  /** The image's COCO objects (boxes in displayed pixels), most confident first. */
  detectObjects(path: string): Promise<DetectedObject[]>;
  /** Objects known beforehand (imported boxes in displayed pixels), cropped and embedded as detected ones are. */
  embedObjects(path: string, objects: readonly Detection[]): Promise<DetectedObject[]>;
  /** clipModelIdOf the configured CLIP pair; null when there is none. */
  readonly textAlignedModel: string | null;
  /**
   * The configured CLIP image tower's vectors (L2-normalised) of the whole image and of each box
   * (in displayed pixels): what a text's vector is compared with.
   */
  textAlignedVectors(path: string, boxes: ReadonlyArray<Detection['box']>): Promise<{ image: Float32Array; objects: Float32Array[] }>;
  /** The upright image as a JPEG no larger than maxSide on its longest side. */
  jpegOf(path: string, maxSide: number): Promise<Buffer>;
  probeVideo(path: string): Promise<Record<string, unknown>>;
  extractFrames(path: string, outDir: string): Promise<VideoFrameFile[]>;
  close(): Promise<void>;
}

/** A failure of the item itself, as opposed to a bug or an infrastructure fault. */
export class MediaFailure extends Error {
  override name = 'MediaFailure';
}
