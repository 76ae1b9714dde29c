import { describe, expect, it } from 'vitest';
import { areaResize } from './area-resize.ts';
import { seededRandom } from '../lib/seeded-random.ts';

const randomPixels = (n: number, seed: number) => {
  const rand = seededRandom(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
};

describe('areaResize', () => {
  it('returns the pixels themselves at the same size', () => {
    const src = randomPixels(7 * 5 * 3, 1);
    expect([...areaResize(src, 7, 5, 3, 7, 5)]).toEqual([...src]);
  });

  it('averages 2 × 2 blocks when halving', () => {
    const src = Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150]);
    // 4 × 4, one channel: the top-left block is 0, 10, 40, 50.
    expect([...areaResize(src, 4, 4, 1, 2, 2)]).toEqual([25, 45, 105, 125]);
  });

  it('keeps the mean of every channel at any scale, and keeps channels apart', () => {
    const [w, h] = [37, 23];
    const src = randomPixels(w * h * 2, 2);
    for (const [ow, oh] of [[16, 16], [5, 9], [37, 1], [50, 40]] as const) {
      const out = areaResize(src, w, h, 2, ow, oh);
      for (const c of [0, 1]) {
        let inSum = 0;
        for (let i = c; i < src.length; i += 2) inSum += src[i]!;
        let outSum = 0;
        for (let i = c; i < out.length; i += 2) outSum += out[i]!;
        expect(outSum / (ow * oh)).toBeCloseTo(inSum / (w * h), 3);
      }
    }
  });

  it('weighs partly covered pixels by the share covered', () => {
    // Three pixels into two: each output covers one whole pixel and half of the middle one.
    expect([...areaResize(Uint8Array.from([0, 90, 180]), 3, 1, 1, 2, 1)].map((v) => Math.round(v * 1000) / 1000)).toEqual([30, 150]);
  });

  it('enlarges by repeating the pixel underneath', () => {
    expect([...areaResize(Uint8Array.from([7, 200]), 2, 1, 1, 4, 2)]).toEqual([7, 7, 200, 200, 7, 7, 200, 200]);
  });

  it('resamples only the region asked for', () => {
    const src = Uint8Array.from({ length: 6 * 4 }, (_, i) => (i % 6 >= 2 && i % 6 < 4 && i >= 6 && i < 18 ? 100 : 0));
    expect([...areaResize(src, 6, 4, 1, 1, 1, { left: 2, top: 1, width: 2, height: 2 })]).toEqual([100]);
  });

  it('refuses a region outside the image or a short buffer', () => {
    expect(() => areaResize(new Uint8Array(16), 4, 4, 1, 2, 2, { left: 3, top: 0, width: 2, height: 2 })).toThrow(RangeError);
    expect(() => areaResize(new Uint8Array(15), 4, 4, 1, 2, 2)).toThrow(RangeError);
  });
});
