import { describe, expect, it } from 'vitest';
import { boxInPixels } from './box.ts';

describe('a box drawn on a scaled image', () => {
  const shown = { width: 400, height: 300 };
  const natural = { width: 1600, height: 1200 };

  it('is given in the image pixels, whichever way it was dragged', () => {
    expect(boxInPixels({ x: 10, y: 20 }, { x: 110, y: 70 }, shown, natural)).toEqual([40, 80, 400, 200]);
    expect(boxInPixels({ x: 110, y: 70 }, { x: 10, y: 20 }, shown, natural)).toEqual([40, 80, 400, 200]);
  });

  it('is clamped to the image', () => {
    expect(boxInPixels({ x: -50, y: -50 }, { x: 500, y: 500 }, shown, natural)).toEqual([0, 0, 1600, 1200]);
  });

  it('is no box at all for a click', () => {
    expect(boxInPixels({ x: 10, y: 10 }, { x: 11, y: 12 }, shown, natural)).toBeNull();
  });
});
