import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useScrollIntoView, useScrollView } from '../lib/use-scroll-view.ts';
import { gridLayout, moveFocus, scrollMap, visibleRows } from '../lib/virtual.ts';

interface Props {
  count: number;
  cellWidth: number;
  cellHeight: number;
  /** Columns even on a narrow screen (cells shrink to fit); 1 unless given. */
  minColumns?: number;
  /** Called with the cells on screen (plus overscan) whenever they change. */
  onRange(first: number, last: number): void;
  renderCell(index: number, focused: boolean): ReactNode;
  /** Enter on the focused cell. */
  onOpen(index: number): void;
  /** The cell focused once the grid holds it (the one last opened, on the way back to it). */
  initialFocus?: number;
  label: string;
}

const GAP = 10;
const PADDING = 16;

/**
 * A grid that renders only the rows on screen, as many columns as fit. Arrow keys, Page
 * Up/Down, Home and End move the focus; Enter opens the focused cell.
 */
export function VirtualGrid({ count, cellWidth: widest, cellHeight: tallest, minColumns = 1, onRange, renderCell, onOpen, initialFocus, label }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const view = useScrollView(ref);
  const [focus, setFocus] = useState(-1);
  const { columns, cellWidth, cellHeight } = gridLayout(view.width - 2 * PADDING, widest, tallest, GAP, minColumns);
  const rowHeight = cellHeight + GAP;
  const rowCount = Math.ceil(count / columns);
  const map = useMemo(() => scrollMap(rowCount * rowHeight + PADDING, view.height), [rowCount, rowHeight, view.height]);
  const contentTop = map.contentTop(view.top);
  const { first, last } = visibleRows(contentTop, view.height, rowHeight, rowCount);
  const firstCell = first * columns;
  const lastCell = Math.min(count - 1, (last + 1) * columns - 1);
  useEffect(() => onRange(firstCell, lastCell), [firstCell, lastCell, onRange]);
  // A new query starts unfocused; one coming back to a cell focuses it, and the grid, for the keys.
  useEffect(() => {
    const returning = initialFocus !== undefined && initialFocus < count;
    setFocus(returning ? initialFocus : -1);
    if (returning) ref.current?.focus({ preventScroll: true });
  }, [count, initialFocus]);
  useScrollIntoView(ref, focus < 0 ? undefined : Math.floor(focus / columns), rowHeight, map);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && focus >= 0) {
      onOpen(focus);
      e.preventDefault();
      return;
    }
    const next = moveFocus(Math.max(0, focus), e.key, columns, count);
    if (next === null) return;
    setFocus(focus < 0 ? 0 : next);
    e.preventDefault();
  };

  const cells: ReactNode[] = [];
  for (let i = firstCell; i <= lastCell; i++) {
    const row = Math.floor(i / columns);
    const col = i % columns;
    cells.push(
      <div key={i} className="vcell" role="listitem" style={{ top: view.top + row * rowHeight - contentTop, left: PADDING + col * (cellWidth + GAP), width: cellWidth, height: cellHeight }}>
        {renderCell(i, i === focus)}
      </div>,
    );
  }
  return (
    <div ref={ref} className="scroller grid-scroller" role="list" aria-label={label} tabIndex={0} onKeyDown={onKeyDown}>
      <div className="vspace" style={{ height: map.height }}>
        {cells}
      </div>
    </div>
  );
}
