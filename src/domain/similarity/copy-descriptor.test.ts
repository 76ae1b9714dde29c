import { describe, expect, it } from 'vitest';
import { colourOffset, descriptorCosine, descriptorLength, fineOffset, lowInformationSpread, packDescriptors, patternLength, wholeOffset } from './copy-descriptor.ts';
import { fineSide } from './copy-verification.ts';
import { seededRandom as rng } from '../../lib/seeded-random.ts';


/** A pattern followed by the levels it was stretched from (by default the full 8 bits: not near-uniform). */
function withLevels(pattern: ArrayLike<number>, low = 0, high = 255): Uint8Array {
  const d = new Uint8Array(descriptorLength);
  d.set(Array.from(pattern).slice(0, patternLength));
  d[patternLength] = low;
  d[patternLength + 1] = high;
  return d;
}

function randomDescriptor(rand: () => number, lo = 0, hi = 255): Uint8Array {
  return withLevels(Array.from({ length: patternLength }, () => lo + Math.floor(rand() * (hi - lo + 1))));
}

/** A smooth 16 × 16 gray-level layout, like a downscaled photo. */
function smoothDescriptor(seed: number): Uint8Array {
  const rand = rng(seed);
  const [a, b, c, d] = [rand(), rand(), rand(), rand()];
  return withLevels(
    Array.from({ length: patternLength }, (_, i) => {
      const x = (i % 16) / 15;
      const y = Math.floor(i / 16) / 15;
      return Math.round(127.5 + 127.5 * Math.sin(6 * a * x + 4 * b * y + c) * Math.cos(3 * d * y - 2 * c * x));
    }),
  );
}

