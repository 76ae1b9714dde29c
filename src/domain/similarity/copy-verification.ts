/**
 * The local check that tells a copy from a look-alike, on the fine grids of two copy
 * descriptors (fineSide × fineSide gray levels of the picture's central part, see
 * copy-descriptor.ts). A copy differs from its original a little everywhere (re-encoding,
 * resizing, a brightness change, a slight misalignment after a crop or a rotation); a
 * look-alike — the same emoticon with another mouth, the same window with another panel
 * open — agrees almost everywhere and differs a lot in one region. The 16 × 16 pattern and
 * the embedding both average that region away; here it is looked for directly.
 *
 * Steps: find where one grid sits inside the other (a crop keeps a sub-rectangle, so both
 * directions and a few crop sizes are tried, at 16 × 16), resample there at full resolution,
 * standardise both (so brightness and contrast edits do not count), and take each cell's
 * difference to the closest of the other grid's 3 × 3 cells around it (so the misalignment
 * left by a crop or a slight rotation does not count either). The largest mean squared
 * difference over square windows of `window` cells is the pair's local difference.
 */

export const fineSide = 32;
const fineCells = fineSide * fineSide;
/** The search side and the crop sizes tried (side of the kept part, per axis). */
const searchSide = 16;
const cropScales = [1, 0.95, 0.9, 0.85];
/** Side of the windows the local difference is taken over, in fine cells (an eighth of the side). */
const window = 4;

/**
 * The largest windowed mean squared difference of the standardised, aligned grids a and b
 * (each fineCells values), or 0 when either is flat (nothing to compare: the coarse
 * descriptor decides alone).
 */
export function localDifference(a: Uint8Array, b: Uint8Array): number {
  if (isFlat(a) || isFlat(b)) return 0;
  const ab = alignInside(a, b);
  const ba = alignInside(b, a);
  return ab.correlation >= ba.correlation
    ? windowedDifference(ab.resampled, standardised(Float32Array.from(b)))
    : windowedDifference(ba.resampled, standardised(Float32Array.from(a)));
}

function isFlat(g: Uint8Array): boolean {
  for (let k = 1; k < fineCells; k++) if (g[k] !== g[0]) return false;
  return true;
}

/**
 * Where b sits inside a: the crop (scale and offset, in a's unit square) whose resampling of a
 * correlates best with b, searched at searchSide and refined by a fine cell; returns a
 * resampled there at fineSide, standardised.
 */
function alignInside(a: Uint8Array, b: Uint8Array): { correlation: number; resampled: Float32Array } {
  const bSmall = standardised(areaHalve(b));
  const buf = new Float32Array(searchSide * searchSide);
  let best = { c: -Infinity, sx: 1, sy: 1, u: 0, v: 0 };
  const step = 1 / (2 * searchSide);
  for (const sx of cropScales) {
    for (const sy of cropScales) {
      for (let u = 0; u <= 1 - sx + 1e-9; u += step) {
        for (let v = 0; v <= 1 - sy + 1e-9; v += step) {
          resample(a, searchSide, sx, sy, u, v, buf);
          const c = dotStandardised(buf, bSmall);
          if (c > best.c) best = { c, sx, sy, u, v };
        }
      }
    }
  }
  const bFine = standardised(Float32Array.from(b));
  const out = new Float32Array(fineCells);
  let fine = { correlation: -Infinity, resampled: out };
  for (const du of [-1, 0, 1]) {
    for (const dv of [-1, 0, 1]) {
      const u = clamp(best.u + du / (2 * fineSide), 0, 1 - best.sx);
      const v = clamp(best.v + dv / (2 * fineSide), 0, 1 - best.sy);
      const s = new Float32Array(fineCells);
      resample(a, fineSide, best.sx, best.sy, u, v, s);
      const c = dotStandardised(s, bFine);
      if (c > fine.correlation) fine = { correlation: c, resampled: standardised(s) };
    }
  }
  return fine;
}

/** The rectangle (u, v, sx, sy) of grid a, sampled bilinearly at the centres of n × n cells. */
function resample(a: Uint8Array, n: number, sx: number, sy: number, u: number, v: number, out: Float32Array): void {
  const last = fineSide - 1;
  for (let i = 0; i < n; i++) {
    const y = clamp((v + (sy * (i + 0.5)) / n) * fineSide - 0.5, 0, last);
    const y0 = Math.floor(y);
    const y1 = Math.min(last, y0 + 1);
    const fy = y - y0;
    for (let j = 0; j < n; j++) {
      const x = clamp((u + (sx * (j + 0.5)) / n) * fineSide - 0.5, 0, last);
      const x0 = Math.floor(x);
      const x1 = Math.min(last, x0 + 1);
      const fx = x - x0;
      const top = a[y0 * fineSide + x0]! * (1 - fx) + a[y0 * fineSide + x1]! * fx;
      const bottom = a[y1 * fineSide + x0]! * (1 - fx) + a[y1 * fineSide + x1]! * fx;
      out[i * n + j] = top * (1 - fy) + bottom * fy;
    }
  }
}

/** 2 × 2 means: fineSide → searchSide. */
function areaHalve(g: Uint8Array): Float32Array {
  const out = new Float32Array(searchSide * searchSide);
  for (let y = 0; y < fineSide; y++) {
    for (let x = 0; x < fineSide; x++) out[(y >> 1) * searchSide + (x >> 1)]! += g[y * fineSide + x]! / 4;
  }
  return out;
}

/** Mean 0, mean square 1 (all zeros when flat). */
function standardised(g: Float32Array): Float32Array<ArrayBuffer> {
  let sum = 0;
  for (const v of g) sum += v;
  const mean = sum / g.length;
  let sq = 0;
  for (const v of g) sq += (v - mean) ** 2;
  const inv = sq > 0 ? 1 / Math.sqrt(sq / g.length) : 0;
  return Float32Array.from(g, (v) => (v - mean) * inv);
}

/** Correlation of x with an already standardised y. */
function dotStandardised(x: Float32Array, y: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += v;
  const mean = sum / x.length;
  let dot = 0;
  let sq = 0;
  for (let k = 0; k < x.length; k++) {
    const d = x[k]! - mean;
    dot += d * y[k]!;
    sq += d * d;
  }
  return sq > 0 ? dot / Math.sqrt(sq * x.length) : 0;
}

/** Each cell of b against the closest of a's 3 × 3 cells around it; the worst window's mean square. */
function windowedDifference(a: Float32Array, b: Float32Array): number {
  const r2 = new Float32Array(fineCells);
  for (let y = 0; y < fineSide; y++) {
    for (let x = 0; x < fineSide; x++) {
      const bv = b[y * fineSide + x]!;
      let best = Infinity;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(fineSide - 1, y + 1); yy++) {
        for (let xx = Math.max(0, x - 1); xx <= Math.min(fineSide - 1, x + 1); xx++) best = Math.min(best, Math.abs(bv - a[yy * fineSide + xx]!));
      }
      r2[y * fineSide + x] = best * best;
    }
  }
  let worst = 0;
  for (let y = 0; y + window <= fineSide; y += window / 2) {
    for (let x = 0; x + window <= fineSide; x += window / 2) {
      let s = 0;
      for (let i = 0; i < window; i++) for (let j = 0; j < window; j++) s += r2[(y + i) * fineSide + x + j]!;
      worst = Math.max(worst, s / (window * window));
    }
  }
  return worst;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
