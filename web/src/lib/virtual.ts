/** Rows of a virtualised list or grid that are on screen, plus `overscan` rows either side. */
export function visibleRows(scrollTop: number, viewportHeight: number, rowHeight: number, rowCount: number, overscan = 3): { first: number; last: number } {
  if (rowCount === 0 || rowHeight <= 0) return { first: 0, last: -1 };
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(rowCount - 1, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan - 1);
  return { first, last: Math.max(first - 1, last) };
}

/** Server pages holding the items `first` … `last` (inclusive). */
export function pagesOf(first: number, last: number, pageSize: number): number[] {
  if (last < first) return [];
  const pages: number[] = [];
  for (let p = Math.floor(first / pageSize); p <= Math.floor(last / pageSize); p++) pages.push(p);
  return pages;
}


/** How many cells of `cellWidth` (with `gap` between them) fit across `width`; at least one. */
export function columnsFor(width: number, cellWidth: number, gap: number): number {
  return Math.max(1, Math.floor((width + gap) / (cellWidth + gap)));
}

/** The cell that an arrow key moves focus to in a grid of `columns`, kept inside `count`. */
export function moveFocus(index: number, key: string, columns: number, count: number): number | null {
  const step: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns, PageDown: columns * 4, PageUp: -columns * 4 };
  if (key === 'Home') return 0;
  if (key === 'End') return Math.max(0, count - 1);
  const delta = step[key];
  if (delta === undefined || count === 0) return null;
  return Math.min(count - 1, Math.max(0, index + delta));
}
