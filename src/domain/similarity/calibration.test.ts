import { describe, expect, it } from 'vitest';
import { calibrationFor } from './calibration.ts';
import { duplicateLevels, similarityLevel } from './levels.ts';

const model = 'nsfwjs-mobilenet-v2@nsfwjs@4.3.0/block_13_expand_relu/avg/160px/signed/int8-eafe3ac3/l2-centred-e98e9774+copy-v7';

describe('calibrationFor', () => {
  it('returns the calibration of its exact model id', () => {
    const cal = calibrationFor(model);
    expect(cal).not.toBeNull();
    expect(cal!.model).toBe(model);
    expect(calibrationFor(model)).toBe(cal); // the same entry each time
  });

  it('returns null for any other id, including prefixes, extensions and case changes', () => {
    for (const other of [
      '',
      'unknown-model',
      'nsfwjs-mobilenet-v2@nsfwjs@4.3.0/block_13_expand_relu/avg/160px/signed',
      model.slice(0, -1),
      `${model}x`,
      `${model}/more`,
      model.toUpperCase(),
      ` ${model}`,
      model.replace('l2-centred-e98e9774+copy-v7', 'l2-centred-00000000'),
      model.replace('/int8-eafe3ac3', '/int8-00000000'),
    ]) {
      expect(calibrationFor(other), other).toBeNull();
    }
  });

  describe('the fitted calibration', () => {
    const cal = calibrationFor(model)!;

    it('has positive weights', () => {
      expect(cal.weights.cosine).toBeGreaterThan(0);
      expect(cal.weights.descriptor).toBeGreaterThan(0);
      expect(Number.isFinite(cal.weights.cosine + cal.weights.descriptor)).toBe(true);
    });

    it('has knots strictly increasing in both score and level, from level 0.96 to 0.999', () => {
      const knots = cal.knots;
      expect(knots.length).toBeGreaterThanOrEqual(2);
      expect(knots[0]![1]).toBe(0.96);
      expect(knots[knots.length - 1]![1]).toBe(0.999);
      for (let i = 1; i < knots.length; i++) {
        expect(knots[i]![0], `score of knot ${i}`).toBeGreaterThan(knots[i - 1]![0]);
        expect(knots[i]![1], `level of knot ${i}`).toBeGreaterThan(knots[i - 1]![1]);
      }
      for (const [z, level] of knots) {
        expect(z).toBeGreaterThan(0); // the linear ramp from 0 below the first knot needs z0 > 0
        expect(z).toBeLessThanOrEqual(cal.weights.cosine + cal.weights.descriptor); // reachable
        expect(level).toBeGreaterThan(0);
        expect(level).toBeLessThan(1);
      }
    });

    it('maps identical-looking pairs (both signals 1) to its top level, below 1.0', () => {
      expect(similarityLevel(cal, 1, 1)).toBe(0.999);
      expect(duplicateLevels).toContain(0.999);
    });
  });
});
