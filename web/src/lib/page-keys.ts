import { useEffect } from 'react';

/**
 * Keys a page answers anywhere on it (Esc, ← →): `handlers` by key name. A key pressed with a
 * modifier, or while typing in a field, is left to the browser and the field.
 */
export function usePageKeys(handlers: Partial<Record<string, () => void>>): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      if (e.target instanceof Element && e.target.closest('input, textarea, select, [contenteditable="true"]')) return;
      const handler = handlers[e.key];
      if (handler === undefined) return;
      handler();
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
}
