/**
 * The local check that tells a copy from a look-alike, on the grids of two copy descriptors
 * (fineSide × fineSide gray levels of the picture's central part and of the whole picture,
 * see copy-descriptor.ts). A copy differs from its original a little everywhere
 * (re-encoding, resizing, a brightness change, a slight misalignment after a crop or a
 * rotation); a look-alike — the same emoticon with another mouth, the same window with
 * another panel open — agrees almost everywhere and differs a lot in one region. The 16 × 16
 * pattern and the embedding both average that region away; here it is looked for directly.
 *
 * Steps: find where one central grid sits inside the other (a crop keeps a sub-rectangle, so
 * both directions and a few crop sizes are tried, at 16 × 16), resample there at full
 * resolution, standardise both (so brightness and contrast edits do not count), and take each
 * cell's difference to the closest of the other grid's 3 × 3 cells around it (so the
 * misalignment left by a crop or a slight rotation does not count either). The largest mean
 * squared difference over square windows of `window` cells is the pair's local difference.
 * The same alignment then places the whole pictures, and the same difference is taken over
 * the part of the border both keep: the border difference.
 */

export const fineSide = 32;
const fineCells = fineSide * fineSide;
/** The search side and the crop sizes tried (side of the kept part, per axis). */
const searchSide = 16;
const cropScales = [1, 0.95, 0.9, 0.85];
/** The central part of a picture the fine grid covers, per axis (media/analyze-image.ts). */
export const centralFraction = 0.8;
/** Side of the windows the local difference is taken over, in fine cells (an eighth of the side). */
const window = 4;
/**
 * Rows at the bottom of the whole grid the border difference leaves out when their layouts
 * disagree: a caption bar (10 % of the height, as share sheets add) is an edit a copy may
 * carry, not another picture, and it replaces what was there. A panel lit in one picture and
 * dimmed in the other (the same window in another state) keeps its layout: from this
 * correlation of the two pictures' caption rows on, they are compared like the rest of the
 * border. Chosen on the fit packages (bench/README.md, the caption rows of the border check).
 */
const captionRows = 4;
const captionCorrelation = 0.7;
/**
 * The local and border differences (in units of the pictures' own contrast squared) above
 * which a pair is a look-alike, not a copy: chosen on the fit packages of the broad set and
 * the first labelled set (bench/README.md, copy descriptor v4 and v6).
 */
const maxLocalDifference = 1;
const maxBorderDifference = 2.5;

/** A picture's grids, as its copy descriptor holds them (copy-descriptor.ts). */
export interface Grids {
  /** The central part. */
  fine: Uint8Array;
  /** The whole picture. */
  whole: Uint8Array;
}

/** Both differences of a pair, each 0 when either picture is flat (nothing to compare: the coarse descriptor decides alone). */
export interface Differences {
  local: number;
  border: number;
}

export function differences(a: Grids, b: Grids): Differences {
  const al = alignment(a, b);
  return al === null ? { local: 0, border: 0 } : { local: localOf(al), border: borderOf(al) };
}

/** Whether the pair differs too much in one region to be copies; the border only when the centre passes. */
export function isLookAlike(al: Alignment | null): boolean {
  return al !== null && (localOf(al) > maxLocalDifference || borderOf(al) > maxBorderDifference);
}

/**
 * How well the central grids correlate where one sits best inside the other, at the search's
 * 16 × 16 or at 32 × 32, in [−1, 1] (0 when either is flat): a cropped copy's grain, shifted
 * and rescaled, still correlates there.
 */
export function alignedCorrelation(al: Alignment | null): number {
  return al === null ? 0 : al.bestCorrelation;
}

const localOf = (al: Alignment) => windowedDifference(al.resampled, standardised(Float32Array.from(al.inner.fine)));

/**
 * The inner picture's whole grid against the outer's, resampled where the alignment of the
 * central parts puts it: with c0 the margin the central part leaves on each side, the inner
 * whole picture spans [c0 + (1 − 2·c0)·u − c0·sx, … + sx] of the outer along x (y alike).
 * Cells that fall outside the outer picture (what a crop removed from it) are left out, and
 * so are the caption rows unless their layouts agree (see captionCorrelation).
 */
function borderOf(al: Alignment): number {
  const c0 = (1 - centralFraction) / 2;
  const u = c0 + centralFraction * al.u - c0 * al.sx;
  const v = c0 + centralFraction * al.v - c0 * al.sy;
  const kept = new Uint8Array(fineCells);
  const caption = new Uint8Array(fineCells);
  for (let i = 0; i < fineSide; i++) {
    const y = v + (al.sy * (i + 0.5)) / fineSide;
    for (let j = 0; j < fineSide; j++) {
      const x = u + (al.sx * (j + 0.5)) / fineSide;
      const k = i * fineSide + j;
      kept[k] = x >= 0 && x <= 1 && y >= 0 && y <= 1 ? 1 : 0;
      caption[k] = i >= fineSide - captionRows ? kept[k] : 0;
    }
  }
  const resampled = new Float32Array(fineCells);
  resample(al.outer.whole, fineSide, al.sx, al.sy, u, v, resampled);
  const inner = Float32Array.from(al.inner.whole);
  if (correlation(resampled, inner, caption) < captionCorrelation) for (let k = 0; k < fineCells; k++) if (caption[k]) kept[k] = 0;
  return windowedDifference(standardised(resampled, kept), standardised(inner, kept), kept);
}