/** The Pearson correlation, the textbook way, in doubles. */
function pearson(x: Uint8Array, y: Uint8Array): number {
  const n = patternLength;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

const affine = (d: Uint8Array, a: number, b: number): Uint8Array =>
  withLevels(Array.from(d.subarray(0, patternLength), (v) => Math.min(255, Math.max(0, Math.round(a * v + b)))));
/** Min–max stretched to 0..255, as the descriptor stores its grids. */
function stretched(values: number[]): number[] {
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  return values.map((v) => Math.round((255 * (v - lo)) / (hi - lo)));
}
const flat = (level: number) => withLevels(new Array(patternLength).fill(0), level, level);

describe('packDescriptors', () => {
  it('packs the descriptors back to back with their mean and inverse centred norm', () => {
    const rand = rng(1);
    const ds = [randomDescriptor(rand), randomDescriptor(rand), withLevels(new Array(patternLength).fill(9), 40, 40)];
    const p = packDescriptors(ds);
    expect(p.length).toBe(3);
    expect(p.data.length).toBe(3 * descriptorLength);
    ds.forEach((d, i) => {
      expect(Array.from(p.data.subarray(i * descriptorLength, (i + 1) * descriptorLength))).toEqual(Array.from(d));
      const pattern = d.subarray(0, patternLength);
      const mu = pattern.reduce((s, v) => s + v, 0) / patternLength;
      expect(p.mean[i]).toBeCloseTo(mu, 4);
      const norm = Math.sqrt(pattern.reduce((s, v) => s + (v - mu) ** 2, 0));
      if (norm > 0) expect(p.invNorm[i]).toBeCloseTo(1 / norm, 8);
    });
    expect(p.invNorm[2]).toBe(0); // flat
    expect(p.mean[2]).toBe(9);
    expect([p.low[0], p.spread[0], p.low[2], p.spread[2]]).toEqual([0, 255, 40, 0]);
  });

  it('handles no descriptors', () => {
    const p = packDescriptors([]);
    expect(p.length).toBe(0);
    expect(p.data.length).toBe(0);
  });

  it('throws a RangeError for a descriptor of the wrong length', () => {
    const ok = new Uint8Array(descriptorLength);
    for (const len of [0, 1, descriptorLength - 1, descriptorLength + 1, 1024]) {
      expect(() => packDescriptors([ok, new Uint8Array(len)])).toThrow(RangeError);
    }
    expect(() => packDescriptors([ok, new Uint8Array(256)])).toThrow(new RegExp(`descriptor 1 has 256 values, expected ${descriptorLength}`));
  });
});

describe('descriptorCosine', () => {
  it('equals the naive Pearson correlation (random and smooth descriptors)', () => {
    const rand = rng(2);
    const ds: Uint8Array[] = [];
    for (let i = 0; i < 12; i++) ds.push(randomDescriptor(rand));
    for (let i = 0; i < 12; i++) ds.push(smoothDescriptor(100 + i));
    ds.push(randomDescriptor(rand, 100, 103)); // low contrast: cancellation-prone
    ds.push(randomDescriptor(rand, 0, 1));
    ds.push(affine(ds[12]!, 0.9, 10)); // a near copy
    const p = packDescriptors(ds);
    for (let i = 0; i < ds.length; i++) {
      for (let j = 0; j < ds.length; j++) {
        expect(descriptorCosine(p, i, j), `${i},${j}`).toBeCloseTo(pearson(ds[i]!, ds[j]!), 6);
      }
    }
  });

  it('is symmetric and within [−1, 1] up to rounding', () => {
    const rand = rng(3);
    const ds = Array.from({ length: 20 }, (_, i) => (i % 2 ? randomDescriptor(rand) : smoothDescriptor(i)));
    const p = packDescriptors(ds);
    for (let i = 0; i < ds.length; i++) {
      for (let j = 0; j < ds.length; j++) {
        const c = descriptorCosine(p, i, j);
        expect(c).toBeCloseTo(descriptorCosine(p, j, i), 12);
        expect(Math.abs(c)).toBeLessThanOrEqual(1 + 1e-6);
      }
    }
  });

  it('is 1 for a descriptor with itself', () => {
    const rand = rng(4);
    const ds = [randomDescriptor(rand), smoothDescriptor(5), randomDescriptor(rand, 50, 52), randomDescriptor(rand, 0, 1)];
    const p = packDescriptors(ds);
    for (let i = 0; i < ds.length; i++) expect(descriptorCosine(p, i, i)).toBeCloseTo(1, 6);
  });

  it('is 1 under a brightness/contrast change a·x + b with a > 0 (up to uint8 rounding)', () => {
    const d = smoothDescriptor(7);
    const low = Uint8Array.from(d, (v) => Math.floor(v / 2)); // 0 … 127, so ×2 does not clip
    const ds = [low, affine(low, 2, 0), affine(low, 1, 100), affine(low, 0.5, 40), affine(low, 1.7, 13.3)];
    const p = packDescriptors(ds);
    expect(descriptorCosine(p, 0, 1)).toBeCloseTo(1, 6); // exact: integer map
    expect(descriptorCosine(p, 0, 2)).toBeCloseTo(1, 6);
    expect(descriptorCosine(p, 0, 3)).toBeGreaterThan(0.99); // rounding to uint8
    expect(descriptorCosine(p, 0, 4)).toBeGreaterThan(0.999);
  });

  it('is −1 for the inverted pattern (and for a·x + b with a < 0)', () => {
    const rand = rng(8);
    const d = randomDescriptor(rand);
    const s = smoothDescriptor(9);
    const p = packDescriptors([d, Uint8Array.from(d, (v) => 255 - v), s, Uint8Array.from(s, (v) => 200 - Math.floor(v / 2))]);
    expect(descriptorCosine(p, 0, 1)).toBeCloseTo(-1, 6);
    expect(descriptorCosine(p, 1, 0)).toBeCloseTo(-1, 6);
    expect(descriptorCosine(p, 2, 3)).toBeLessThan(-0.99);
  });

  it('compares near-uniform pictures by their actual levels: alike only where the pixels agree', () => {
    const rand = rng(10);
    const gradient = Array.from({ length: patternLength }, (_, k) => Math.round((255 * (k % 16)) / 15));
    const p = packDescriptors([
      withLevels(gradient, 200, 210), // a soft light gradient
      withLevels(gradient, 120, 130), // the same gradient, much darker: another picture
      withLevels(gradient, 201, 211), // a copy of the first (re-encoded)
      flat(200),
      flat(200),
      randomDescriptor(rand), // a picture with structure
      withLevels(gradient, 0, 255), // the gradient at full contrast
    ]);
    expect(descriptorCosine(p, 0, 1)).toBe(-1); // stretched, these two patterns are identical
    expect(descriptorCosine(p, 0, 2)).toBeGreaterThan(0.9);
    expect(descriptorCosine(p, 2, 0)).toBeCloseTo(descriptorCosine(p, 0, 2), 12);
    expect(descriptorCosine(p, 3, 4)).toBe(1); // two flat pictures of one level: the same pixels
    expect(descriptorCosine(p, 0, 3)).toBeGreaterThan(0.5);
    expect(descriptorCosine(p, 1, 3)).toBe(-1);
    expect(descriptorCosine(p, 3, 5)).toBeLessThan(0); // structure against flat
    expect(descriptorCosine(p, 0, 6)).toBeLessThan(0); // the same layout, at another contrast
    expect(descriptorCosine(p, 6, 6)).toBeCloseTo(1, 6);
  });

  it('finds a brightened or darkened copy of a near-uniform picture by its grain, not a blank page', () => {
    const grain = randomDescriptor(rng(12)).subarray(0, patternLength);
    const other = randomDescriptor(rng(13)).subarray(0, patternLength);
    const p = packDescriptors([
      withLevels(grain, 225, 235), // a near-white paper
      withLevels(grain, 180, 188), // the same paper darkened by 20 %: every level × 0.8
      withLevels(other, 180, 188), // another paper, as dark
      flat(184), // a blank page, as dark
      withLevels(grain, 135, 141), // the same paper at 60 %: more than a brightness edit
    ]);
    expect(descriptorCosine(p, 0, 1)).toBeGreaterThan(0.9);
    expect(descriptorCosine(p, 1, 0)).toBeCloseTo(descriptorCosine(p, 0, 1), 6);
    expect(descriptorCosine(p, 0, 2)).toBeLessThan(0.2);
    expect(descriptorCosine(p, 0, 3)).toBe(-1);
    expect(descriptorCosine(p, 0, 4)).toBe(-1);
  });

  it('finds a cropped and brightened copy of a near-uniform paper by its grain, shifted', () => {
    // A paper's grain: random levels on a lattice of 32 cells a side, bilinearly interpolated.
    const grain = (seed: number) => {
      const rand = rng(seed);
      const n = 32;
      const cells = Array.from({ length: (n + 1) * (n + 1) }, () => rand());
      return (x: number, y: number) => {
        const [gx, gy] = [x * n, y * n];
        const [x0, y0] = [Math.min(n - 1, Math.floor(gx)), Math.min(n - 1, Math.floor(gy))];
        const [fx, fy] = [gx - x0, gy - y0];
        const at = (i: number, j: number) => cells[j * (n + 1) + i]!;
        return (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
      };
    };
    // The grain seen over [u, u + side]² of the picture's central part, as its copy descriptor
    // holds it, at levels low..high.
    const paper = (field: (x: number, y: number) => number, u: number, side: number, low: number, high: number) => {
      const fine = Array.from({ length: fineSide * fineSide }, (_, k) => field(u + (side * ((k % fineSide) + 0.5)) / fineSide, u + (side * (Math.floor(k / fineSide) + 0.5)) / fineSide));
      const coarse = Array.from({ length: patternLength }, (_, k) => {
        const [x, y] = [2 * (k % 16), 2 * Math.floor(k / 16)];
        return (fine[y * fineSide + x]! + fine[y * fineSide + x + 1]! + fine[(y + 1) * fineSide + x]! + fine[(y + 1) * fineSide + x + 1]!) / 4;
      });
      const d = withLevels(stretched(coarse), low, high);
      d.set(stretched(fine), fineOffset);
      d.set([low + 2, low + 2, low], colourOffset);
      return d;
    };
    const p = packDescriptors([
      paper(grain(21), 0, 1, 180, 186),
      paper(grain(21), 0.03, 0.95, 198, 205), // cropped by 5 %, 10 % brighter
      paper(grain(22), 0.03, 0.95, 198, 205), // another paper, cropped and as bright
    ]);
    expect(descriptorCosine(p, 0, 1)).toBeGreaterThan(0.9);
    expect(descriptorCosine(p, 1, 0)).toBeCloseTo(descriptorCosine(p, 0, 1), 6);
    expect(descriptorCosine(p, 0, 2)).toBeLessThan(0.3);
  });

  it('finds a copy brightened until it clips at white by its grain, not another near-white paper', () => {
    const grain = randomDescriptor(rng(14)).subarray(0, patternLength);
    const other = randomDescriptor(rng(15)).subarray(0, patternLength);
    const coloured = (d: Uint8Array, r: number, g: number, b: number) => {
      d.set([r, g, b], colourOffset);
      return d;
    };
    const p = packDescriptors([
      coloured(withLevels(grain, 211, 216), 238, 208, 182), // a cream paper
      coloured(withLevels(grain, 247, 251), 255, 250, 229), // brightened by 20 %: red clips, the hue shifts
      coloured(withLevels(other, 247, 251), 255, 250, 229), // another paper, as bright and as near-white
      coloured(flat(255), 255, 255, 255), // a blank white page
      coloured(withLevels(other, 245, 250), 252, 246, 236), // a near-white paper, a little bluer than the next
      coloured(withLevels(grain, 246, 251), 253, 250, 221), // a near-white paper of other grain, the same levels
    ]);
    expect(descriptorCosine(p, 0, 1)).toBeGreaterThan(0.9);
    expect(descriptorCosine(p, 0, 2)).toBeLessThan(0.2);
    expect(descriptorCosine(p, 0, 3)).toBe(-1);
    // Of one lightness but not one colour: only their grain could make them copies.
    expect(descriptorCosine(p, 4, 5)).toBeLessThan(0.2);
  });

  it('tells near-uniform pictures of one level apart by their colour, not by their lightness', () => {
    const tinted = (r: number, g: number, b: number) => {
      const d = flat(236);
      d.set([r, g, b], colourOffset);
      return d;
    };
    const p = packDescriptors([tinted(237, 239, 227), tinted(235, 237, 234), tinted(236, 238, 227), tinted(190, 192, 182)]);
    expect(descriptorCosine(p, 0, 1)).toBe(-1); // a yellowish paper and a neutral one
    expect(descriptorCosine(p, 0, 2)).toBe(1); // the same paper re-encoded
    expect(descriptorCosine(p, 0, 3)).toBe(1); // the same hue, darker: the levels decide (here equal)
  });

  it(`uses the correlation only when both spread over at least ${lowInformationSpread} levels`, () => {
    const s = smoothDescriptor(11);
    const pattern = s.subarray(0, patternLength);
    const p = packDescriptors([withLevels(pattern, 100, 100 + lowInformationSpread), withLevels(pattern, 10, 250), withLevels(pattern, 100, 100 + lowInformationSpread - 1)]);
    expect(descriptorCosine(p, 0, 1)).toBeCloseTo(1, 6);
    expect(descriptorCosine(p, 2, 1)).toBeLessThan(0);
  });

  it('is near 0 for unrelated random patterns', () => {
    const rand = rng(12);
    const ds = Array.from({ length: 30 }, () => randomDescriptor(rand));
    const p = packDescriptors(ds);
    for (let i = 1; i < ds.length; i++) expect(Math.abs(descriptorCosine(p, 0, i))).toBeLessThan(0.3);
  });

  it('is 0 for pictures alike in their centre that differ in a border both keep (another side panel lit)', () => {
    const d = smoothDescriptor(13);
    const wave = (x: number, y: number) => Math.round(127.5 + 100 * Math.sin(5 * x + 3 * y) * Math.cos(4 * y - 2 * x));
    const cells = (f: (x: number, y: number) => number) => Array.from({ length: fineSide * fineSide }, (_, k) => f((k % fineSide) / fineSide, Math.floor(k / fineSide) / fineSide));
    d.set(cells((x, y) => wave(0.1 + 0.8 * x, 0.1 + 0.8 * y)), fineOffset);
    d.set(cells(wave), wholeOffset);
    const lit = Uint8Array.from(d);
    lit.set(cells((x, y) => (x < 0.08 && y < 0.8 ? 0 : wave(x, y))), wholeOffset);
    const p = packDescriptors([d, Uint8Array.from(d), lit]);
    expect(descriptorCosine(p, 0, 1)).toBeCloseTo(1, 6);
    expect(descriptorCosine(p, 0, 2)).toBe(0);
  });
});
