import { describe, expect, it } from 'vitest';
import { PageWindow } from './page-window.ts';

const page = (p: number, size: number) => Array.from({ length: size }, (_, i) => `item ${p * size + i}`);

describe('the window of loaded pages', () => {
  it('fetches each page on screen once', () => {
    const w = new PageWindow<string>(10, 1);
    expect(w.want(0, 25)).toEqual([0, 1, 2]);
    expect(w.want(5, 25)).toEqual([]);
    expect(w.receive(1, page(1, 10))).toBe(true);
    expect(w.get(12)).toBe('item 12');
    expect(w.get(5)).toBeUndefined();
  });

  it('holds a bounded number of pages however far the view goes', () => {
    const w = new PageWindow<string>(100, 2);
    for (let first = 0; first < 1_000_000; first += 2_500) {
      for (const p of w.want(first, first + 300)) w.receive(p, page(p, 100));
      // Every step jumps past the window: only the pages on screen are held.
      expect(w.size).toBeLessThanOrEqual(4);
    }
    expect(w.get(997_550)).toBe('item 997550');
    expect(w.get(5)).toBeUndefined();
  });

  it('keeps the pages near the view and drops the far ones, which are fetched again on return', () => {
    const w = new PageWindow<string>(10, 1);
    for (const p of w.want(0, 9)) w.receive(p, page(p, 10));
    for (const p of w.want(20, 29)) w.receive(p, page(p, 10));
    expect(w.entries().map(([i]) => i)).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
    expect(w.want(10, 19)).toEqual([1]);
    expect(w.get(25)).toBe('item 25');
    expect(w.want(0, 9)).toEqual([0]);
    expect(w.get(25)).toBeUndefined();
  });

  it('drops an answer that comes after its page has left the window', () => {
    const w = new PageWindow<string>(10, 0);
    expect(w.want(0, 9)).toEqual([0]);
    expect(w.want(500, 509)).toEqual([50]);
    expect(w.receive(0, page(0, 10))).toBe(false);
    expect(w.get(0)).toBeUndefined();
    expect(w.want(0, 9)).toEqual([0]);
  });

  it('asks again for a page that failed', () => {
    const w = new PageWindow<string>(10, 0);
    expect(w.want(0, 9)).toEqual([0]);
    expect(w.want(0, 9)).toEqual([]);
    w.fail(0);
    expect(w.want(0, 9)).toEqual([0]);
  });
});
