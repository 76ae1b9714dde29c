/**
 * Calibrated similarity levels (SPEC §5, §7). The raw signals — cosine similarity of the
 * embeddings and Hamming distance of the 64-bit perceptual hashes — are mapped onto one scale
 * whose levels mean something: at 0.96 the duplicates of an image are its copies under everyday
 * edits and nothing else, higher levels keep only ever lighter edits, and 1.0 means the same
 * bytes. The knots were fitted on a labelled set of real photos and their edits (see
 * bench/neardup and the README section "Similarity levels"), where the measured precision and
 * recall per level are documented.
 */
export const duplicateLevels = [0.96, 0.97, 0.98, 0.985, 0.99, 0.995, 0.999, 1.0] as const;
export type DuplicateLevel = (typeof duplicateLevels)[number];

export interface LevelCalibration {
  /** Embedding model the knots were fitted for: another model's cosines mean other things. */
  model: string;
  /**
   * Cosine similarity lost per bit of perceptual-hash distance beyond `hashFreeBits`. The hash
   * sees layout and contrast, the embedding content; a copy agrees on both, while two different
   * photos of one scene agree on content only.
   */
  hashPenalty: number;
  hashFreeBits: number;
  /** (combined score, level) pairs, both increasing; linear in between. */
  knots: ReadonlyArray<readonly [number, number]>;
}

/** The combined score: cosine, less the hash penalty. */
export function combinedScore(cal: LevelCalibration, cosine: number, hashDistance: number): number {
  return cosine - cal.hashPenalty * Math.max(0, hashDistance - cal.hashFreeBits);
}

/**
 * The calibrated level of a pair of items that are not byte-identical: below the first knot it
 * falls linearly to 0 at a combined score of 0; above the last it stays there (only identical
 * bytes reach 1.0).
 */
export function similarityLevel(cal: LevelCalibration, cosine: number, hashDistance: number): number {
  const z = combinedScore(cal, cosine, hashDistance);
  const knots = cal.knots;
  const [z0, l0] = knots[0]!;
  if (z <= z0) return Math.max(0, (l0 * z) / z0);
  for (let i = 1; i < knots.length; i++) {
    const [za, la] = knots[i - 1]!;
    const [zb, lb] = knots[i]!;
    if (z <= zb) return la + ((lb - la) * (z - za)) / (zb - za);
  }
  return knots[knots.length - 1]![1];
}

/**
 * Perceptual hashes (16 hex digits each) as 2n 32-bit halves, so the kNN pass can compare
 * millions of pairs without BigInt. A missing hash reads as all zeros.
 */
export function packHashes(hashes: ReadonlyArray<string | null>): Uint32Array {
  const out = new Uint32Array(hashes.length * 2);
  hashes.forEach((h, i) => {
    if (h === null || !/^[0-9a-f]{16}$/i.test(h)) return;
    out[2 * i] = Number.parseInt(h.slice(0, 8), 16);
    out[2 * i + 1] = Number.parseInt(h.slice(8), 16);
  });
  return out;
}

/** Hamming distance between packed hashes i and j. */
export function packedHashDistance(packed: Uint32Array, i: number, j: number): number {
  return popcount(packed[2 * i]! ^ packed[2 * j]!) + popcount(packed[2 * i + 1]! ^ packed[2 * j + 1]!);
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
