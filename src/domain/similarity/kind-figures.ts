import type { Quality } from '../types.ts';
import { robustZ } from './robust-stats.ts';

/**
 * Figures of an image that tell its kind more than its subject: screenshots, diagrams and
 * clipart have few gray levels (entropy), one of them covering much of the picture (a flat
 * background or window: mode fraction), large white areas, crisp rendered edges and many or
 * very few of them, where photos and wallpapers do not. The embedding alone misses them among
 * unrelated pictures: there every picture is far from every other, and a few screenshots, close
 * to one another, are less isolated than a typical wallpaper (bench/quality/outliers.ts).
 * `minSigma` is the least spread over which a difference counts (for a dataset of one scene).
 * An item analysed before a figure was measured lacks it (undefined): it is left out of that
 * item's mean (kindIsolation) and of the figure's median and spread.
 */
const kindFigures: ReadonlyArray<{ of: (q: Quality) => number | null | undefined; minSigma: number }> = [
  { of: (q) => q.entropy, minSigma: 0.3 },
  { of: (q) => q.modeFraction, minSigma: 0.1 },
  { of: (q) => q.brightFraction, minSigma: 0.05 },
  { of: (q) => (q.sharpness == null ? null : Math.log(q.sharpness)), minSigma: 0.05 },
  { of: (q) => Math.log1p(q.blurVariance), minSigma: 0.3 },
];

export const kindFigureCount = kindFigures.length;

/** The kind figures of each item, kindFigureCount per item, NaN where one is unknown (no quality, no structure). */
export function kindFiguresOf(qualities: ReadonlyArray<Quality | null>): Float32Array {
  const out = new Float32Array(qualities.length * kindFigureCount).fill(Number.NaN);
  qualities.forEach((q, i) => {
    if (q !== null) kindFigures.forEach((f, j) => (out[i * kindFigureCount + j] = f.of(q) ?? Number.NaN));
  });
  return out;
}

/**
 * A figure this many robust σ out counts no more: one extreme figure (a night shot's darkness)
 * is not a kind, a picture of another kind differs in several.
 */
const maxFigureZ = 2;

/**
 * How far each item's kind figures are from the dataset's: the mean over its known figures of
 * |robust z|, each capped at maxFigureZ; NaN for an item with none. Linear in the items (one
 * median and MAD per figure).
 */
export function kindIsolation(figures: Float32Array): Float32Array {
  const n = figures.length / kindFigureCount;
  const sum = new Float32Array(n);
  const count = new Uint8Array(n);
  const column = new Float32Array(n);
  kindFigures.forEach(({ minSigma }, j) => {
    for (let i = 0; i < n; i++) column[i] = figures[i * kindFigureCount + j]!;
    const z = robustZ(column, minSigma);
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(z[i]!)) continue;
      sum[i]! += Math.min(Math.abs(z[i]!), maxFigureZ);
      count[i]!++;
    }
  });
  for (let i = 0; i < n; i++) sum[i] = count[i]! > 0 ? sum[i]! / count[i]! : Number.NaN;
  return sum;
}
