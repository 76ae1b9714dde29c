/** Writes a caption for an image (CAPTION_IMAGES); an external service, so it may fail and be retried. */
export interface Captioner {
  /** What wrote the captions, recorded with each. */
  readonly model: string;
  /** The image is sent as a JPEG at most this many pixels on its longest side. */
  readonly maxSide: number;
  caption(jpeg: Buffer): Promise<string>;
}
