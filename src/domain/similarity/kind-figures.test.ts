import { describe, expect, it } from 'vitest';
import type { Quality } from '../types.ts';
import { kindFigureCount, kindFiguresOf, kindIsolation } from './kind-figures.ts';

const quality = (entropy: number, brightFraction: number, sharpness: number | null, blurVariance: number): Quality =>
  ({ entropy, brightFraction, sharpness, blurVariance }) as Quality;

describe('kind figures', () => {
  it('reads entropy, bright share, log sharpness and log Laplacian variance, NaN where unknown', () => {
    const f = kindFiguresOf([quality(7, 0.1, Math.E, Math.E - 1), null, quality(5, 0, null, 0)]);
    expect(f.length).toBe(3 * kindFigureCount);
    expect(Array.from(f.subarray(0, 4))).toEqual([7, Math.fround(0.1), 1, 1]);
    expect(Array.from(f.subarray(4, 8)).every(Number.isNaN)).toBe(true);
    expect(f[8 + 2]).toBeNaN();
    expect(f[8 + 3]).toBe(0);
  });

  it('is the mean capped |robust z| over the known figures, NaN for an item with none', () => {
    // 20 photos alike, one screenshot (low entropy, white, crisp, edgy), one item unknown.
    const photos = Array.from({ length: 20 }, (_, i) => quality(7 + 0.01 * i, 0.01, 1.5, 300));
    const iso = kindIsolation(kindFiguresOf([...photos, quality(4, 0.7, 1.9, 5000), null]));
    // Every figure of the screenshot is past the cap: 3 each.
    expect(iso[20]).toBeCloseTo(3, 5);
    expect(iso[21]).toBeNaN();
    for (let i = 0; i < 20; i++) expect(iso[i]).toBeLessThan(0.1);
  });

  it('does not let one extreme figure count for more than the cap', () => {
    const photos = Array.from({ length: 20 }, () => quality(7, 0.01, 1.5, 300));
    const iso = kindIsolation(kindFiguresOf([...photos, quality(7, 0.99, 1.5, 300)]));
    expect(iso[20]).toBeCloseTo(3 / 4, 5);
  });
});
