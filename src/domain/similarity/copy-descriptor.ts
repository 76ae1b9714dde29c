import { alignedCorrelation, alignment, fineSide, isLookAlike, type Alignment, type Grids } from './copy-verification.ts';

/**
 * The copy descriptors of a dataset (see media/analyze-image.ts copyDescriptorOf: 16 × 16
 * contrast-stretched gray levels per item, then the darkest and the brightest of the 16 × 16
 * block means before stretching, then the same central part at 32 × 32, stretched, then its
 * mean R, G, B, then the whole picture at 32 × 32, stretched) in one flat buffer, with what
 * their comparison needs precomputed: n × 2309 bytes in all, 2.3 GB for a million items.
 */
export interface PackedDescriptors {
  length: number;
  data: Uint8Array;
  /** Mean of the stretched pattern. */
  mean: Float32Array;
  /** 1 / ‖pattern − mean‖, 0 for a flat pattern. */
  invNorm: Float32Array;
  /** The darkest block mean and the spread (brightest − darkest), in gray levels. */
  low: Float32Array;
  spread: Float32Array;
  /** The mean colour's CIELAB a* and b* (its hue and saturation, whatever its lightness). */
  colourA: Float32Array;
  colourB: Float32Array;
}

/** 16 × 16 stretched levels. */
export const patternLength = 256;
/** The pattern, then the darkest and the brightest block mean, then the fine grid, then the mean R, G, B. */
export const fineOffset = patternLength + 2;
export const colourOffset = fineOffset + fineSide * fineSide;
/** Then the whole picture at fineSide × fineSide, stretched. */
export const wholeOffset = colourOffset + 3;
export const descriptorLength = wholeOffset + fineSide * fineSide;

/**
 * A picture whose 16 × 16 block means span fewer gray levels than this is near-uniform (a
 * blank page, a flat or gently graded wallpaper, a texture seen from afar): stretched, its
 * pattern is mostly noise or a gradient that any other such picture shares, so it is compared
 * by its actual levels instead (see levelAgreement).
 */
export const lowInformationSpread = 16;
/** RMS difference of the actual block levels, in gray levels, at which the agreement falls to 0. */
const levelTolerance = 16;
/** The largest brightening (and, inverted, darkening) factor under which near-uniform levels may agree: ±35 %. */
const maxGain = 1.35;
/**
 * Distance of the mean colours in the CIELAB a*b* plane above which two near-uniform pictures
 * are not copies, whatever their levels (bench/README.md, copy descriptor v5): 3.5 % of the
 * true pairs with a near-uniform picture in the fit packages are further apart than this.
 */
const maxColourDistance = 3;
/** A channel's mean level from which it has clipped at white in most pixels (see isClippedBrightening). */
const clippedLevel = 250;

/**
 * How descriptors are computed (media/analyze-image.ts copyDescriptorOf); part of the label
 * vectors are stored under (ml/embedders.ts modelIdOf), so that descriptors computed another
 * way are recomputed, never compared with these. v2: area averages, min–max stretched (v1 was
 * libvips' percentile normalise and Lanczos resize). v3: the levels before stretching are kept
 * (the low-information guard), and transparent pixels are laid on white, as the embedder and a
 * JPEG copy of the picture see them. v4: the 32 × 32 fine grid, for the local check of
 * copy-verification.ts. v5: the mean colour, for near-uniform pictures. v6: the whole picture
 * at 32 × 32, for the border check of copy-verification.ts. v7: a drawing on transparency
 * that vanishes on white (a white logo) is laid on black (media/analyze-image.ts copyDescriptorOf).
 */
export const copyDescriptorVersion = 'copy-v7';

/**
 * Pairs whose coarse layouts agree at least this well are checked locally: below it the pair
 * is no copy by its layout anyway, and the check is skipped.
 */
