/**
 * Pure pixel maths behind the per-image analysis: perceptual hash and quality metrics over
 * 8-bit grayscale buffers. No decoding here, so every number can be tested on synthetic
 * arrays and reused by anything that has pixels (video frames, say).
 */

import { ramp } from '../domain/similarity/issues.ts';
import type { Quality } from '../domain/types.ts';

export interface GrayImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The quality measurements stored per item (see domain/types.ts). */
export type QualityMetrics = Quality;

/** Pixels at or below this luma count as dark, at or above `brightLevel` as bright. */
export const darkLevel = 20;
export const brightLevel = 235;
/** Pixels from this luma on have clipped at white: the exposure ran out of range there. */
export const clippedLevel = 254;

/**
 * Transparent pixels are measured as if laid over mid-grey: over white or black, a logo or an
 * overlay texture drawn in that colour would vanish (same hash for all of them) and the image
 * would count as bright or dark for what is really just its background.
 */
export const alphaBackdrop = 128;

/**
 * Rec. 601 luma of interleaved RGB or RGBA, the weighting JPEG and most blur literature use,
 * rounded; in integers (per mille weights), since this runs over every pixel of every image.
 * Transparent pixels are laid over `backdrop` (mid grey unless said otherwise).
 */
export function toGray(pixels: Uint8Array, width: number, height: number, channels: 3 | 4, backdrop = alphaBackdrop): GrayImage {
  const data = new Uint8Array(width * height);
  if (channels === 3) {
    for (let i = 0, p = 0; i < data.length; i++, p += 3) {
      data[i] = ((299 * pixels[p]! + 587 * pixels[p + 1]! + 114 * pixels[p + 2]! + 500) / 1000) | 0;
    }
  } else {
    // luma·α + backdrop·(1 − α) with α = a / 255, all scaled by 255 000.
    for (let i = 0, p = 0; i < data.length; i++, p += 4) {
      const a = pixels[p + 3]!;
      const luma = 299 * pixels[p]! + 587 * pixels[p + 1]! + 114 * pixels[p + 2]!;
      data[i] = ((luma * a + backdrop * 1000 * (255 - a) + 127_500) / 255_000) | 0;
    }
  }
  return { data, width, height };
}

/** Side of the square tiles over which sharpness is measured (at the 512 px analysis size). */
export const sharpnessTile = 32;
/**
 * A tile whose gray levels have a standard deviation under this is flat (sky, a gradient, a
 * bokeh background): it says nothing about focus, so it is left out of the sharpness.
 */
export const structuredTileStd = 8;
/** Fewer structured tiles than this and the image has no structure to judge: no sharpness. */
const minStructuredTiles = 3;
/** Sharpness is this quantile of the structured tiles' (the sharper part, not the average). */
const sharpnessQuantile = 0.75;

export interface LaplacianStats {
  /** Variance of the 4-neighbour Laplacian over interior pixels (the classic blur figure). */
  variance: number;
  /**
   * Of the tiles with structure, the 75th percentile of RMS Laplacian ÷ RMS gradient; null when
   * fewer than 3 tiles have structure. Across an edge blurred over a width w, the gradient
   * falls as 1/w and the Laplacian as 1/w², so the ratio measures edge width alone: not the
   * edge's contrast, nor how many edges the tile holds (a sharp low-contrast subject and a
   * sparse drawing still read as sharp). Taking the sharper end of the tiles is what tells a
   * shallow-focus photo (sharp subject, soft background) from a blurred one; leaving flat
   * tiles out is what keeps smooth gradients from reading as blur (bench/quality/blur.ts).
   */
  sharpness: number | null;
}

/**
 * Both blur figures in one pass over the image: sums per tile of the squares of the Laplacian
 * and of the gradient (forward differences), and of the gray levels and their squares, over
 * interior pixels.
 */
