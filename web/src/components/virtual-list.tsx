import { useEffect, useRef, useState, type ReactNode } from 'react';
import { visibleRows } from '../lib/virtual.ts';

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
  const [view, setView] = useState({ top: 0, height: 800 });

  useEffect(() => {
    const el = ref.current!;
    const update = () => setView({ top: el.scrollTop, height: el.clientHeight });
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    el.addEventListener('scroll', update, { passive: true });
    return () => {
      observer.disconnect();
      el.removeEventListener('scroll', update);
    };
  }, []);

  const { first, last } = visibleRows(view.top, view.height, rowHeight, count);
  useEffect(() => onRange?.(first, last), [first, last, onRange]);

  useEffect(() => {
    const el = ref.current;
    if (!el || scrollTo === undefined || scrollTo < 0) return;
    const top = scrollTo * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
  }, [scrollTo, rowHeight]);

  const rows: ReactNode[] = [];
  for (let i = first; i <= last; i++) {
    rows.push(
      <div key={i} className="vrow" style={{ top: i * rowHeight, height: rowHeight }}>
        {renderRow(i)}
      </div>,
    );
  }
  return (
    <div ref={ref} className="scroller" role="list" aria-label={label} tabIndex={0}>
      <div className="vspace" style={{ height: count * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}
