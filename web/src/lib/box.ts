export interface Point {
  x: number;
  y: number;
}

/**
 * The box dragged from `a` to `b` on an image shown at `shown` size, as [x, y, width, height]
 * in the image's own pixels (what the search endpoint expects), clamped to the image; null for
 * a box too small to mean anything (a click).
 */
export function boxInPixels(a: Point, b: Point, shown: { width: number; height: number }, natural: { width: number; height: number }): [number, number, number, number] | null {
  const sx = natural.width / shown.width;
  const sy = natural.height / shown.height;
  const clampX = (v: number) => Math.min(natural.width, Math.max(0, v * sx));
  const clampY = (v: number) => Math.min(natural.height, Math.max(0, v * sy));
  const x0 = clampX(Math.min(a.x, b.x));
  const x1 = clampX(Math.max(a.x, b.x));
  const y0 = clampY(Math.min(a.y, b.y));
  const y1 = clampY(Math.max(a.y, b.y));
  const box: [number, number, number, number] = [Math.round(x0), Math.round(y0), Math.round(x1 - x0), Math.round(y1 - y0)];
  return box[2] < 8 || box[3] < 8 ? null : box;
}
