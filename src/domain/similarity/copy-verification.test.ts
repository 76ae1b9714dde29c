import { describe, expect, it } from 'vitest';
import { alignment, centralFraction, differences, fineSide, isLookAlike, type Grids } from './copy-verification.ts';

/** A smooth picture with some structure: a few blobs on a gradient, values in 0..255. */
const picture = (x: number, y: number): number =>
  60 + 80 * x + 40 * Math.sin(7 * x + 3 * y) + 70 * Math.exp(-((x - 0.3) ** 2 + (y - 0.6) ** 2) * 40) - 50 * Math.exp(-((x - 0.7) ** 2 + (y - 0.3) ** 2) * 60);

/** The rectangle (left, top, width, height in the unit square) of f sampled on the fine grid. */
function grid(f: (x: number, y: number) => number, left: number, top: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(fineSide * fineSide);
  for (let i = 0; i < fineSide; i++) {
    for (let j = 0; j < fineSide; j++) {
      const v = f(left + (width * (j + 0.5)) / fineSide, top + (height * (i + 0.5)) / fineSide);
      out[i * fineSide + j] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return out;
}

/** The grids of the picture f shows in that rectangle (the whole of it by default): its central part and the whole. */
function grids(f: (x: number, y: number) => number, left = 0, top = 0, width = 1, height = 1): Grids {
  const margin = (1 - centralFraction) / 2;
  return {
    fine: grid(f, left + margin * width, top + margin * height, centralFraction * width, centralFraction * height),
    whole: grid(f, left, top, width, height),
  };
}

/** Thresholds shipped in copy-verification.ts. */
const maxLocal = 1;
const maxBorder = 2.5;

/** f with the rectangle (x0, y0)–(x1, y1) darkened: another mouth, another panel lit. */
const marked = (f: (x: number, y: number) => number, x0: number, y0: number, x1: number, y1: number) => (x: number, y: number) =>
  f(x, y) + (x >= x0 && x <= x1 && y >= y0 && y <= y1 ? -120 : 0);

describe('differences', () => {
  const original = grids(picture);

  it('are 0 for the same grids and for a flat one', () => {
    expect(differences(original, original).local).toBeCloseTo(0, 6);
    expect(differences(original, original).border).toBeCloseTo(0, 6);
    expect(differences(original, grids(() => 200))).toEqual({ local: 0, border: 0 });
  });

  it('ignore brightness and contrast edits', () => {
    const d = differences(original, grids((x, y) => 0.8 * picture(x, y) + 20));
    expect(d.local).toBeLessThan(0.05);
    expect(d.border).toBeLessThan(0.05);
  });

  it('find a crop inside the original, either way round', () => {
    const crop = grids(picture, 0.06, 0.03, 0.9, 0.9);
    for (const d of [differences(original, crop), differences(crop, original)]) {
      expect(d.local).toBeLessThan(maxLocal / 2);
      expect(d.border).toBeLessThan(maxBorder / 2);
    }
  });

  it('tell a picture that differs in one region of its centre (another mouth)', () => {
    expect(differences(original, grids(marked(picture, 0.38, 0.75, 0.62, 0.85))).local).toBeGreaterThan(maxLocal);
  });

  it('tell a picture that differs in its border only (another side panel lit)', () => {
    const panel = grids(marked(picture, 0, 0.1, 0.08, 0.8));
    expect(differences(original, panel).local).toBeLessThan(maxLocal);
    expect(differences(original, panel).border).toBeGreaterThan(maxBorder);
    expect(isLookAlike(alignment(original, panel))).toBe(true);
  });

  it('leave out what a crop removed from one side, and a caption bar at the bottom', () => {
    const panelCropped = grids(marked(picture, 0, 0.1, 0.08, 0.8), 0.1, 0.02, 0.88, 0.9);
    expect(isLookAlike(alignment(original, panelCropped))).toBe(false);
    const captioned = grids((x, y) => (y > 0.9 ? 28 : picture(x, y)));
    expect(isLookAlike(alignment(original, captioned))).toBe(false);
  });

  it('compare the caption rows when they keep their layout (a bottom panel dimmed in one picture)', () => {
    const dimmed = grids((x, y) => (y > 0.89 ? 0.3 * picture(x, y) : picture(x, y)));
    expect(differences(original, dimmed).local).toBeLessThan(maxLocal);
    expect(differences(original, dimmed).border).toBeGreaterThan(maxBorder);
  });

  it('are symmetric in their arguments for an uncropped pair', () => {
    const other = grids((x, y) => picture(x, y) + 30 * Math.sin(20 * x));
    expect(differences(original, other).local).toBeCloseTo(differences(other, original).local, 1);
  });
});
