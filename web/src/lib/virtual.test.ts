import { describe, expect, it } from 'vitest';
import { columnsFor, gridLayout, moveFocus, pagesOf, scrollMap, visibleRows } from './virtual.ts';

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

describe('scrolling content taller than a browser lets an element be', () => {
  it('scrolls short content as it is', () => {
    const map = scrollMap(5_000, 800, 10_000);
    expect([map.height, map.contentTop(1_234), map.scrollTop(1_234)]).toEqual([5_000, 1_234, 1_234]);
  });

  it('scales tall content so that both ends are reached, and maps back', () => {
    // A million images at five a row, 188 px a row: 37.6 M px of content.
    const map = scrollMap(37_600_000, 800, 8_000_000);
    expect(map.height).toBe(8_000_000);
    expect(map.contentTop(0)).toBe(0);
    expect(map.contentTop(8_000_000 - 800)).toBeCloseTo(37_600_000 - 800);
    expect(map.scrollTop(map.contentTop(4_000_000))).toBeCloseTo(4_000_000);
  });
});

describe('grid geometry and keys', () => {
  it('fits as many columns as the width allows, and at least one', () => {
    expect(columnsFor(1000, 160, 8)).toBe(6);
    expect(columnsFor(999, 160, 8)).toBe(5);
    expect(columnsFor(100, 160, 8)).toBe(1);
  });

  it('keeps the minimum of columns on a narrow screen by narrowing the cells', () => {
    expect(gridLayout(1000, 220, 214, 10, 2)).toEqual({ columns: 4, cellWidth: 220, cellHeight: 214 });
    // A 390 px phone leaves 326 px: two cards of 158 px, 62 px narrower and so 62 px shorter.
    expect(gridLayout(326, 220, 214, 10, 2)).toEqual({ columns: 2, cellWidth: 158, cellHeight: 152 });
    expect(gridLayout(326, 220, 214, 10, 1)).toEqual({ columns: 1, cellWidth: 220, cellHeight: 214 });
  });

  it('moves focus by cells and rows, clamped to the grid', () => {
    expect(moveFocus(7, 'ArrowRight', 5, 20)).toBe(8);
    expect(moveFocus(7, 'ArrowDown', 5, 20)).toBe(12);
    expect(moveFocus(17, 'ArrowDown', 5, 20)).toBe(19);
    expect(moveFocus(2, 'ArrowUp', 5, 20)).toBe(0);
    expect(moveFocus(2, 'End', 5, 20)).toBe(19);
    expect(moveFocus(2, 'Home', 5, 20)).toBe(0);
    expect(moveFocus(2, 'a', 5, 20)).toBeNull();
  });
});