export function laplacianStats({ data, width, height }: GrayImage): LaplacianStats {
  if (width < 3 || height < 3) return { variance: 0, sharpness: null };
  const tile = sharpnessTile;
  const columns = Math.ceil(width / tile);
  const tiles = columns * Math.ceil(height / tile);
  const lapSquares = new Float64Array(tiles);
  const gradSquares = new Float64Array(tiles);
  const levels = new Float64Array(tiles);
  const levelSquares = new Float64Array(tiles);
  const counts = new Float64Array(tiles);
  let sum = 0;
  for (let y = 1; y < height - 1; y++) {
    const row = ((y / tile) | 0) * columns;
    for (let x0 = 1; x0 < width - 1; x0 = (((x0 / tile) | 0) + 1) * tile) {
      const t = row + ((x0 / tile) | 0);
      // Per-run sums stay small integers, which V8 adds faster than Float64Array slots.
      let lapSum = 0;
      let lapSquareSum = 0;
      let gradSquareSum = 0;
      let levelSum = 0;
      let levelSquareSum = 0;
      const end = y * width + Math.min(width - 1, (((x0 / tile) | 0) + 1) * tile);
      for (let i = y * width + x0; i < end; i++) {
        const c = data[i]!;
        const v = data[i - 1]! + data[i + 1]! + data[i - width]! + data[i + width]! - 4 * c;
        lapSum += v;
        lapSquareSum += v * v;
        const dx = data[i + 1]! - c;
        const dy = data[i + width]! - c;
        gradSquareSum += dx * dx + dy * dy;
        levelSum += c;
        levelSquareSum += c * c;
      }
      sum += lapSum;
      lapSquares[t] = lapSquares[t]! + lapSquareSum;
      gradSquares[t] = gradSquares[t]! + gradSquareSum;
      levels[t] = levels[t]! + levelSum;
      levelSquares[t] = levelSquares[t]! + levelSquareSum;
      counts[t] = counts[t]! + end - (y * width + x0);
    }
  }
  let sumSquares = 0;
  const ratios: number[] = [];
  for (let t = 0; t < tiles; t++) {
    sumSquares += lapSquares[t]!;
    const n = counts[t]!;
    // Partial tiles at the right and bottom edges count when at least half full.
    if (n < (tile * tile) / 2) continue;
    const mean = levels[t]! / n;
    const std = Math.sqrt(Math.max(0, levelSquares[t]! / n - mean * mean));
    if (std >= structuredTileStd) ratios.push(Math.sqrt(lapSquares[t]! / gradSquares[t]!));
  }
  const n = (width - 2) * (height - 2);
  const mean = sum / n;
  ratios.sort((a, b) => a - b);
  return {
    variance: sumSquares / n - mean * mean,
    sharpness: ratios.length < minStructuredTiles ? null : ratios[Math.round(sharpnessQuantile * (ratios.length - 1))]!,
  };
}

/** The quality figures of the 512 px gray image, with the colour figure measured beside it (see chromaOf). */
export function qualityMetrics(gray: GrayImage, chroma: number): QualityMetrics {
  const { data } = gray;
  const histogram = new Uint32Array(256);
  for (let i = 0; i < data.length; i++) histogram[data[i]!]!++;
  let sum = 0;
  let darkCount = 0;
  let brightCount = 0;
  let clippedCount = 0;
  for (let v = 0; v < 256; v++) {
    sum += v * histogram[v]!;
    if (v <= darkLevel) darkCount += histogram[v]!;
    else if (v >= brightLevel) brightCount += histogram[v]!;
    if (v >= clippedLevel) clippedCount += histogram[v]!;
  }
  const n = Math.max(1, data.length);
  const { variance: blurVariance, sharpness } = laplacianStats(gray);
  const brightnessMean = sum / n;
  const darkFraction = darkCount / n;
  const brightFraction = brightCount / n;
  const clippedFraction = clippedCount / n;
  const shadowLevel = levelAt(histogram, n, 0.05);
  const highlightLevel = levelAt(histogram, n, 0.99);
  const entropy = entropyOf(histogram, n);
  const modeFraction = modeFractionOf(histogram, n);
  return {
    blurVariance,
    sharpness,
    brightnessMean,
    darkFraction,
    brightFraction,
    shadowLevel,
    highlightLevel,
    clippedFraction,
    entropy,
    modeFraction,
    chroma,
    blur: blurScore(sharpness),
    dark: darkScore(brightnessMean, darkFraction, highlightLevel),
    bright: brightScore(brightnessMean, brightFraction, shadowLevel, clippedFraction),
    lowInformation: lowInformationScore(entropy),
    grayscale: grayscaleScore(chroma),
  };
}

/** The gray level under which a share q of the n pixels lie (the q-quantile of the histogram). */
function levelAt(histogram: Uint32Array, n: number, q: number): number {
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += histogram[v]!;
    if (seen > q * (n - 1)) return v;
  }
  return 255;
}

