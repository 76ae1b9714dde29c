import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { photosDir } from '../../test/helpers/test-media.ts';
import { analysisGrayOf } from './analyze-image.ts';
import { decodeImage } from './image-decode.ts';
import { brightScore, darkScore, qualityMetrics, toGray, type GrayImage } from './image-metrics.ts';

/**
 * Dark and bright flag a failed exposure, not a dark or light subject (bench/quality/exposure.ts).
 * Plasma's dusk and forest photos keep a lit sky or a clearing and were flagged dark by the mean
 * rule alone; MATE's backgrounds, made darker by 3 stops or lighter by 2 (the gray image × 2^(EV /
 * 2.2), clipped at 255), lose their highlights or clip at white: the gates must keep what the
 * mean rule caught of them.
 */
describe('dark and bright on real pictures', () => {
  const grayOf = async (dir: string, name: string) => {
    const { pixels } = await decodeImage(join(dir, name), { maxPixels: 200_000_000, workingSize: 512 });
    return analysisGrayOf(toGray(pixels.data, pixels.width, pixels.height, pixels.channels));
  };
  const exposed = (g: GrayImage, ev: number): GrayImage => ({ ...g, data: g.data.map((v) => Math.min(255, Math.round(v * 2 ** (ev / 2.2)))) });
  let dir: string;
  let mate: GrayImage[];
  beforeAll(async () => {
    dir = await photosDir();
    mate = await Promise.all(readdirSync(dir).filter((n) => n.startsWith('mate-')).sort().map((n) => grayOf(dir, n)));
    expect(mate.length).toBeGreaterThanOrEqual(20);
  });

  it('leaves dusk, forest and fog photos alone', async () => {
    for (const name of ['plasma-Path-2560x1600.jpg', 'plasma-OneStandsOut-2560x1600.jpg', 'plasma-DarkestHour-2560x1600.jpg', 'plasma-ColdRipple-2560x1600.jpg']) {
      const q = qualityMetrics(await grayOf(dir, name), 0);
      expect({ name, dark: q.dark < 0.5, bright: q.bright < 0.5 }).toEqual({ name, dark: true, bright: true });
    }
  });

  it('flags none of the ordinary originals and keeps the flags of their copies 3 stops darker or 2 stops lighter', () => {
    const originals = mate.map((g) => qualityMetrics(g, 0));
    expect(originals.filter((q) => q.dark >= 0.5 || q.bright >= 0.5)).toHaveLength(0);
    // What the mean rule alone flags (the gates open), and what the gated scores still flag.
    const darker = mate.map((g) => qualityMetrics(exposed(g, -3), 0));
    const lighter = mate.map((g) => qualityMetrics(exposed(g, 2), 0));
    const dim = darker.filter((q) => darkScore(q.brightnessMean, q.darkFraction, 0) >= 0.5);
    const light = lighter.filter((q) => brightScore(q.brightnessMean, q.brightFraction, 255, 1) >= 0.5);
    expect(dim.length).toBeGreaterThanOrEqual(5);
    expect(light.length).toBeGreaterThanOrEqual(10);
    expect(dim.filter((q) => q.dark >= 0.5)).toHaveLength(dim.length);
    expect(light.filter((q) => q.bright >= 0.5).length).toBeGreaterThanOrEqual(Math.ceil(0.9 * light.length));
  });
});
