/**
 * Annotations imported with a dataset's files (SPEC §4): what the annotation files say, row by
 * row, and the checks each row must pass. A row that fails is reported with its file and row;
 * it never fails the dataset.
 */

/** The annotation files looked for at the root of a source, in the order they are read. */
export const annotationFileNames = [
  'annotations.json',
  'image_annotations.csv',
  'image_annotations.parquet',
  'object_annotations.csv',
  'object_annotations.parquet',
] as const;

export const isAnnotationFileName = (name: string): boolean => (annotationFileNames as readonly string[]).includes(name);

/** A box in an image's displayed pixels, from its top-left corner. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where a row was read: the annotation file and the row (CSV: line number; else 1-based; 0: the whole file). */
export interface RowRef {
  file: string;
  row: number;
}

/** How a failure names its row; row 0 is the file as a whole (it could not be read). */
export const rowName = (ref: RowRef): string => (ref.row === 0 ? ref.file : `${ref.file} row ${ref.row}`);

/** One row of an annotation file, checked: a label (and caption) of an image, an object, or why not. */
export type AnnotationRow =
  | { kind: 'image'; target: string; label: string | null; caption: string | null; ref: RowRef }
  | { kind: 'object'; target: string; label: string; box: Box; ref: RowRef }
  | { kind: 'failure'; ref: RowRef; reason: string };

/** What the annotation files say of one image, kept on its item until it is decoded. */
export interface ItemAnnotations {
  labels: string[];
  caption: string | null;
  boxes: Array<Box & { label: string; ref: RowRef }>;
}

const fail = (ref: RowRef, reason: string): AnnotationRow => ({ kind: 'failure', ref, reason });

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const s = String(value).trim();
  return s === '' ? null : s;
}

function numberOf(value: unknown): number | null {
  if (typeof value === 'number' || typeof value === 'bigint') return Number.isFinite(Number(value)) ? Number(value) : null;
  const s = text(value);
  if (s === null || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  return Number(s);
}

/** A box from its four numbers, or why they are not one. */
function boxOf(values: Record<'x' | 'y' | 'width' | 'height', unknown>): Box | string {
  const box: Partial<Box> = {};
  for (const k of ['x', 'y', 'width', 'height'] as const) {
    const n = numberOf(values[k]);
    if (n === null) return `${k} is not a number: ${JSON.stringify(text(values[k]) ?? '')}`;
    box[k] = n;
  }
  const b = box as Box;
  if (b.x < 0 || b.y < 0) return 'the box starts outside the image (negative x or y)';
  if (b.width <= 0 || b.height <= 0) return 'the box has no area (width and height must be positive)';
  return b;
}

/** A row of image_annotations (`filename,label[,caption]`): a label, a caption, or both. */
export function imageRowOf(record: Record<string, unknown>, ref: RowRef): AnnotationRow {
  const target = text(record.filename);
  if (target === null) return fail(ref, 'missing filename');
  const label = text(record.label);
  const caption = text(record.caption);
  if (label === null && caption === null) return fail(ref, 'missing label');
  return { kind: 'image', target, label, caption, ref };
}

/** A row of object_annotations (`filename,col_x,row_y,width,height,label`). */
export function objectRowOf(record: Record<string, unknown>, ref: RowRef): AnnotationRow {
  const target = text(record.filename);
  if (target === null) return fail(ref, 'missing filename');
  const label = text(record.label);
  if (label === null) return fail(ref, 'missing label');
  const box = boxOf({ x: record.col_x, y: record.row_y, width: record.width, height: record.height });
  if (typeof box === 'string') return fail(ref, box);
  return { kind: 'object', target, label, box, ref };
}

/** The columns each kind of table file must have. */
export const requiredColumns = {
  image: ['filename'],
  object: ['filename', 'col_x', 'row_y', 'width', 'height', 'label'],
} as const;

/**
 * A COCO file's rows: each annotation with a bbox is an object of its image; one without is a
 * label of the image (COCO's image-level form), and a `caption` field is the image's caption.
 * Rows are the annotations, numbered from 1 in the file's order.
 */
export function cocoRowsOf(json: unknown, file: string): AnnotationRow[] {
  const doc = json as { images?: unknown; annotations?: unknown; categories?: unknown };
  if (typeof json !== 'object' || json === null || !Array.isArray(doc.images) || !Array.isArray(doc.annotations)) {
    return [fail({ file, row: 0 }, 'not a COCO file: it needs "images" and "annotations" arrays')];
  }
  const images = new Map<string, string>();
  for (const img of doc.images as Array<Record<string, unknown>>) {
    const name = text(img?.file_name);
    if (name !== null && img.id !== undefined) images.set(String(img.id), name);
  }
  const categories = new Map<string, string>();
  for (const c of Array.isArray(doc.categories) ? (doc.categories as Array<Record<string, unknown>>) : []) {
    const name = text(c?.name);
    if (name !== null && c.id !== undefined) categories.set(String(c.id), name);
  }
  return (doc.annotations as Array<Record<string, unknown>>).map((a, i) => {
    const ref = { file, row: i + 1 };
    if (typeof a !== 'object' || a === null) return fail(ref, 'an annotation must be an object');
    const target = images.get(String(a.image_id));
    if (target === undefined) return fail(ref, `unknown image_id ${JSON.stringify(a.image_id ?? null)}`);
    const caption = text(a.caption);
    const label = a.category_id === undefined ? null : categories.get(String(a.category_id));
    if (label === undefined) return fail(ref, `unknown category_id ${JSON.stringify(a.category_id)}`);
    const bbox = a.bbox;
    if (bbox === undefined || (Array.isArray(bbox) && bbox.length === 0)) {
      return label === null && caption === null ? fail(ref, 'missing label') : { kind: 'image', target, label, caption, ref };
    }
    if (label === null) return fail(ref, 'missing label');
    if (!Array.isArray(bbox) || bbox.length !== 4) return fail(ref, 'bbox must be [x, y, width, height]');
    const box = boxOf({ x: bbox[0], y: bbox[1], width: bbox[2], height: bbox[3] });
    return typeof box === 'string' ? fail(ref, box) : { kind: 'object', target, label, box, ref };
  });
}

/**
 * Why a box cannot be an object of an image of this size, or null. Boxes reaching up to a
 * pixel past the edge are accepted (the rounding of exporters) and cut at the edge.
 */
export function boxOutside(box: Box, width: number, height: number): string | null {
  if (box.x + box.width > width + 1 || box.y + box.height > height + 1) {
    return `the box ${box.x},${box.y} ${box.width}×${box.height} is outside the ${width}×${height} image`;
  }
  return null;
}

/** The box in whole pixels, inside the image. */
export function pixelBox(box: Box, width: number, height: number): Box {
  const x = Math.min(width - 1, Math.round(box.x));
  const y = Math.min(height - 1, Math.round(box.y));
  return { x, y, width: Math.max(1, Math.min(width - x, Math.round(box.width))), height: Math.max(1, Math.min(height - y, Math.round(box.height))) };
}

/** A name as annotation files and listings may write it, compared the same way. */
const normalName = (name: string): string => name.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '');
const baseName = (name: string): string => name.slice(name.lastIndexOf('/') + 1);

