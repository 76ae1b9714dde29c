import { describe, expect, it } from 'vitest';
import {
  blurScore,
  brightScore,
  darkScore,
  dctPhash,
  hammingDistance,
  laplacianVariance,
  qualityMetrics,
  toGray,
  type GrayImage,
} from './image-metrics.ts';

function image(width: number, height: number, value: (x: number, y: number) => number): GrayImage {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = value(x, y);
  return { data, width, height };
}

describe('quality metrics', () => {
  it('finds no edges in a flat image and many in a checkerboard', () => {
    expect(laplacianVariance(image(16, 16, () => 90))).toBe(0);
    // Every interior pixel of a 0/255 checkerboard has a Laplacian of ±1020.
    expect(laplacianVariance(image(16, 16, (x, y) => ((x + y) % 2) * 255))).toBeCloseTo(1020 * 1020, 0);
  });

  it('measures brightness and the near-black and near-white shares', () => {
    const half = qualityMetrics(image(10, 10, (x) => (x < 5 ? 0 : 255)));
    expect(half.brightnessMean).toBeCloseTo(127.5);
    expect(half.darkFraction).toBeCloseTo(0.5);
    expect(half.brightFraction).toBeCloseTo(0.5);
    const black = qualityMetrics(image(10, 10, () => 5));
    expect([black.dark, black.bright]).toEqual([1, 0]);
    const white = qualityMetrics(image(10, 10, () => 250));
    expect([white.dark, white.bright]).toEqual([0, 1]);
    const grey = qualityMetrics(image(10, 10, () => 128));
    expect([grey.dark, grey.bright, grey.blur]).toEqual([0, 0, 1]);
  });

  it('keeps every score within 0..1 and monotonic in its raw metric', () => {
    const variances = [0, 10, 50, 100, 200, 1000, 1e6];
    const blur = variances.map(blurScore);
    expect(blur[3]).toBeCloseTo(0.5);
    for (let i = 1; i < blur.length; i++) expect(blur[i]).toBeLessThan(blur[i - 1]!);

    const means = [0, 20, 40, 70, 128, 185, 210, 235, 255];
    const dark = means.map((m) => darkScore(m, 0));
    const bright = means.map((m) => brightScore(m, 0));
    for (let i = 1; i < means.length; i++) {
      expect(dark[i]).toBeLessThanOrEqual(dark[i - 1]!);
      expect(bright[i]).toBeGreaterThanOrEqual(bright[i - 1]!);
    }
    expect(darkScore(128, 0.95)).toBe(1);
    expect(darkScore(128, 0.7)).toBeGreaterThan(darkScore(128, 0.6));
    expect(brightScore(128, 0.7)).toBeGreaterThan(brightScore(128, 0.6));
    for (const s of [...blur, ...dark, ...bright]) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });

  it('lays transparent pixels over mid-grey', () => {
    const rgba = new Uint8Array([255, 255, 255, 0, 255, 255, 255, 255, 0, 0, 0, 128]);
    expect([...toGray(rgba, 3, 1, 4).data]).toEqual([128, 255, 64]);
    expect([...toGray(new Uint8Array([255, 0, 0, 0, 0, 255]), 2, 1, 3).data]).toEqual([76, 29]);
  });
});

describe('dctPhash', () => {
  const waves = (x: number, y: number) => 128 + 50 * Math.sin(x / 4 + y / 7) + 40 * Math.cos((x * y) / 60);
  const scene = image(32, 32, waves);

  it('is 16 hex digits and ignores uniform brightness and contrast changes', () => {
    const hash = dctPhash(scene.data);
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    const brighter = image(32, 32, (x, y) => 40 + waves(x, y) * 0.8);
    // Only 8-bit rounding differs, which may flip a coefficient sitting on the median.
    expect(hammingDistance(dctPhash(brighter.data), hash)).toBeLessThanOrEqual(2);
  });

  it('changes a lot for different structure', () => {
    const rings = image(32, 32, (x, y) => 128 + 120 * Math.sin(Math.hypot(x - 16, y - 16) / 2));
    expect(hammingDistance(dctPhash(scene.data), dctPhash(rings.data))).toBeGreaterThan(20);
  });

  it('refuses an input of the wrong size', () => {
    expect(() => dctPhash(image(16, 16, () => 0).data)).toThrow(/32×32/);
  });
});

describe('hammingDistance', () => {
  it('counts differing bits', () => {
    expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0);
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
    expect(hammingDistance('a5', '5a')).toBe(8);
  });
});