const verifiedFrom = 0.5;
export function packDescriptors(descriptors: readonly Uint8Array[]): PackedDescriptors {
  const n = descriptors.length;
  const data = new Uint8Array(n * descriptorLength);
  const mean = new Float32Array(n);
  const invNorm = new Float32Array(n);
  const low = new Float32Array(n);
  const spread = new Float32Array(n);
  const colourA = new Float32Array(n);
  const colourB = new Float32Array(n);
  descriptors.forEach((d, i) => {
    if (d.length !== descriptorLength) throw new RangeError(`copy descriptor ${i} has ${d.length} values, expected ${descriptorLength}`);
    data.set(d, i * descriptorLength);
    let sum = 0;
    for (let k = 0; k < patternLength; k++) sum += d[k]!;
    const mu = sum / patternLength;
    let sq = 0;
    for (let k = 0; k < patternLength; k++) sq += (d[k]! - mu) * (d[k]! - mu);
    mean[i] = mu;
    invNorm[i] = sq > 0 ? 1 / Math.sqrt(sq) : 0;
    low[i] = d[patternLength]!;
    spread[i] = Math.max(0, d[patternLength + 1]! - d[patternLength]!);
    [colourA[i], colourB[i]] = labChroma(d[colourOffset]!, d[colourOffset + 1]!, d[colourOffset + 2]!);
  });
  return { length: n, data, mean, invNorm, low, spread, colourA, colourB };
}

/**
 * How alike the layouts of items i and j are, in [−1, 1]: the Pearson correlation of their
 * patterns (the cosine of their mean-free parts, blind to brightness and contrast), or, when
 * either is near-uniform, how closely their actual levels (and their colours) agree — and 0 when the layouts
 * agree overall but differ in one region (a look-alike: copy-verification.ts), which leaves
 * the embedding alone to place the pair, well below the duplicate levels.
 */
export function descriptorCosine(p: PackedDescriptors, i: number, j: number): number {
  // Aligning the fine grids is the costly step: done at most once a pair, when first needed.
  let aligned: Alignment | null | undefined;
  const alignmentOf = () => (aligned ??= alignment(gridsOf(descriptorOf(p, i)), gridsOf(descriptorOf(p, j))));
  const coarse = coarseAgreement(p, i, j, alignmentOf);
  if (coarse < verifiedFrom) return coarse;
  return isLookAlike(alignmentOf()) ? 0 : coarse;
}

/** The grids of one copy descriptor that the local check compares (copy-verification.ts). */
export function gridsOf(descriptor: Uint8Array): Grids {
  return { fine: descriptor.subarray(fineOffset, fineOffset + fineSide * fineSide), whole: descriptor.subarray(wholeOffset, wholeOffset + fineSide * fineSide) };
}

const descriptorOf = (p: PackedDescriptors, k: number) => p.data.subarray(k * descriptorLength, (k + 1) * descriptorLength);

function coarseAgreement(p: PackedDescriptors, i: number, j: number, alignmentOf: () => Alignment | null): number {
  if (p.spread[i]! < lowInformationSpread || p.spread[j]! < lowInformationSpread) {
    if (Math.hypot(p.colourA[i]! - p.colourA[j]!, p.colourB[i]! - p.colourB[j]!) <= maxColourDistance) return levelAgreement(p, i, j, true, alignmentOf);
    return isClippedBrightening(p, i, j) ? levelAgreement(p, i, j, false, alignmentOf) : -1;
  }
  return patternCorrelation(p, i, j);
}

/** The Pearson correlation of two stretched patterns. */
function patternCorrelation(p: PackedDescriptors, i: number, j: number): number {
  const a = i * descriptorLength;
  const b = j * descriptorLength;
  let dot = 0;
  for (let k = 0; k < patternLength; k++) dot += p.data[a + k]! * p.data[b + k]!;
  return (dot - patternLength * p.mean[i]! * p.mean[j]!) * p.invNorm[i]! * p.invNorm[j]!;
}

/**
 * How well two near-uniform pictures' pixels agree: 1 − RMS(level difference) / levelTolerance,
 * at least −1, as they are (unless `asIsCounts` is false) or — when their grain also
 * correlates — after a brightness change of up to maxGain between them. A near-uniform picture
 * is a copy of another only where their pixels agree, not because both are nearly flat (after
 * stretching, two blank pages or two soft gradients correlate perfectly); a darker copy of a
 * paper keeps its grain, which a blank page or another paper of the same brightness does not
 * share. The grain is correlated as the patterns stand and, when that falls short, where one
 * central grid sits best inside the other: a cropped copy's grain is shifted.
 */
