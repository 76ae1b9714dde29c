import { describe, expect, it } from 'vitest';
import { oddAspectRatioScore, oddSizeScores } from './size-issues.ts';

describe('oddAspectRatioScore', () => {
  it('is 0 up to 2 : 1 either way, 0.5 at 2.5 : 1, 1 from 3 : 1', () => {
    expect(oddAspectRatioScore(1920, 1080)).toBe(0);
    expect(oddAspectRatioScore(1000, 2000)).toBe(0);
    expect(oddAspectRatioScore(2500, 1000)).toBeCloseTo(0.5);
    expect(oddAspectRatioScore(400, 1000)).toBeCloseTo(0.5);
    expect(oddAspectRatioScore(3000, 1000)).toBe(1);
    expect(oddAspectRatioScore(10_000, 10)).toBe(1);
  });

  it('does not divide by zero on a degenerate size', () => {
    expect(oddAspectRatioScore(0, 100)).toBe(0);
  });
});

describe('oddSizeScores', () => {
  const photos = Array.from({ length: 20 }, (_, i) => ({ width: 4000 + 10 * i, height: 3000 }));

  it('scores by octaves from the median size: 0 within 2×, 0.5 at 4×, 1 from 8×', () => {
    const sizes = [...photos, { width: 2200, height: 1650 }, { width: 1000, height: 750 }, { width: 500, height: 375 }, { width: 16_000, height: 12_000 }];
    const { scores, medianSize } = oddSizeScores(sizes);
    expect(medianSize).toBeCloseTo(Math.sqrt(4090 * 3000), -2);
    for (let i = 0; i < 20; i++) expect(scores[i]).toBe(0);
    expect(scores[20]).toBe(0);
    expect(scores[21]).toBeCloseTo(0.5, 1);
    expect(scores[22]).toBeCloseTo(1, 1);
    expect(scores[23]).toBeCloseTo(0.5, 1);
  });

  it('uses the number of pixels, not the shape: a panorama of a photo’s pixels is not odd in size', () => {
    const { scores } = oddSizeScores([...photos, { width: 12_000, height: 1000 }]);
    expect(scores[20]).toBe(0);
  });

  it('has no typical size under 3 images', () => {
    expect(Array.from(oddSizeScores([{ width: 10, height: 10 }, { width: 5000, height: 5000 }]).scores)).toEqual([0, 0]);
    expect(oddSizeScores([]).scores.length).toBe(0);
  });
});
