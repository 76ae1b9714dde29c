import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import type { User } from '../domain/types.ts';
import { isoMicros } from '../lib/time.ts';
import { MediaFailure, type BoundingBox } from '../ports/media-processor.ts';
import type { AppContext } from './context.ts';
import { visibleDataset } from './datasets.ts';
import { requireBrowsable } from './explore.ts';

/**
 * `bounding_box` as scripts send it: a JSON object {x, y, width, height} (or left/top, w/h),
 * a JSON array [x, y, width, height], or "x,y,width,height". Visual Layer's docs give it in
 * fractions of the image ({"x":0.1,"y":0.2,"width":0.5,"height":0.6}); whole pixels of the
 * upright image are accepted too. Which one is read from the values: all within 0–1 with a
 * fractional one are fractions, any above 1 are pixels, and a box of only 0s and 1s (the whole
 * image, or a 1×1 crop?) is refused rather than guessed.
 */
export function parseBoundingBox(raw: string): BoundingBox {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw.split(',').map((v) => Number(v.trim()));
  }
  let numbers: unknown[] = [];
  if (Array.isArray(value)) numbers = value;
  else if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    numbers = [o.x ?? o.left, o.y ?? o.top, o.width ?? o.w, o.height ?? o.h];
  }
  if (numbers.length !== 4 || !numbers.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) {
    throw new DomainError('UNPROCESSABLE', 'bounding_box must be {"x", "y", "width", "height"} (or [x, y, width, height]): fractions of the image from 0 to 1, or whole pixels');
  }
  const [left, top, width, height] = numbers as [number, number, number, number];
  if (numbers.some((n) => (n as number) > 1)) return pixelBox(left, top, width, height);
  if (numbers.every((n) => n === 0 || n === 1)) {
    throw new DomainError(
      'UNPROCESSABLE',
      `bounding_box ${JSON.stringify([left, top, width, height])} is ambiguous: as fractions it is the whole image, as pixels a 1×1 crop. Leave bounding_box out to search the whole image, or give fractions such as {"x":0.1,"y":0.2,"width":0.5,"height":0.6}`,
    );
  }
  if (width === 0 || height === 0 || left + width > 1 + 1e-9 || top + height > 1 + 1e-9) {
    throw new DomainError('UNPROCESSABLE', 'bounding_box in fractions must have a width and height above 0, and x + width and y + height of at most 1');
  }
  return { unit: 'fractions', left, top, width, height };
}

function pixelBox(...values: [number, number, number, number]): BoundingBox {
  const [left, top, width, height] = values.map(Math.round) as [number, number, number, number];
  if (width < 1 || height < 1) throw new DomainError('UNPROCESSABLE', 'bounding_box in pixels must have a width and height of at least 1');
  return { unit: 'pixels', left, top, width, height };
}

/**
 * Searching by image is a read, open to viewers, but each anchor is a row: anchors belong to
 * their creator (nobody else can search with one), who keeps the newest MAX_ANCHORS_PER_USER,
 * and expire after ANCHOR_LIFETIME_MS, so they cannot be used to fill the disk.
 */
export const MAX_ANCHORS_PER_USER = 100;
export const ANCHOR_LIFETIME_MS = 24 * 3600 * 1000;

/**
 * POST /api/v1/dataset/{id}/search-image-similarity: embeds the uploaded image (or the part
 * inside the bounding box) with the dataset's model and keeps the vector as an anchor that
 * explore's anchor_type=UPLOAD searches with. The image itself is not kept.
 */
export async function createUploadAnchor(
  ctx: AppContext,
  user: User,
  datasetId: string,
  upload: { path: string; fileName: string },
  box: BoundingBox | null,
): Promise<{ anchor_media_id: string; anchor_type: 'UPLOAD' }> {
  requireBrowsable(await visibleDataset(ctx, user, datasetId));
  let vector: Float32Array;
  let model: string;
  try {
    ({ vector, model } = await ctx.pipeline.media.embedImage(upload.path, box ? { region: box } : undefined));
  } catch (err) {
    if (err instanceof MediaFailure) throw new DomainError('BAD_REQUEST', `The uploaded file cannot be used: ${err.message}`);
    throw err;
  }
  const id = randomUUID();
  // The name is only kept for reference: control characters (a NUL would not even store on PostgreSQL) are dropped.
  const fileName = upload.fileName.replace(/[\u0000-\u001f\u007f]/g, '');
  await ctx.store.similarity.createAnchor(
    { id, datasetId, model, vector, fileName, createdBy: user.id, createdAt: isoMicros() },
    { keepPerUser: MAX_ANCHORS_PER_USER, expireBefore: isoMicros(new Date(Date.now() - ANCHOR_LIFETIME_MS)) },
  );
  return { anchor_media_id: id, anchor_type: 'UPLOAD' };
}