/** Pearson correlation of a and b over the kept cells (0 when either is flat there). */
function correlation(a: Float32Array, b: Float32Array, kept: Uint8Array): number {
  const sa = standardised(a, kept);
  const sb = standardised(b, kept);
  let dot = 0;
  let n = 0;
  for (let k = 0; k < fineCells; k++) {
    if (!kept[k]) continue;
    dot += sa[k]! * sb[k]!;
    n++;
  }
  return n > 0 ? dot / n : 0;
}

export interface Alignment {
  /** The picture the other sits inside, and the other. */
  outer: Grids;
  inner: Grids;
  /** The outer central grid resampled at the inner one's place, standardised. */
  resampled: Float32Array;
  /** That place: crop sizes and offsets in the outer central part's unit square. */
  sx: number;
  sy: number;
  u: number;
  v: number;
  /** The best correlation found, either direction, at either resolution (alignedCorrelation). */
  bestCorrelation: number;
}

/**
 * Where one picture's central grid sits inside the other's, both directions tried and the
 * better kept; null when either picture is flat (nothing to compare: the coarse descriptor
 * decides alone). Computed once per pair, for the local and border checks and the alignedCorrelation alike.
 */
export function alignment(a: Grids, b: Grids): Alignment | null {
  if (isFlat(a.fine) || isFlat(b.fine)) return null;
  const ab = alignInside(a.fine, b.fine);
  const ba = alignInside(b.fine, a.fine);
  const bestCorrelation = Math.max(ab.correlation, ba.correlation, ab.searchCorrelation, ba.searchCorrelation);
  return ab.correlation >= ba.correlation ? { ...ab, outer: a, inner: b, bestCorrelation } : { ...ba, outer: b, inner: a, bestCorrelation };
}

/**
 * Where b sits inside a: the crop (scale and offset, in a's unit square) whose resampling of a
 * correlates best with b, searched at searchSide and refined by a fine cell; returns a
 * resampled there at fineSide, standardised, and the correlations found at either side.
 */
function alignInside(a: Uint8Array, b: Uint8Array): Omit<Alignment, 'outer' | 'inner' | 'bestCorrelation'> & { correlation: number; searchCorrelation: number } {
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
  let fine = { correlation: -Infinity, resampled: new Float32Array(fineCells), sx: best.sx, sy: best.sy, u: best.u, v: best.v };
  for (const du of [-1, 0, 1]) {
    for (const dv of [-1, 0, 1]) {
      const u = clamp(best.u + du / (2 * fineSide), 0, 1 - best.sx);
      const v = clamp(best.v + dv / (2 * fineSide), 0, 1 - best.sy);
      const s = new Float32Array(fineCells);
      resample(a, fineSide, best.sx, best.sy, u, v, s);
      const c = dotStandardised(s, bFine);
      if (c > fine.correlation) fine = { correlation: c, resampled: standardised(s), sx: best.sx, sy: best.sy, u, v };
    }
  }
  return { ...fine, searchCorrelation: best.c };
}

function isFlat(g: Uint8Array): boolean {
  for (let k = 1; k < g.length; k++) if (g[k] !== g[0]) return false;
  return true;
}

/**
 * The rectangle (u, v, sx, sy) of grid a, sampled bilinearly at the centres of n × n cells;
 * outside a (the border of a crop's place), its edge cells are repeated.
 */
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

/** Mean 0, mean square 1 over the kept cells (all of them by default; all zeros when flat). */
function standardised(g: Float32Array, kept?: Uint8Array): Float32Array<ArrayBuffer> {
  // Indexed loops: this runs hundreds of times a candidate pair (the alignment search).
  let sum = 0;
  let n = 0;
  for (let k = 0; k < g.length; k++) {
    if (kept && !kept[k]) continue;
    sum += g[k]!;
    n++;
  }
  const mean = n > 0 ? sum / n : 0;
  let sq = 0;
  for (let k = 0; k < g.length; k++) if (!kept || kept[k]) sq += (g[k]! - mean) ** 2;
  const inv = sq > 0 ? 1 / Math.sqrt(sq / n) : 0;
  const out = new Float32Array(g.length);
  for (let k = 0; k < g.length; k++) out[k] = (g[k]! - mean) * inv;
  return out;
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

/**
 * Each cell of b against the closest of a's 3 × 3 cells around it; the worst window's mean
 * square, over the windows whose cells are all kept (all by default).
 */
function windowedDifference(a: Float32Array, b: Float32Array, kept?: Uint8Array): number {
  const r2 = new Float32Array(fineCells);
  for (let y = 0; y < fineSide; y++) {
    for (let x = 0; x < fineSide; x++) {
      const bv = b[y * fineSide + x]!;
      let best = Infinity;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(fineSide - 1, y + 1); yy++) {
        for (let xx = Math.max(0, x - 1); xx <= Math.min(fineSide - 1, x + 1); xx++) {
          if (!kept || kept[yy * fineSide + xx]) best = Math.min(best, Math.abs(bv - a[yy * fineSide + xx]!));
        }
      }
      r2[y * fineSide + x] = best * best;
    }
  }
  let worst = 0;
  for (let y = 0; y + window <= fineSide; y += window / 2) {
    for (let x = 0; x + window <= fineSide; x += window / 2) {
      let s = 0;
      let whole = true;
      for (let i = 0; i < window; i++) {
        for (let j = 0; j < window; j++) {
          s += r2[(y + i) * fineSide + x + j]!;
          if (kept && !kept[(y + i) * fineSide + x + j]) whole = false;
        }
      }
      if (whole) worst = Math.max(worst, s / (window * window));
    }
  }
  return worst;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