/** Shannon entropy of the gray levels, in bits: 0 for one flat colour, 1 for two equal halves, ~7 for a photo. */
function entropyOf(histogram: Uint32Array, n: number): number {
  let entropy = 0;
  for (const count of histogram) {
    if (count > 0) entropy -= (count / n) * Math.log2(count / n);
  }
  return entropy;
}

/**
 * The share of pixels at the commonest gray level: a rendered picture's flat window, page or
 * background (median 0.37 for IDE screenshots, 0.52 for diagrams, 0.84 for logos), where a
 * photo's noise and shading spread every area over several levels (median 0.03 for photos and
 * wallpapers). One of the kind figures of the outlier rule (domain/similarity/kind-figures.ts).
 */
function modeFractionOf(histogram: Uint32Array, n: number): number {
  let most = 0;
  for (const count of histogram) most = Math.max(most, count);
  return most / n;
}

/**
 * ramp(entropy from 3 bits down to 1): 0.5 at 2 bits, as CleanVision's low_information
 * (normalised entropy under 0.3 of 8 bits ≈ 2.4). A flat colour, a near-uniform frame, a logo
 * on a plain background or a two-tone pattern is low on information; every photo and wallpaper
 * of the calibration sample is above 2.5 bits except flat art and logos (bench/quality/information.ts).
 */
export function lowInformationScore(entropy: number): number {
  return ramp(entropy, 3, 1);
}

/**
 * The colour figure: the 99th percentile over the picture of each pixel's chroma (largest minus
 * smallest of R, G, B), on every 4th pixel of the decoded image (the percentile does not need
 * more). Transparent pixels (alpha under half) have no colour to speak of and are left out.
 * 0 for a gray picture stored as RGB; JPEG's chroma noise keeps a gray JPEG within a few levels.
 */
export function chromaOf(pixels: Uint8Array, channels: 3 | 4): number {
  const histogram = new Uint32Array(256);
  let n = 0;
  for (let p = 0; p < pixels.length; p += 4 * channels) {
    if (channels === 4 && pixels[p + 3]! < 128) continue;
    const r = pixels[p]!;
    const g = pixels[p + 1]!;
    const b = pixels[p + 2]!;
    histogram[Math.max(r, g, b) - Math.min(r, g, b)]!++;
    n++;
  }
  let seen = 0;
  for (let c = 0; c < 256; c++) {
    seen += histogram[c]!;
    if (seen >= 0.99 * n) return c;
  }
  return 0;
}

/** ramp(chroma from 12 down to 4): 1 for a picture with no colour, 0.5 at 8 levels, 0 from 12. */
export function grayscaleScore(chroma: number): number {
  return ramp(chroma, 12, 4);
}

/**
 * Sharpness (see laplacianStats) under which an image is blurry: the blur score is 0.5 there.
 * Fitted on some Debian packages' pictures (the 5th percentile of the originals) and checked on
 * others: bench/quality/blur.ts.
 */
export const blurrySharpness = 1.07;

/**
 * 1 / (1 + (s / blurrySharpness)⁴): 0.5 at the threshold, above 0.9 under 0.56 × it, under 0.1
 * above 1.7 × it; 0 for an image with no structure to judge (null). Strictly decreasing.
 */
export function blurScore(sharpness: number | null): number {
  if (sharpness === null) return 0;
  const r = Math.max(0, sharpness) / blurrySharpness;
  return 1 / (1 + r ** 4);
}

/**
 * The highlight level (99th percentile gray level) from which a dim picture keeps its highlights:
 * a lamp, a lit sky, stars, a logo. Under-exposure dims everything, highlights included; a night
 * photo or a picture dark by design keeps a few bright pixels. The dark score is 0.5 here (when
 * the picture is dim), 1 from 25 levels under it, 0 from 25 above. Fitted on the pictures of some
 * packages made darker by 2 and 3 stops, checked on others (bench/quality/exposure.ts).
 */
export const dimHighlights = 109;

