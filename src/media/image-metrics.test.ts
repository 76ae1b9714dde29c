import { describe, expect, it } from 'vitest';
import {
  blurScore,
  brightScore,
  darkScore,
  dctPhash,
  hammingDistance,
  blurrySharpness,
  chromaOf,
  grayscaleScore,
  lowInformationScore,
  laplacianStats,
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
    expect(laplacianStats(image(16, 16, () => 90)).variance).toBe(0);
    // Every interior pixel of a 0/255 checkerboard has a Laplacian of ±1020.
    expect(laplacianStats(image(16, 16, (x, y) => ((x + y) % 2) * 255)).variance).toBeCloseTo(1020 * 1020, 0);
    // Tiles of width 32 do not divide 100: the partial column must not change the variance.
    expect(laplacianStats(image(100, 70, (x, y) => ((x + y) % 2) * 255)).variance).toBeCloseTo(1020 * 1020, 0);
  });

  /** Vertical bars 32 px wide (edges mid-tile) between two gray levels, blurred by a Gaussian of `sigma` px. */
  const bars = (sigma: number, low: number, high: number) => {
    const sharp = (x: number) => (Math.floor((x + 16) / 32) % 2 ? high : low);
    const radius = Math.ceil(3 * sigma);
    const weights = Array.from({ length: 2 * radius + 1 }, (_, k) => (sigma === 0 ? 1 : Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma))));
    const total = weights.reduce((x, y) => x + y);
    return image(256, 192, (x) => Math.round(weights.reduce((acc, w, k) => acc + w * sharp(x + k - radius), 0) / total));
  };

  it('reads a smooth gradient, a flat image and a bokeh-like soft blob as having nothing to judge, never as blur', () => {
    const gradient = image(512, 384, (x, y) => 40 + (x + y) / 6);
    const blob = image(512, 384, (x, y) => 100 + 60 * Math.exp(-((x - 256) ** 2 + (y - 192) ** 2) / 20_000));
    for (const g of [gradient, blob, image(512, 384, () => 90)]) {
      expect(laplacianStats(g).sharpness).toBeNull();
      expect(qualityMetrics(g, 0).blur).toBe(0);
    }
  });

  it('measures edge width, not contrast: a blurred edge is blurry at any contrast, a sharp one sharp', () => {
    const sharpLow = laplacianStats(bars(0, 100, 130)).sharpness!;
    const sharpHigh = laplacianStats(bars(0, 20, 230)).sharpness!;
    const softLow = laplacianStats(bars(3, 100, 130)).sharpness!;
    const softHigh = laplacianStats(bars(3, 20, 230)).sharpness!;
    expect(Math.abs(sharpLow - sharpHigh) / sharpHigh).toBeLessThan(0.1);
    // At low contrast, 8-bit rounding turns a soft edge into steps, which reads a little sharper.
    expect(blurScore(softHigh)).toBeGreaterThan(0.9);
    // A lone ideal step is the least sharp a sharp edge gets (RMS Laplacian ÷ gradient = √2);
    // texture and detail score higher.
    expect(sharpLow).toBeCloseTo(Math.SQRT2, 1);
    expect(blurScore(sharpLow)).toBeLessThan(0.35);
    expect(blurScore(laplacianStats(bars(2, 100, 130)).sharpness)).toBeGreaterThan(0.9);
    expect(blurScore(softLow)).toBeGreaterThan(0.9);
  });

  it('judges by the sharper part: a sharp subject over a third of the structure, on a soft background, is sharp', () => {
    const soft = bars(3, 20, 230);
    const subject = bars(0, 20, 230);
    const inSubject = (x: number, y: number) => x >= 32 && x < 192 && y >= 32 && y < 160;
    const mixed = image(256, 192, (x, y) => (inSubject(x, y) ? subject : soft).data[y * 256 + x]!);
    expect(blurScore(laplacianStats(mixed).sharpness)).toBeLessThan(0.35);
    expect(blurScore(laplacianStats(soft).sharpness)).toBeGreaterThan(0.9);
  });

  it('measures brightness and the near-black and near-white shares', () => {
    const half = qualityMetrics(image(10, 10, (x) => (x < 5 ? 0 : 255)), 0);
    expect(half.brightnessMean).toBeCloseTo(127.5);
    expect(half.darkFraction).toBeCloseTo(0.5);
    expect(half.brightFraction).toBeCloseTo(0.5);
    const black = qualityMetrics(image(10, 10, () => 5), 0);
    expect([black.dark, black.bright]).toEqual([1, 0]);
    const white = qualityMetrics(image(10, 10, () => 250), 0);
    expect([white.dark, white.bright]).toEqual([0, 1]);
    const grey = qualityMetrics(image(10, 10, () => 128), 0);
    // A flat image has no edges to be sharp or blurred: it is low on information, not blurry.
    expect([grey.dark, grey.bright, grey.blur, grey.lowInformation]).toEqual([0, 0, 0, 1]);
  });

  it('tells a night shot with a lamp from an under-exposed picture, and sunlit snow from an over-exposed one', () => {
    // Rows of levels in the given shares (top to bottom), 100 × 100 pixels.
    const rows = (...bands: Array<[share: number, level: number]>) =>
      image(100, 100, (_, y) => {
        let top = 0;
        for (const [share, level] of bands) if (y < (top += share * 100)) return level;
        return bands[bands.length - 1]![1];
      });
    const night = qualityMetrics(rows([0.97, 30], [0.03, 220]), 0);
    const underExposed = qualityMetrics(rows([0.97, 30], [0.03, 80]), 0);
    expect(night.highlightLevel).toBe(220);
    expect(night.dark).toBe(0);
    expect(underExposed.dark).toBeGreaterThan(0.5);
    // Snow in sunlight: light overall, with trees in shadow and no pixel clipped.
    const snow = qualityMetrics(rows([0.05, 120], [0.35, 205], [0.6, 232]), 0);
    const overExposed = qualityMetrics(rows([0.05, 120], [0.3, 205], [0.65, 255]), 0);
    expect(snow.brightnessMean).toBeGreaterThan(210);
    expect([snow.shadowLevel, snow.clippedFraction]).toEqual([120, 0]);
    expect(snow.bright).toBe(0);
    expect(overExposed.clippedFraction).toBeCloseTo(0.65);
    expect(overExposed.bright).toBeGreaterThan(0.5);
  });

  it('keeps every score within 0..1 and monotonic in its raw metric', () => {
    const sharpness = [0, 0.2, 0.6, blurrySharpness, 1.2, 1.5, 5];
    const blur = sharpness.map(blurScore);
    expect(blur[3]).toBeCloseTo(0.5);
    for (let i = 1; i < blur.length; i++) expect(blur[i]).toBeLessThan(blur[i - 1]!);

    const means = [0, 20, 40, 70, 128, 185, 210, 235, 255];
    // Highlights lost, and shadows or highlights clipped away: only the mean and the shares decide.
    const dark = means.map((m) => darkScore(m, 0, 0));
    const bright = means.map((m) => brightScore(m, 0, 255, 1));
    for (let i = 1; i < means.length; i++) {
      expect(dark[i]).toBeLessThanOrEqual(dark[i - 1]!);
      expect(bright[i]).toBeGreaterThanOrEqual(bright[i - 1]!);
    }
    expect(darkScore(128, 0.95, 0)).toBe(1);
    expect(darkScore(128, 0.7, 0)).toBeGreaterThan(darkScore(128, 0.6, 0));
    expect(brightScore(128, 0.7, 255, 1)).toBeGreaterThan(brightScore(128, 0.6, 255, 1));
    const highlights = [0, 80, 109, 140, 255].map((h) => darkScore(30, 0, h));
    for (let i = 1; i < highlights.length; i++) expect(highlights[i]).toBeLessThanOrEqual(highlights[i - 1]!);
    for (const s of [...blur, ...dark, ...bright, ...highlights]) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });

  it('measures information as gray-level entropy: 0 bits flat, 1 bit two-tone, many for varied content', () => {
    expect(qualityMetrics(image(64, 64, () => 77), 0).entropy).toBe(0);
    const twoTone = qualityMetrics(image(64, 64, (x) => (x < 32 ? 10 : 200)), 0);
    expect(twoTone.entropy).toBeCloseTo(1);
    expect(twoTone.lowInformation).toBe(1);
    const varied = qualityMetrics(image(64, 64, (x, y) => (x * 7 + y * 13) % 256), 0);
    expect(varied.entropy).toBeGreaterThan(7);
    expect(varied.lowInformation).toBe(0);
    expect(lowInformationScore(2)).toBeCloseTo(0.5);
  });

  it('measures the share of pixels at the commonest gray level', () => {
    expect(qualityMetrics(image(64, 64, () => 77), 0).modeFraction).toBe(1);
    // A white page (three quarters) with text in two grays.
    const page = qualityMetrics(image(64, 64, (x, y) => (y < 48 ? 255 : x % 2 ? 30 : 90)), 0);
    expect(page.modeFraction).toBeCloseTo(0.75);
    expect(qualityMetrics(image(64, 64, (x, y) => (x * 7 + y * 13) % 256), 0).modeFraction).toBeLessThan(0.02);
  });

  it('measures colour as the 99th percentile of chroma, ignoring transparent pixels', () => {
    const rgb = (n: number, colour: (i: number) => [number, number, number]) => Uint8Array.from({ length: 3 * n }, (_, k) => colour(Math.floor(k / 3))[k % 3]!);
    expect(chromaOf(rgb(4000, (i) => [i % 256, i % 256, i % 256]), 3)).toBe(0);
    // A gray picture with a few coloured pixels (well under 1 %) is still gray; 5 % colour is not.
    expect(chromaOf(rgb(4000, (i) => (i % 400 === 0 ? [255, 0, 0] : [90, 90, 90])), 3)).toBe(0);
    expect(chromaOf(rgb(4000, (i) => (i % 20 === 0 ? [255, 0, 0] : [90, 90, 90])), 3)).toBe(255);
    // Fully transparent red pixels over an opaque gray half: no colour.
    const rgba = Uint8Array.from({ length: 4 * 4000 }, (_, k) => {
      const i = Math.floor(k / 4);
      return i % 2 ? [255, 0, 0, 0][k % 4]! : [90, 90, 90, 255][k % 4]!;
    });
    expect(chromaOf(rgba, 4)).toBe(0);
    expect(grayscaleScore(0)).toBe(1);
    expect(grayscaleScore(8)).toBeCloseTo(0.5);
    expect(grayscaleScore(40)).toBe(0);
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
