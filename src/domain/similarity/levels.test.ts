import { describe, expect, it } from 'vitest';
import { calibrationFor } from './calibration.ts';
import { combinedScore, duplicateLevels, similarityLevel, type LevelCalibration } from './levels.ts';

const realModel = 'nsfwjs-mobilenet-v2@nsfwjs@4.3.0/block_13_expand_relu/avg/160px/signed/int8-eafe3ac3/l2-centred-e98e9774+copy-v7';
const real = calibrationFor(realModel)!;

/** A synthetic calibration with easy numbers; weights (1, 0) make the combined score the cosine. */
const simple: LevelCalibration = {
  model: 'test',
  weights: { cosine: 1, descriptor: 0 },
  knots: [
    [0.5, 0.6],
    [0.7, 0.8],
    [0.9, 0.85],
  ],
};

const calibrations: Array<[string, LevelCalibration]> = [
  ['real', real],
  ['simple', simple],
  ['balanced', { model: 'b', weights: { cosine: 0.3, descriptor: 0.7 }, knots: [[0.25, 0.5], [0.5, 0.75], [1, 0.9]] }],
];

describe('combinedScore', () => {
  it('is the weighted sum of the two signals', () => {
    const cal: LevelCalibration = { model: 'w', weights: { cosine: 2, descriptor: 3 }, knots: [[1, 1]] };
    expect(combinedScore(cal, 0.5, 0.25)).toBeCloseTo(2 * 0.5 + 3 * 0.25, 12);
    expect(combinedScore(cal, 1, 0)).toBe(2);
    expect(combinedScore(cal, 0, 1)).toBe(3);
    expect(combinedScore(cal, -1, 1)).toBe(1);
    expect(combinedScore(real, 0.9, 0.8)).toBeCloseTo(real.weights.cosine * 0.9 + real.weights.descriptor * 0.8, 12);
  });
});

describe('similarityLevel', () => {
  it('is exactly each knot level at its knot score', () => {
    for (const [z, level] of simple.knots) expect(similarityLevel(simple, z, 0.123)).toBeCloseTo(level, 12);
    // real weights sum to 1: cosine = descriptor = z gives combined score z
    for (const [z, level] of real.knots) expect(similarityLevel(real, z, z)).toBeCloseTo(level, 10);
  });

  it('is linear between knots', () => {
    expect(similarityLevel(simple, 0.6, 0)).toBeCloseTo(0.7, 12);
    expect(similarityLevel(simple, 0.55, 0)).toBeCloseTo(0.65, 12);
    expect(similarityLevel(simple, 0.8, 0)).toBeCloseTo(0.825, 12);
    expect(similarityLevel(simple, 0.85, 0)).toBeCloseTo(0.8375, 12);
    for (let i = 1; i < real.knots.length; i++) {
      const [za, la] = real.knots[i - 1]!;
      const [zb, lb] = real.knots[i]!;
      for (const t of [0.25, 0.5, 0.75]) {
        const z = za + t * (zb - za);
        expect(similarityLevel(real, z, z)).toBeCloseTo(la + t * (lb - la), 9);
      }
    }
  });

  it('falls linearly to 0 at combined score 0 below the first knot', () => {
    expect(similarityLevel(simple, 0.25, 0)).toBeCloseTo(0.3, 12);
    expect(similarityLevel(simple, 0.1, 0)).toBeCloseTo(0.12, 12);
    const [z0, l0] = real.knots[0]!;
    expect(similarityLevel(real, z0 / 2, z0 / 2)).toBeCloseTo(l0 / 2, 9);
  });

  it('is 0 at or below combined score 0 (never negative)', () => {
    for (const [, cal] of calibrations) {
      expect(similarityLevel(cal, 0, 0)).toBe(0);
      expect(similarityLevel(cal, -1, -1)).toBe(0);
      expect(similarityLevel(cal, -0.3, -0.9)).toBe(0);
    }
    expect(similarityLevel(simple, -0.5, 1)).toBe(0);
  });

  it('stays at the last knot level above it — never 1.0, which only identical bytes get', () => {
    expect(similarityLevel(simple, 0.95, 0)).toBe(0.85);
    expect(similarityLevel(simple, 1, 1)).toBe(0.85);
    expect(similarityLevel(simple, 5, 0)).toBe(0.85);
    const last = real.knots[real.knots.length - 1]![1];
    expect(last).toBe(0.999);
    expect(similarityLevel(real, 1, 1)).toBe(last);
    expect(similarityLevel(real, 1.001, 1.001)).toBe(last);
    expect(similarityLevel(real, 1, 1)).toBeLessThan(1);
  });

  it('is continuous at the knots', () => {
    for (const [name, cal] of calibrations) {
      const w = cal.weights.cosine + cal.weights.descriptor;
      for (const [z, level] of cal.knots) {
        const eps = 1e-9;
        expect(similarityLevel(cal, (z - eps) / w, (z - eps) / w), name).toBeCloseTo(level, 6);
        expect(similarityLevel(cal, (z + eps) / w, (z + eps) / w), name).toBeCloseTo(level, 6);
      }
    }
  });

  it('is non-decreasing in each signal and stays within [0, last knot level]', () => {
    const steps = 400;
    const grid = Array.from({ length: steps + 1 }, (_, i) => -1 + (2 * i) / steps);
    // refine around the knots of the real calibration, where slopes change
    const fine = [...grid, ...real.knots.flatMap(([z]) => [z - 1e-4, z, z + 1e-4])].sort((a, b) => a - b);
    for (const [name, cal] of calibrations) {
      const top = cal.knots[cal.knots.length - 1]![1];
      for (const fixed of [-1, -0.2, 0, 0.5, 0.8, 0.9, 0.95, 0.99, 1]) {
        let prevC = -Infinity;
        let prevD = -Infinity;
        for (const x of fine) {
          const byCosine = similarityLevel(cal, x, fixed);
          const byDescriptor = similarityLevel(cal, fixed, x);
          expect(byCosine, `${name} cosine ${x} descriptor ${fixed}`).toBeGreaterThanOrEqual(prevC - 1e-12);
          expect(byDescriptor, `${name} cosine ${fixed} descriptor ${x}`).toBeGreaterThanOrEqual(prevD - 1e-12);
          for (const v of [byCosine, byDescriptor]) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(top);
          }
          prevC = byCosine;
          prevD = byDescriptor;
        }
      }
    }
  });

  it('depends on the signals only through the combined score', () => {
    // real weights: trading cosine for descriptor at the weight ratio keeps the level
    const { cosine: wc, descriptor: wd } = real.weights;
    const base = similarityLevel(real, 0.95, 0.9);
    expect(similarityLevel(real, 0.95 + 0.01 * wd, 0.9 - 0.01 * wc)).toBeCloseTo(base, 12);
  });
});

describe('duplicateLevels', () => {
  it('are strictly increasing from 0.96 to 1.0', () => {
    expect(duplicateLevels[0]).toBe(0.96);
    expect(duplicateLevels[duplicateLevels.length - 1]).toBe(1);
    for (let i = 1; i < duplicateLevels.length; i++) expect(duplicateLevels[i]).toBeGreaterThan(duplicateLevels[i - 1]!);
  });

  it('every level below 1.0 is reachable by a non-identical pair under the real calibration', () => {
    const top = similarityLevel(real, 1, 1);
    for (const level of duplicateLevels.filter((l) => l < 1)) expect(top).toBeGreaterThanOrEqual(level);
  });
});
