/**
 * Calibrated similarity levels (SPEC §5, §7). Two raw signals of a candidate pair — the cosine
 * similarity of the embeddings (what is in the picture) and the correlation of the copy
 * descriptors (the picture's gray-level layout, see copy-descriptor.ts) — are mapped onto one scale
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
   * Weights of the combined score. A copy agrees on content and layout; a look-alike (another
   * shot of the same scene, a texture) agrees on one of them only.
   */
  weights: { cosine: number; descriptor: number };
  /** (combined score, level) pairs, both increasing; linear in between. */
  knots: ReadonlyArray<readonly [number, number]>;
}

export function combinedScore(cal: LevelCalibration, cosine: number, descriptorCosine: number): number {
  return cal.weights.cosine * cosine + cal.weights.descriptor * descriptorCosine;
}

/**
 * The calibrated level of a pair of items that are not byte-identical: below the first knot it
 * falls linearly to 0 at a combined score of 0 (never below); above the last it stays there
 * (only identical bytes reach 1.0).
 */
export function similarityLevel(cal: LevelCalibration, cosine: number, descriptorCosine: number): number {
  const z = combinedScore(cal, cosine, descriptorCosine);
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
