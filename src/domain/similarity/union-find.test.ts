import { describe, expect, it } from 'vitest';
import { UnionFind } from './union-find.ts';
import { seededRandom as rng } from '../../lib/seeded-random.ts';


describe('UnionFind', () => {
  it('starts with every element in its own set', () => {
    const uf = new UnionFind(5);
    for (let i = 0; i < 5; i++) {
      expect(uf.find(i)).toBe(i);
      expect(uf.sizeOf(i)).toBe(1);
    }
  });

  it('union joins sets and find agrees for all members', () => {
    const uf = new UnionFind(6);
    uf.union(0, 1);
    uf.union(2, 3);
    expect(uf.find(0)).toBe(uf.find(1));
    expect(uf.find(2)).toBe(uf.find(3));
    expect(uf.find(0)).not.toBe(uf.find(2));
    uf.union(1, 3);
    const r = uf.find(0);
    for (const i of [1, 2, 3]) expect(uf.find(i)).toBe(r);
    expect(uf.find(4)).toBe(4);
    expect(uf.find(5)).toBe(5);
  });

  it('sizeOf reports the set size for every member, and repeated/self unions change nothing', () => {
    const uf = new UnionFind(7);
    uf.union(0, 1);
    uf.union(1, 2);
    uf.union(3, 4);
    expect([0, 1, 2].map((i) => uf.sizeOf(i))).toEqual([3, 3, 3]);
    expect([3, 4].map((i) => uf.sizeOf(i))).toEqual([2, 2]);
    uf.union(0, 2);
    uf.union(2, 0);
    uf.union(5, 5);
    expect(uf.sizeOf(0)).toBe(3);
    expect(uf.sizeOf(5)).toBe(1);
    uf.union(4, 0);
    for (const i of [0, 1, 2, 3, 4]) expect(uf.sizeOf(i)).toBe(5);
    expect(uf.sizeOf(6)).toBe(1);
  });

  it('union by size keeps the larger set root', () => {
    const uf = new UnionFind(5);
    uf.union(0, 1);
    uf.union(0, 2);
    const big = uf.find(0);
    uf.union(3, 0); // 3 is a singleton, the bigger set's root must stay root
    expect(uf.find(3)).toBe(big);
  });

  it('handles long chains (path halving) without losing members', () => {
    const n = 10_000;
    const uf = new UnionFind(n);
    for (let i = 1; i < n; i++) uf.union(i - 1, i);
    const r = uf.find(n - 1);
    let bad = 0;
    for (let i = 0; i < n; i++) if (uf.find(i) !== r) bad++;
    expect(bad).toBe(0);
    expect(uf.sizeOf(0)).toBe(n);
  });

  describe('labels', () => {
    it('numbers components densely by first appearance, singletons included', () => {
      const uf = new UnionFind(6);
      uf.union(4, 5);
      uf.union(1, 3);
      // 0 alone, {1,3}, 2 alone, {4,5}
      expect(Array.from(uf.labels(true))).toEqual([0, 1, 2, 1, 3, 3]);
    });

    it('gives −1 to singletons when singletons=false and stays dense over the rest', () => {
      const uf = new UnionFind(6);
      uf.union(4, 5);
      uf.union(1, 3);
      expect(Array.from(uf.labels(false))).toEqual([-1, 0, -1, 0, 1, 1]);
    });

    it('returns an Int32Array of length n; empty for n = 0', () => {
      const uf = new UnionFind(0);
      expect(uf.labels(true)).toBeInstanceOf(Int32Array);
      expect(uf.labels(true).length).toBe(0);
      expect(uf.labels(false).length).toBe(0);
      const one = new UnionFind(1);
      expect(Array.from(one.labels(true))).toEqual([0]);
      expect(Array.from(one.labels(false))).toEqual([-1]);
    });

    it('matches a naive partition on random unions', () => {
      const rand = rng(42);
      const n = 300;
      const uf = new UnionFind(n);
      const comp = Array.from({ length: n }, (_, i) => i); // naive: relabel on union
      for (let t = 0; t < 200; t++) {
        const a = Math.floor(rand() * n);
        const b = Math.floor(rand() * n);
        uf.union(a, b);
        const ca = comp[a]!;
        const cb = comp[b]!;
        if (ca !== cb) for (let i = 0; i < n; i++) if (comp[i] === cb) comp[i] = ca;
      }
      const sizes = new Map<number, number>();
      for (const c of comp) sizes.set(c, (sizes.get(c) ?? 0) + 1);
      for (const singletons of [true, false]) {
        const labels = uf.labels(singletons);
        let next = 0;
        const idOf = new Map<number, number>();
        for (let i = 0; i < n; i++) {
          const c = comp[i]!;
          if (!singletons && sizes.get(c) === 1) {
            expect(labels[i]).toBe(-1);
            continue;
          }
          if (!idOf.has(c)) idOf.set(c, next++);
          expect(labels[i]).toBe(idOf.get(c));
        }
      }
      for (let i = 0; i < n; i++) expect(uf.sizeOf(i)).toBe(sizes.get(comp[i]!));
    });
  });
});
