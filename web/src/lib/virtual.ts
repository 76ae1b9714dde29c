/** Rows of a virtualised list or grid that are on screen, plus `overscan` rows either side. */
export function visibleRows(scrollTop: number, viewportHeight: number, rowHeight: number, rowCount: number, overscan = 3): { first: number; last: number } {
  if (rowCount === 0 || rowHeight <= 0) return { first: 0, last: -1 };
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(rowCount - 1, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan - 1);
  return { first, last: Math.max(first - 1, last) };
}

/**
 * Browsers cap an element's height (Chromium near 33.5 M px, a million images at five a row
 * pass it), so content taller than this scrolls through a space this tall, scaled.
 */
export const MAX_SCROLL_HEIGHT = 8_000_000;

/** How a scroll position maps to a position in the content, and back. */
export interface ScrollMap {
  /** Height of the scrolled space. */
  height: number;
  contentTop(scrollTop: number): number;
  scrollTop(contentTop: number): number;
}

/** Identity up to `max`; past it, linear so that the last scroll position shows the content's end. */
export function scrollMap(contentHeight: number, viewportHeight: number, max = MAX_SCROLL_HEIGHT): ScrollMap {
  if (contentHeight <= max) return { height: contentHeight, contentTop: (t) => t, scrollTop: (c) => c };
  const ratio = (contentHeight - viewportHeight) / (max - viewportHeight);
  return { height: max, contentTop: (t) => t * ratio, scrollTop: (c) => c / ratio };
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

/**
 * Columns and cell size of a grid `width` wide: as many `cellWidth` columns as fit, but at least
 * `minColumns`, with cells narrowed to fit them. A narrowed cell loses as much height as width,
 * as its picture is square-ish and its caption keeps its height.
 */
export function gridLayout(width: number, cellWidth: number, cellHeight: number, gap: number, minColumns: number): { columns: number; cellWidth: number; cellHeight: number } {
  const columns = Math.max(minColumns, columnsFor(width, cellWidth, gap));
  const fitted = Math.min(cellWidth, Math.floor((width - gap * (columns - 1)) / columns));
  if (fitted <= 0) return { columns, cellWidth, cellHeight };
  return { columns, cellWidth: fitted, cellHeight: cellHeight - (cellWidth - fitted) };
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
