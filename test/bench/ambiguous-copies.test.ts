import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { withoutAmbiguousCopies } from '../../bench/neardup/ambiguous-copies.ts';
import type { BroadFile, BroadSet } from '../../bench/neardup/broad-set.ts';
import { tempDir } from '../helpers/folders.ts';

let set: BroadSet;

/** A broad-set file: only the fields the rule reads matter. */
const file = (name: string, group: string, edit: string): BroadFile => ({ file: name, group, edit, source: 'pkg', kind: 'texture', split: 'held-out' });

beforeAll(async () => {
  const dir = await tempDir('strata-ambiguous-');
  // A paper whose grain spans a few gray levels, a transparent logo that is white where drawn
  // (flattened on white: near-uniform), and a picture with a dark half.
  const grain = Buffer.alloc(64 * 64, 0).map((_, i) => 230 + ((i * 7919) % 9));
  await sharp(grain, { raw: { width: 64, height: 64, channels: 1 } }).png().toFile(join(dir, 'paper.png'));
  await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 0.3 } } }).png().toFile(join(dir, 'logo.png'));
  const half = Buffer.alloc(64 * 64).map((_, i) => (i % 64 < 32 ? 20 : 230));
  await sharp(half, { raw: { width: 64, height: 64, channels: 1 } }).png().toFile(join(dir, 'half.png'));
  set = {
    dir,
    files: [
      file('paper.png', 'P', 'original'),
      file('paper-wm.png', 'P', 'watermark'),
      file('paper-crop.png', 'P', 'crop5'),
      file('logo.png', 'L', 'original'),
      file('logo-wm.png', 'L', 'watermark'),
      file('half.png', 'H', 'original'),
      file('half-wm.png', 'H', 'watermark'),
    ],
  };
});

describe('ambiguous copies of the broad set', () => {
  it('leaves out the watermark copies of near-uniform originals only, and keeps their other copies', async () => {
    const { set: kept, leftOut } = await withoutAmbiguousCopies(set);
    expect(leftOut.map((f) => f.file)).toEqual(['paper-wm.png', 'logo-wm.png']);
    expect(kept.files.map((f) => f.file)).toEqual(['paper.png', 'paper-crop.png', 'logo.png', 'half.png', 'half-wm.png']);
  });
});