/**
 * min(max(ramp(mean from 70 down to 20), ramp(darkFraction from 0.5 up to 0.95)), ramp(highlight
 * level from highlightsFrom + 25 down to highlightsFrom − 25)), highlightsFrom the shipped
 * dimHighlights unless a benchmark tries another: a picture is dark when it is dim
 * overall or mostly near-black, and has no highlights left. Decreasing in the mean and in the
 * highlight level, increasing in the fraction; 0 for ordinary exposures (the middle 90 % of a
 * varied photo set has a mean between 55 and 210) and for night shots with a lit part.
 */
export function darkScore(brightnessMean: number, darkFraction: number, highlightLevel: number, highlightsFrom = dimHighlights): number {
  const dim = Math.max(ramp(brightnessMean, 70, 20), ramp(darkFraction, 0.5, 0.95));
  return Math.min(dim, ramp(highlightLevel, highlightsFrom + 25, highlightsFrom - 25));
}

/**
 * The mirror of darkScore: a picture is bright when it is light overall (mean from 185 up to 235)
 * or mostly near-white (brightFraction 0.5 → 0.95), and washed out: clipped at white over a
 * tenth of it (ramp 5 % → 15 %) or without shadows (5th percentile gray level from 175 up to 225).
 * Over-exposure clips, or lifts a low-contrast picture whole; snow in sunlight, fog, a light
 * wallpaper are as light overall but keep their shadows and unclipped highlights. Both gates were
 * set by reasoning, not fitted (bench/quality/exposure.ts).
 */
export function brightScore(brightnessMean: number, brightFraction: number, shadowLevel: number, clippedFraction: number): number {
  const light = Math.max(ramp(brightnessMean, 185, 235), ramp(brightFraction, 0.5, 0.95));
  return Math.min(light, Math.max(ramp(clippedFraction, 0.05, 0.15), ramp(shadowLevel, 175, 225)));
}

export const phashInputSize = 32;
const phashBlock = 8;

/**
 * The classic DCT perceptual hash (as in pHash): 2-D DCT-II of a 32×32 grayscale image, keep
 * the 8×8 lowest frequencies after skipping row 0 and column 0 (DC and pure horizontal/
 * vertical averages, which mostly track overall brightness), one bit per coefficient above
 * their median. Bits are written row-major, most significant first, as 16 hex digits.
 */
export function dctPhash(gray32: ArrayLike<number>): string {
  const n = phashInputSize;
  if (gray32.length !== n * n) throw new Error(`dctPhash needs a ${n}×${n} image, got ${gray32.length} values`);
  const basis = dctBasis();
  // Separable DCT, restricted to the rows and columns we keep (1..8).
  const rowsDone = new Float64Array(n * phashBlock);
  for (let y = 0; y < n; y++) {
    for (let u = 0; u < phashBlock; u++) {
      let s = 0;
      for (let x = 0; x < n; x++) s += gray32[y * n + x]! * basis[(u + 1) * n + x]!;
      rowsDone[y * phashBlock + u] = s;
    }
  }
  const coefficients = new Float64Array(phashBlock * phashBlock);
  for (let v = 0; v < phashBlock; v++) {
    for (let u = 0; u < phashBlock; u++) {
      let s = 0;
      for (let y = 0; y < n; y++) s += rowsDone[y * phashBlock + u]! * basis[(v + 1) * n + y]!;
      coefficients[v * phashBlock + u] = s;
    }
  }
  const median = medianOf(coefficients);
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++) {
      value = (value << 1) | (coefficients[nibble * 4 + bit]! > median ? 1 : 0);
    }
    hex += value.toString(16);
  }
  return hex;
}

/** Number of differing bits between two hex hashes of equal length. */
export function hammingDistance(a: string, b: string): number {
  if (a.length !== b.length) throw new Error('hashes differ in length');
  let distance = 0;
  for (let i = 0; i < a.length; i++) {
    let x = parseInt(a[i]!, 16) ^ parseInt(b[i]!, 16);
    while (x) {
      distance += x & 1;
      x >>= 1;
    }
  }
  return distance;
}

let cachedBasis: Float64Array | null = null;

/** basis[k * n + x] = cos(π (2x + 1) k / 2n); scale factors are irrelevant to a median test. */
function dctBasis(): Float64Array {
  if (cachedBasis) return cachedBasis;
  const n = phashInputSize;
  const basis = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    for (let x = 0; x < n; x++) basis[k * n + x] = Math.cos((Math.PI * (2 * x + 1) * k) / (2 * n));
  }
  cachedBasis = basis;
  return basis;
}

function medianOf(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
