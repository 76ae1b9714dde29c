import { describe, expect, it } from 'vitest';
import { fineSide, localDifference } from './copy-verification.ts';

/** A smooth picture with some structure: a few blobs on a gradient, values in 0..255. */
const picture = (x: number, y: number): number =>
  60 + 80 * x + 40 * Math.sin(7 * x + 3 * y) + 70 * Math.exp(-((x - 0.3) ** 2 + (y - 0.6) ** 2) * 40) - 50 * Math.exp(-((x - 0.7) ** 2 + (y - 0.3) ** 2) * 60);

/** The rectangle (left, top, width, height in the unit square) of f sampled on the fine grid. */
function grid(f: (x: number, y: number) => number, left = 0, top = 0, width = 1, height = 1): Uint8Array {
  const out = new Uint8Array(fineSide * fineSide);
  for (let i = 0; i < fineSide; i++) {
    for (let j = 0; j < fineSide; j++) {
      const v = f(left + (width * (j + 0.5)) / fineSide, top + (height * (i + 0.5)) / fineSide);
      out[i * fineSide + j] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return out;
}

/** Threshold shipped in copy-descriptor.ts. */
const lookAlike = 1;

describe('localDifference', () => {
  const original = grid(picture);

  it('is 0 for the same grid and for a flat one', () => {
    expect(localDifference(original, original)).toBeCloseTo(0, 6);
    expect(localDifference(original, new Uint8Array(fineSide * fineSide).fill(200))).toBe(0);
  });

  it('ignores brightness and contrast edits', () => {
    const edited = grid((x, y) => 0.8 * picture(x, y) + 20);
    expect(localDifference(original, edited)).toBeLessThan(0.05);
  });

  it('finds a crop inside the original, either way round', () => {
    const crop = grid(picture, 0.06, 0.03, 0.9, 0.9);
    expect(localDifference(original, crop)).toBeLessThan(lookAlike / 2);
    expect(localDifference(crop, original)).toBeLessThan(lookAlike / 2);
  });

  it('tells a picture that differs in one region (another mouth, another panel)', () => {
    const mouth = (x: number, y: number) => picture(x, y) + (Math.abs(x - 0.5) < 0.12 && Math.abs(y - 0.8) < 0.05 ? -120 : 0);
    expect(localDifference(original, grid(mouth))).toBeGreaterThan(lookAlike);
  });

  it('is symmetric in its arguments for an uncropped pair', () => {
    const other = grid((x, y) => picture(x, y) + 30 * Math.sin(20 * x));
    expect(localDifference(original, other)).toBeCloseTo(localDifference(other, original), 1);
  });
});