function levelAgreement(p: PackedDescriptors, i: number, j: number, asIsCounts: boolean, alignmentOf: () => Alignment | null): number {
  const [a, b] = [i * descriptorLength, j * descriptorLength];
  const [li, lj, si, sj] = [p.low[i]!, p.low[j]!, p.spread[i]!, p.spread[j]!];
  const agreement = (sq: number) => 1 - Math.sqrt(sq / patternLength) / levelTolerance;
  // One pass for the levels as they are and for the brightness change between them.
  let sq = 0;
  let xx = 0;
  let yy = 0;
  for (let c = 0; c < patternLength; c++) {
    const x = li + (p.data[a + c]! * si) / 255;
    const y = lj + (p.data[b + c]! * sj) / 255;
    sq += (x - y) * (x - y);
    xx += x * x;
    yy += y * y;
  }
  const asIs = asIsCounts ? Math.max(-1, agreement(sq)) : -1;
  // The brightness change that matches the two pictures' RMS levels, g² (out of range for a
  // black picture too), applied half to each so that the result is symmetric.
  const g = Math.sqrt(Math.sqrt(xx / yy));
  if (asIs >= 1 || !(g * g <= maxGain && g * g >= 1 / maxGain)) return asIs;
  let gq = 0;
  for (let c = 0; c < patternLength; c++) gq += ((li + (p.data[a + c]! * si) / 255) / g - (lj + (p.data[b + c]! * sj) / 255) * g) ** 2;
  const brightened = agreement(gq);
  if (brightened <= asIs) return asIs;
  let correlation = patternCorrelation(p, i, j);
  if (correlation < brightened) correlation = Math.max(correlation, alignedCorrelation(alignmentOf()));
  if (correlation <= 0) return asIs;
  return Math.max(asIs, Math.min(brightened, correlation));
}

/**
 * Whether the brighter of two near-uniform pictures, its mean colour at white in some
 * channel, may be the other brightened: brightening raises every channel until it clips at
 * 255, so a cream paper brightened by 20 % turns near-white with its hue shifted towards the
 * channels left (libvips' brightness, a lightness change, does so too). The darker one's mean
 * colour is raised, every channel alike, until it comes within maxColourDistance of the
 * brighter one's. Only the grain can then tell a brightened copy from another near-white paper, so
 * such a pair is compared after the brightness change alone (levelAgreement).
 */
function isClippedBrightening(p: PackedDescriptors, i: number, j: number): boolean {
  const rgb = (k: number) => descriptorOf(p, k).subarray(colourOffset, colourOffset + 3);
  const sum = (k: number) => rgb(k)[0]! + rgb(k)[1]! + rgb(k)[2]!;
  const [dark, bright] = sum(i) <= sum(j) ? [i, j] : [j, i];
  if (Math.max(...rgb(bright)) < clippedLevel) return false;
  const c = rgb(dark);
  const [r, g, b] = [c[0]!, c[1]!, c[2]!];
  for (let shift = 2; shift <= 255 - Math.min(r, g, b); shift += 2) {
    const [sa, sb] = labChroma(Math.min(255, r + shift), Math.min(255, g + shift), Math.min(255, b + shift));
    if (Math.hypot(sa - p.colourA[bright]!, sb - p.colourB[bright]!) <= maxColourDistance) return true;
  }
  return false;
}

/** CIELAB a* and b* of an sRGB colour (D65). */
function labChroma(r: number, g: number, b: number): [number, number] {
  const [rl, gl, bl] = [r, g, b].map((v) => {
    const u = v / 255;
    return u <= 0.04045 ? u / 12.92 : ((u + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const fx = f((0.4124 * rl + 0.3576 * gl + 0.1805 * bl) / 0.95047);
  const fy = f(0.2126 * rl + 0.7152 * gl + 0.0722 * bl);
  const fz = f((0.0193 * rl + 0.1192 * gl + 0.9505 * bl) / 1.08883);
  return [500 * (fx - fy), 200 * (fy - fz)];
}
