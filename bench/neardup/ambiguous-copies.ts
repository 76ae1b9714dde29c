/**
 * The copies a duplicate finder cannot be scored on, left out of the duplicate evaluation of
 * the broad set (held-out.ts, broad.ts, the broad calibration e2e test): the watermark copies
 * of near-uniform originals. A big semi-transparent text over a blank page or a flat paper is
 * then the only structure the copy has, which makes the pair exactly one of the hard negatives
 * the set is meant to hold, "flat images that differ only in a logo": labelled a copy by its
 * edit and a look-alike by that rule, it could only be scored against one of the two. The blur, dark and bright figures keep them.
 *
 * Near-uniform is read off the original alone, with sharp rather than Strata's own descriptor:
 * its 16 × 16 block means (gray, transparent pixels on white) span fewer than 16 gray levels.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import type { BroadFile, BroadSet } from './broad-set.ts';

const SIDE = 16;
const NEAR_UNIFORM_SPREAD = 16;

export async function withoutAmbiguousCopies(set: BroadSet): Promise<{ set: BroadSet; leftOut: BroadFile[] }> {
  const originals = new Map(set.files.filter((f) => f.edit === 'original').map((f) => [f.group, f]));
  const flat = new Set<string>();
  for (const [group, original] of originals) {
    if (await isNearUniform(join(set.dir, original.file))) flat.add(group);
  }
  const ambiguous = (f: BroadFile) => f.edit === 'watermark' && flat.has(f.group);
  return { set: { dir: set.dir, files: set.files.filter((f) => !ambiguous(f)) }, leftOut: set.files.filter(ambiguous) };
}

async function isNearUniform(path: string): Promise<boolean> {
  const means = await sharp(path).flatten({ background: '#ffffff' }).grayscale().resize(SIDE, SIDE, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  let lo = 255;
  let hi = 0;
  for (const v of means) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi - lo < NEAR_UNIFORM_SPREAD;
}
