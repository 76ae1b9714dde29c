/**
 * The issues read off an image's dimensions: odd_aspect_ratio for the image alone, odd_size
 * against the dataset's typical size. Scores are 0 … 1 like the other quality scores, an issue
 * from the configured threshold (0.5 by default) on.
 */

import { ramp } from './issues.ts';
import { quantile } from './robust-stats.ts';

/** 0 up to a long side twice the short one, 0.5 at 2.5 : 1, 1 from 3 : 1 (a banner, a strip). */
export function oddAspectRatioScore(width: number, height: number): number {
  if (width <= 0 || height <= 0) return 0;
  return ramp(aspectRatioOf(width, height), 2, 3);
}

/** Long side ÷ short side, ≥ 1. */
export function aspectRatioOf(width: number, height: number): number {
  return Math.max(width, height) / Math.max(1, Math.min(width, height));
}

/**
 * For each image, how far its size (√(width × height), the side of a square of as many pixels)
 * is from the dataset's median size, in octaves: 0 within a factor 2, 0.5 at a factor 4 (a
 * 1000 px photo among 4000 px ones, or the reverse), 1 from a factor 8. Datasets of fewer than
 * 3 images have no typical size: all 0. Also returns the median, the figure behind the score.
 */
export function oddSizeScores(sizes: ReadonlyArray<{ width: number; height: number }>): { scores: Float32Array; medianSize: number } {
  const scores = new Float32Array(sizes.length);
  const logSides = Float32Array.from(sizes, ({ width, height }) => Math.log2(Math.max(1, Math.sqrt(width * height))));
  const typical = quantile(logSides, 0.5);
  if (sizes.length < 3) return { scores, medianSize: sizes.length ? 2 ** typical : 0 };
  logSides.forEach((s, i) => (scores[i] = ramp(Math.abs(s - typical), 1, 3)));
  return { scores, medianSize: 2 ** typical };
}
