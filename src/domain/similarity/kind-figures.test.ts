import { describe, expect, it } from 'vitest';
import type { Quality } from '../types.ts';
import { kindFigureCount, kindFiguresOf, kindIsolation } from './kind-figures.ts';

const quality = (entropy: number, modeFraction: number | undefined, brightFraction: number, sharpness: number | null, blurVariance: number): Quality =>
  ({ entropy, modeFraction, brightFraction, sharpness, blurVariance }) as Quality;
const photo = (i: number) => quality(7 + 0.01 * i, 0.03, 0.01, 1.5, 300);
const screenshot = quality(4, 0.5, 0.7, 1.9, 5000);

describe('kind figures', () => {
  it('reads entropy, mode fraction, bright share, log sharpness and log Laplacian variance, NaN where unknown', () => {
    const f = kindFiguresOf([quality(7, 0.2, 0.1, Math.E, Math.E - 1), null, quality(5, undefined, 0, null, 0)]);
    expect(f.length).toBe(3 * kindFigureCount);
    expect(Array.from(f.subarray(0, 5))).toEqual([7, Math.fround(0.2), Math.fround(0.1), 1, 1]);
    expect(Array.from(f.subarray(5, 10)).every(Number.isNaN)).toBe(true);
    expect(f[10 + 1]).toBeNaN();
    expect(f[10 + 3]).toBeNaN();
    expect(f[10 + 4]).toBe(0);
  });

  it('is the mean capped |robust z| over the known figures, NaN for an item with none', () => {
    // 20 photos alike, one screenshot (low entropy, one level over half of it, white, crisp, edgy), one item unknown.
    const photos = Array.from({ length: 20 }, (_, i) => photo(i));
    const iso = kindIsolation(kindFiguresOf([...photos, screenshot, null]));
    // Every figure of the screenshot is past the cap: 2 each.
    expect(iso[20]).toBeCloseTo(2, 5);
    expect(iso[21]).toBeNaN();
    for (let i = 0; i < 20; i++) expect(iso[i]).toBeLessThan(0.1);
  });

  it('does not let one extreme figure count for more than the cap', () => {
    const photos = Array.from({ length: 20 }, () => photo(0));
    const iso = kindIsolation(kindFiguresOf([...photos, quality(7, 0.03, 0.99, 1.5, 300)]));
    expect(iso[20]).toBeCloseTo(2 / 5, 5);
  });

  it('reads items analysed before the mode fraction was measured on the figures they have', () => {
    // Half the photos and a screenshot lack the figure: the others' median and spread are their own.
    const old = (q: Quality): Quality => ({ ...q, modeFraction: undefined });
    const photos = Array.from({ length: 20 }, (_, i) => (i % 2 ? old(photo(i)) : photo(i)));
    const iso = kindIsolation(kindFiguresOf([...photos, old(screenshot), screenshot]));
    expect(iso[20]).toBeCloseTo(2, 5);
    expect(iso[21]).toBeCloseTo(2, 5);
    for (let i = 0; i < 20; i++) expect(iso[i]).toBeLessThan(0.1);
  });
});
