import { useEffect, useState, type RefObject } from 'react';
import type { ScrollMap } from './virtual.ts';

/** The scroll position and size of a scrolling element, updated as it scrolls or resizes. */
export function useScrollView(ref: RefObject<HTMLElement | null>): { top: number; height: number; width: number } {
  const [view, setView] = useState({ top: 0, height: 800, width: 1000 });
  useEffect(() => {
    const el = ref.current!;
    const update = () => setView({ top: el.scrollTop, height: el.clientHeight, width: el.clientWidth });
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    el.addEventListener('scroll', update, { passive: true });
    return () => {
      observer.disconnect();
      el.removeEventListener('scroll', update);
    };
  }, [ref]);
  return view;
}

/** Scrolls `ref` just enough to show the row at `index` (keyboard focus). */
export function useScrollIntoView(ref: RefObject<HTMLElement | null>, index: number | undefined, rowHeight: number, map: ScrollMap): void {
  useEffect(() => {
    const el = ref.current;
    if (!el || index === undefined || index < 0) return;
    const top = index * rowHeight;
    const shown = map.contentTop(el.scrollTop);
    if (top < shown) el.scrollTop = map.scrollTop(top);
    else if (top + rowHeight > shown + el.clientHeight) el.scrollTop = map.scrollTop(top + rowHeight - el.clientHeight);
  }, [ref, index, rowHeight, map]);
}
