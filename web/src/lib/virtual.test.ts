import { describe, expect, it } from 'vitest';
import { pagesOf, visibleRows } from './virtual.ts';

describe('virtual rows', () => {
  it('renders the rows on screen plus the overscan, clamped to the list', () => {
    expect(visibleRows(0, 500, 100, 1_000_000, 2)).toEqual({ first: 0, last: 6 });
    expect(visibleRows(10_000, 500, 100, 1_000_000, 2)).toEqual({ first: 98, last: 106 });
    expect(visibleRows(99_999_500, 500, 100, 1_000_000, 2)).toEqual({ first: 999_993, last: 999_999 });
    expect(visibleRows(0, 500, 100, 3, 2)).toEqual({ first: 0, last: 2 });
  });

  it('renders nothing for an empty list', () => {
    expect(visibleRows(0, 500, 100, 0)).toEqual({ first: 0, last: -1 });
  });

  it('names the server pages behind a range of items', () => {
    expect(pagesOf(0, 19, 20)).toEqual([0]);
    expect(pagesOf(15, 45, 20)).toEqual([0, 1, 2]);
    expect(pagesOf(5, 4, 20)).toEqual([]);
  });
});
