/** A detected object: a box in the image's displayed pixels, a COCO label and a confidence 0–1. */
export interface Detection {
  label: string;
  confidence: number;
  box: { x: number; y: number; width: number; height: number };
}

/** Intersection over union of two boxes (0 when they do not overlap). */
export function iou(a: Detection['box'], b: Detection['box']): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/**
 * Greedy non-maximum suppression across classes, as the detector's own package does it: the
 * most confident box wins and every box overlapping it by more than `iouThreshold` goes, so one
 * vehicle is not both a car and a truck. At most `max` detections of at least `minConfidence`.
 */
export function suppressOverlaps(
  candidates: readonly Detection[],
  opts: { minConfidence: number; iouThreshold: number; max: number },
): Detection[] {
  const kept: Detection[] = [];
  const sorted = candidates.filter((d) => d.confidence >= opts.minConfidence).sort((a, b) => b.confidence - a.confidence);
  for (const d of sorted) {
    if (kept.length >= opts.max) break;
    if (kept.every((k) => iou(k.box, d.box) <= opts.iouThreshold)) kept.push(d);
  }
  return kept;
}
