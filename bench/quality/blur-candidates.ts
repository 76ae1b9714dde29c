/**
 * The variants of the tile-wise sharpness that were tried, judged against the pictures labelled
 * by eye (bench/quality/blur-scoring.ts): each fitted on one split and scored on the other, both
 * ways. The shipped measure is `laplacianStats` itself; the others re-measure the same 32 px
 * tiles (structured when their gray levels' standard deviation is ≥ 8) and differ in which
 * tiles' sharpness (RMS Laplacian ÷ RMS gradient) they take, or measure each tile another way
 * (re-blur; the softer axis, for motion blur). Also prints, per variant, the
 * pictures of each split that it flags at the threshold fitted on the other.
 *
 *   node --import tsx bench/quality/blur-candidates.ts
 */
import { laplacianStats, type GrayImage } from '../../src/media/image-metrics.ts';
import { machineLine, table } from '../lib.ts';
import { direction, figures, labelledSample, score, scoreHeader, scoreRow, type Figure, type Fold } from './blur-scoring.ts';

interface Tile { index: number; ratio: number; gradSquare: number }

/** The structured 32 px tiles, as laplacianStats measures them. */
function structuredTiles({ data, width, height }: GrayImage): Tile[] {
  const tile = 32;
  const tw = Math.ceil(width / tile);
  const n = tw * Math.ceil(height / tile);
  const [lap2, grad2, sum, sum2, count] = [0, 0, 0, 0, 0].map(() => new Float64Array(n)) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const t = ((y / tile) | 0) * tw + ((x / tile) | 0);
      const c = data[i]!;
      const v = data[i - 1]! + data[i + 1]! + data[i - width]! + data[i + width]! - 4 * c;
      const dx = data[i + 1]! - c;
      const dy = data[i + width]! - c;
      lap2[t] = lap2[t]! + v * v;
      grad2[t] = grad2[t]! + dx * dx + dy * dy;
      sum[t] = sum[t]! + c;
      sum2[t] = sum2[t]! + c * c;
      count[t] = count[t]! + 1;
    }
  }
  const out: Tile[] = [];
  for (let t = 0; t < n; t++) {
    const k = count[t]!;
    if (k < (tile * tile) / 2) continue;
    const mean = sum[t]! / k;
    if (Math.sqrt(Math.max(0, sum2[t]! / k - mean * mean)) < 8) continue;
    out.push({ index: t, ratio: Math.sqrt(lap2[t]! / grad2[t]!), gradSquare: grad2[t]! / k });
  }
  return out;
}

/** The q-quantile of the tiles' sharpness; NaN under 3 structured tiles. */
const quantileOfTiles = (q: number, keep: (t: Tile) => boolean = () => true): Figure => (g) => {
  const r = structuredTiles(g).filter(keep).map((t) => t.ratio).sort((a, b) => a - b);
  return r.length < 3 ? NaN : r[Math.round(q * (r.length - 1))]!;
};
/** The n-th sharpest tile (the least sharp one when there are fewer). */
const nthSharpest = (n: number): Figure => (g) => {
  const r = structuredTiles(g).map((t) => t.ratio).sort((a, b) => b - a);
  return r.length < 3 ? NaN : r[Math.min(n, r.length) - 1]!;
};

/**
 * Crété-Roffet et al.'s re-blur measure per structured tile: how much of the tile's neighbour
 * differences a 9 px box blur removes (much on a sharp edge, little on an already blurred one),
 * the worse of the two directions; the q-quantile of the tiles.
 */
const reblurQuantile = (q: number): Figure => (g) => {
  const { data, width, height } = g;
  const box = 9;
  const half = box >> 1;
  const blurred = (horizontal: boolean) => {
    const out = new Float64Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let k = -half; k <= half; k++) {
          const xx = horizontal ? Math.min(width - 1, Math.max(0, x + k)) : x;
          const yy = horizontal ? y : Math.min(height - 1, Math.max(0, y + k));
          s += data[yy * width + xx]!;
        }
        out[y * width + x] = s / box;
      }
    }
    return out;
  };
  const bh = blurred(true);
  const bv = blurred(false);
  const tile = 32;
  const structured = structuredTiles(g).map((t) => t.index);
  const tw = Math.ceil(width / tile);
  const n = tw * Math.ceil(height / tile);
  const [fh, vh, fv, vv] = [0, 0, 0, 0].map(() => new Float64Array(n)) as [Float64Array, Float64Array, Float64Array, Float64Array];
  for (let y = 1; y < height; y++) {
    for (let x = 1; x < width; x++) {
      const i = y * width + x;
      const t = ((y / tile) | 0) * tw + ((x / tile) | 0);
      const dh = Math.abs(data[i]! - data[i - 1]!);
      const dv = Math.abs(data[i]! - data[i - width]!);
      fh[t] = fh[t]! + dh;
      vh[t] = vh[t]! + Math.max(0, dh - Math.abs(bh[i]! - bh[i - 1]!));
      fv[t] = fv[t]! + dv;
      vv[t] = vv[t]! + Math.max(0, dv - Math.abs(bv[i]! - bv[i - width]!));
    }
  }
  const r: number[] = [];
  for (const t of structured) r.push(Math.min(vh[t]! / fh[t]!, vv[t]! / fv[t]!));
  r.sort((a, b) => a - b);
  return r.length < 3 ? NaN : r[Math.round(q * (r.length - 1))]!;
};

