/**
 * Turns decoded images into embedding vectors: the input of the kNN graph behind duplicates,
 * clusters, outliers and similarity search (SPEC §5, §7).
 *
 * Decoding and resizing belong to the media worker (sharp); an embedder only sees RGB pixels
 * already at its model's `inputSize`, so the CPU-heavy image work stays in one place and the
 * embedder is easy to feed from tests. Each implementation documents how the caller must fit
 * an image into that square (`model.fit`).
 */
export interface EmbedderModel {
  /** Stable identifier stored beside every vector: vectors of different models never mix. */
  name: string;
  /** Changes whenever the same pixels could produce a different vector (weights, input size…). */
  version: string;
  /** Length of every returned vector. */
  dimension: number;
  /** Side of the square RGB input, in pixels. */
  inputSize: number;
  /**
   * How the caller maps an image onto the inputSize × inputSize square: `fill` stretches the
   * whole image (aspect ratio not kept, nothing cut away), as sharp's `fit: 'fill'`.
   */
  fit: 'fill';
}

/** 8-bit sRGB pixels, row-major, interleaved (R, G, B, R, …), no alpha. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

export interface Embedder {
  readonly model: EmbedderModel;
  /**
   * One L2-normalised vector per image, in input order. Every image must be exactly
   * inputSize × inputSize; batching several images is faster than one call each. The same
   * pixels always give the same vector, whatever batch they come in (to float rounding).
   */
  embed(images: readonly RgbImage[]): Promise<Float32Array[]>;
  /** Frees the model's memory; the embedder is unusable afterwards. Calling it twice is fine. */
  close(): Promise<void>;
}
