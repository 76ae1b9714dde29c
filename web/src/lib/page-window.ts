import { pagesOf } from './virtual.ts';

/**
 * The pages of a paged query held in memory: those on screen and up to `radius` pages either
 * side. Pages that fall out of that window are dropped and fetched again when they come back,
 * so the page stays the same size however far a million-item grid is scrolled.
 */
export class PageWindow<T> {
  private readonly pages = new Map<number, T[]>();
  /** Pages asked for and not answered yet. */
  private readonly pending = new Set<number>();
  private kept = { first: 0, last: 0 };

  constructor(
    readonly pageSize: number,
    readonly radius: number,
  ) {}

  /**
   * Items `first` … `last` are on screen: drops the pages now outside the window and answers
   * the pages to fetch (those on screen that are neither held nor pending).
   */
  want(first: number, last: number): number[] {
    const onScreen = pagesOf(first, last, this.pageSize);
    if (onScreen.length === 0) return [];
    this.kept = { first: onScreen[0]! - this.radius, last: onScreen[onScreen.length - 1]! + this.radius };
    for (const page of [...this.pages.keys(), ...this.pending]) {
      if (!this.inWindow(page)) {
        this.pages.delete(page);
        this.pending.delete(page);
      }
    }
    const missing = onScreen.filter((p) => !this.pages.has(p) && !this.pending.has(p));
    missing.forEach((p) => this.pending.add(p));
    return missing;
  }

  /** A page's answer: kept if the page is still wanted, else dropped (false). */
  receive(page: number, items: T[]): boolean {
    if (!this.pending.delete(page) || !this.inWindow(page)) return false;
    this.pages.set(page, items);
    return true;
  }

  /** A page that failed: asked for again the next time it is wanted. */
  fail(page: number): void {
    this.pending.delete(page);
  }

  get(index: number): T | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** The items held, by index. */
  entries(): Array<[number, T]> {
    return [...this.pages].flatMap(([page, items]) => items.map((item, i): [number, T] => [page * this.pageSize + i, item]));
  }

  /** How many pages are held. */
  get size(): number {
    return this.pages.size;
  }

  private inWindow(page: number): boolean {
    return page >= this.kept.first && page <= this.kept.last;
  }
}
