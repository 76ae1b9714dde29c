import { describe, expect, it } from 'vitest';
import { evaluateByPart, evaluatePairs, truePairs } from '../../bench/neardup/evaluate.ts';
import type { LabelledSet } from '../../bench/neardup/labelled-set.ts';

// Two edited groups and one natural-only group (no original), as the real set has.
const set: LabelledSet = {
  dir: '/nowhere',
  files: [
    { file: 'a.jpg', group: 'A', edit: 'original' },
    { file: 'a-crop.jpg', group: 'A', edit: 'crop5' },
    { file: 'a.webp', group: 'A', edit: 'webp' },
    { file: 'b.jpg', group: 'B', edit: 'original' },
    { file: 'b-crop.jpg', group: 'B', edit: 'crop5' },
    { file: 'n-big.jpg', group: 'N', edit: 'natural-size' },
    { file: 'n-small.jpg', group: 'N', edit: 'natural-size' },
  ],
};

describe('neardup evaluate', () => {
  it('lists every unordered pair within a group once', () => {
    expect(truePairs(set)).toEqual([
      ['a-crop.jpg', 'a.jpg'],
      ['a.jpg', 'a.webp'],
      ['a-crop.jpg', 'a.webp'],
      ['b-crop.jpg', 'b.jpg'],
      ['n-big.jpg', 'n-small.jpg'],
    ]);
  });

  it('scores unordered, deduplicated pairs and ignores self-pairs', () => {
    const scores = evaluatePairs(set, [
      ['a.jpg', 'a-crop.jpg'],
      ['a-crop.jpg', 'a.jpg'], // the same pair again, reversed
      ['a.jpg', 'a.jpg'],
      ['a-crop.jpg', 'a.webp'], // two edits of one group: a true pair, in no edit class
      ['a.jpg', 'b.jpg'],
      ['b.jpg', 'a.jpg'],
      ['n-small.jpg', 'n-big.jpg'],
    ]);
    expect(scores).toEqual({
      precision: 3 / 4,
      recall: 3 / 5,
      tp: 3,
      fp: 1,
      fn: 2,
      recallByEdit: { crop5: 1 / 2, webp: 0, 'natural-size': 1 },
      falsePositiveExamples: [['a.jpg', 'b.jpg']],
    });
  });

  it('gives NaN precision when nothing is predicted', () => {
    const scores = evaluatePairs(set, []);
    expect(scores.precision).toBeNaN();
    expect(scores.recall).toBe(0);
    expect(scores.fn).toBe(5);
  });

  it('rejects names that are not in the set', () => {
    expect(() => evaluatePairs(set, [['/nowhere/a.jpg', 'b.jpg']])).toThrow(/not in the set/);
  });

  it('scores each part, a false pair across two parts against both', () => {
    const part = (f: string) => (f.startsWith('n') ? 'natural' : 'edited');
    const scores = evaluateByPart(set, [['a.jpg', 'a-crop.jpg'], ['a-crop.jpg', 'a.jpg'], ['b.jpg', 'n-big.jpg'], ['n-big.jpg', 'n-small.jpg']], part);
    expect(scores.get('edited')).toEqual({ precision: 0.5, recall: 0.25, tp: 1, fp: 1, fn: 3 });
    expect(scores.get('natural')).toEqual({ precision: 0.5, recall: 1, tp: 1, fp: 1, fn: 0 });
  });
});