/**
 * Matches the rows to the listed images by file name (as listed, else by base name when only
 * one image has it) and gathers each image's annotations. Rows naming no listed image, or a
 * video, are failures.
 */
export function annotationsByItem(
  rows: readonly AnnotationRow[],
  items: ReadonlyArray<{ id: string; fileName: string; kind: string }>,
): { byItem: Map<string, ItemAnnotations>; failures: Array<{ ref: RowRef; reason: string }> } {
  const exact = new Map<string, { id: string; kind: string }>();
  const byBase = new Map<string, { id: string; kind: string } | null>();
  for (const it of items) {
    const name = normalName(it.fileName);
    exact.set(name, it);
    const b = baseName(name);
    byBase.set(b, byBase.has(b) ? null : it);
  }
  const byItem = new Map<string, ItemAnnotations>();
  const failures: Array<{ ref: RowRef; reason: string }> = [];
  for (const row of rows) {
    if (row.kind === 'failure') {
      failures.push(row);
      continue;
    }
    const name = normalName(row.target);
    const item = exact.get(name) ?? byBase.get(baseName(name));
    if (!item) {
      failures.push({ ref: row.ref, reason: `unknown file ${JSON.stringify(row.target)}: no such image in the dataset's files` });
      continue;
    }
    if (item.kind !== 'image') {
      failures.push({ ref: row.ref, reason: `${JSON.stringify(row.target)} is not an image: annotations apply to images` });
      continue;
    }
    const a = byItem.get(item.id) ?? { labels: [], caption: null, boxes: [] };
    if (row.kind === 'image') {
      if (row.label !== null && !a.labels.includes(row.label)) a.labels.push(row.label);
      if (row.caption !== null) a.caption = row.caption;
    } else {
      a.boxes.push({ ...row.box, label: row.label, ref: row.ref });
    }
    byItem.set(item.id, a);
  }
  return { byItem, failures };
}
