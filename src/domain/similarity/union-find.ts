/** Disjoint sets over 0 … n−1 in flat typed arrays (union by size, path halving): O(n) memory. */
export class UnionFind {
  readonly #parent: Int32Array;
  readonly #size: Int32Array;

  constructor(n: number) {
    this.#parent = new Int32Array(n);
    this.#size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.#parent[i] = i;
  }

  find(i: number): number {
    const p = this.#parent;
    while (p[i] !== i) {
      p[i] = p[p[i]!]!;
      i = p[i]!;
    }
    return i;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.#size[ra]! < this.#size[rb]!) [ra, rb] = [rb, ra];
    this.#parent[rb] = ra;
    this.#size[ra]! += this.#size[rb]!;
  }

  sizeOf(i: number): number {
    return this.#size[this.find(i)]!;
  }

  /**
   * Dense component ids 0 … c−1, numbered by first appearance; with `singletons: false`,
   * members of one-element sets get −1.
   */
  labels(singletons: boolean): Int32Array {
    const n = this.#parent.length;
    const out = new Int32Array(n);
    const idOfRoot = new Int32Array(n).fill(-1);
    let next = 0;
    for (let i = 0; i < n; i++) {
      const r = this.find(i);
      if (!singletons && this.#size[r] === 1) {
        out[i] = -1;
        continue;
      }
      if (idOfRoot[r] === -1) idOfRoot[r] = next++;
      out[i] = idOfRoot[r]!;
    }
    return out;
  }
}
