import { useEffect, useMemo, useRef, type ReactNode } from 'react';
import { useScrollIntoView, useScrollView } from '../lib/use-scroll-view.ts';
import { scrollMap, visibleRows } from '../lib/virtual.ts';

interface Props {
  count: number;
  rowHeight: number;
  /** Called with the rows on screen (plus overscan) whenever they change. */
  onRange?(first: number, last: number): void;
  renderRow(index: number): ReactNode;
  /** Row to bring into view (keyboard focus). */
  scrollTo?: number;
  label: string;
}

/** A list that renders only the rows on screen: a million rows cost what a screenful does. */
export function VirtualList({ count, rowHeight, onRange, renderRow, scrollTo, label }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const view = useScrollView(ref);
  const map = useMemo(() => scrollMap(count * rowHeight, view.height), [count, rowHeight, view.height]);
  const contentTop = map.contentTop(view.top);
  const { first, last } = visibleRows(contentTop, view.height, rowHeight, count);
  useEffect(() => onRange?.(first, last), [first, last, onRange]);
  useScrollIntoView(ref, scrollTo, rowHeight, map);

  const rows: ReactNode[] = [];
  for (let i = first; i <= last; i++) {
    rows.push(
      <div key={i} className="vrow" style={{ top: view.top + i * rowHeight - contentTop, height: rowHeight }}>
        {renderRow(i)}
      </div>,
    );
  }
  return (
    <div ref={ref} className="scroller" role="list" aria-label={label} tabIndex={0}>
      <div className="vspace" style={{ height: map.height }}>
        {rows}
      </div>
    </div>
  );
}