/**
 * Edge width along each axis apart, per structured tile: RMS second difference ÷ RMS first
 * difference along x, and along y (both √2 on an ideal step, like the shipped ratio). A blur
 * along one direction widens the edges across it only, which the Laplacian, summing both axes,
 * half hides. An axis counts in a tile only when it carries at least `minShare` of the tile's
 * gradient energy, so a tile of horizontal stripes is not judged along the stripes.
 */
function axisRatios(g: GrayImage, minShare: number): { x: number | null; y: number | null }[] {
  const { data, width, height } = g;
  const tile = 32;
  const tw = Math.ceil(width / tile);
  const n = tw * Math.ceil(height / tile);
  const [gx, sx, gy, sy] = [0, 0, 0, 0].map(() => new Float64Array(n)) as [Float64Array, Float64Array, Float64Array, Float64Array];
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const t = ((y / tile) | 0) * tw + ((x / tile) | 0);
      const c = data[i]!;
      const dx = data[i + 1]! - c;
      const dy = data[i + width]! - c;
      const dxx = data[i - 1]! + data[i + 1]! - 2 * c;
      const dyy = data[i - width]! + data[i + width]! - 2 * c;
      gx[t] = gx[t]! + dx * dx;
      sx[t] = sx[t]! + dxx * dxx;
      gy[t] = gy[t]! + dy * dy;
      sy[t] = sy[t]! + dyy * dyy;
    }
  }
  return structuredTiles(g).map(({ index: t }) => {
    const total = gx[t]! + gy[t]!;
    return {
      x: gx[t]! >= minShare * total ? Math.sqrt(sx[t]! / gx[t]!) : null,
      y: gy[t]! >= minShare * total ? Math.sqrt(sy[t]! / gy[t]!) : null,
    };
  });
}

/** Per tile the softer of its counted axes; the q-quantile of the tiles. */
const softerAxisPerTile = (q: number, minShare: number): Figure => (g) => {
  const r = axisRatios(g, minShare).map(({ x, y }) => Math.min(x ?? Infinity, y ?? Infinity)).sort((a, b) => a - b);
  return r.length < 3 ? NaN : r[Math.round(q * (r.length - 1))]!;
};

/** The q-quantile of the tiles along x and along y apart (each over the tiles where it counts); the softer. */
const softerAxisOfImage = (q: number, minShare: number): Figure => (g) => {
  const tiles = axisRatios(g, minShare);
  const along = (axis: 'x' | 'y') => {
    const r = tiles.flatMap((t) => (t[axis] === null ? [] : [t[axis]])).sort((a, b) => a - b);
    return r.length < 3 ? Infinity : r[Math.round(q * (r.length - 1))]!;
  };
  const s = Math.min(along('x'), along('y'));
  return Number.isFinite(s) ? s : NaN;
};

const variants: Record<string, Figure> = {
  'shipped (p0.75 of tiles)': (g) => laplacianStats(g).sharpness ?? NaN,
  'p0.8 of tiles': quantileOfTiles(0.8),
  'p0.85 of tiles': quantileOfTiles(0.85),
  'p0.9 of tiles': quantileOfTiles(0.9),
  '4th sharpest tile': nthSharpest(4),
  '8th sharpest tile': nthSharpest(8),
  '16th sharpest tile': nthSharpest(16),
  'gradient-weighted median': (g) => {
    const r = structuredTiles(g).sort((a, b) => a.ratio - b.ratio);
    if (r.length < 3) return NaN;
    const half = r.reduce((s, t) => s + Math.sqrt(t.gradSquare), 0) / 2;
    let seen = 0;
    return r.find((t) => (seen += Math.sqrt(t.gradSquare)) >= half)!.ratio;
  },
  'p0.75, RMS gradient ≥ 2': quantileOfTiles(0.75, (t) => t.gradSquare >= 4),
  're-blur, p0.75 of tiles': reblurQuantile(0.75),
  're-blur, p0.9 of tiles': reblurQuantile(0.9),
  'laplacian variance': (g) => laplacianStats(g).variance,
  'softer axis per tile, p0.75': softerAxisPerTile(0.75, 0.2),
  'softer axis of the image, p0.75': softerAxisOfImage(0.75, 0.2),
};

console.log(machineLine());
const images = await labelledSample();
const rows = [scoreHeader];
const flags: string[] = [];
for (const [name, figure] of Object.entries(variants)) {
  const values = figures(images, figure);
  for (const fit of ['A', 'B'] as Fold[]) {
    const s = score(images, values, fit);
    rows.push(scoreRow(name, direction(fit), s));
    const flagged = images.filter((im, i) => im.fold !== fit && im.label !== 'unsure' && values[i]![0]! < s.threshold);
    flags.push(`${name}, ${direction(fit)}: ${flagged.map((im) => `${im.name} (${im.label})`).join(', ')}`);
  }
}
console.log(table(rows));
console.log(flags.join('\n'));
