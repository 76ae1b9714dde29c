import { createHash } from 'node:crypto';
import type { Selectable, Transaction } from 'kysely';
import type { CaptionSource, EnrichmentResult, ImageLabel } from '../../ports/enrichment-repo.ts';
import type { DetectedObject } from '../../ports/media-processor.ts';
import { chunkRows, type DialectHelpers } from '../dialect.ts';
import type { DB, ItemsTable } from '../schema.ts';
import { embeddingRow, vectorBytes } from './items.repo.ts';

/** A uuid derived from a parent id and a name: the same in every run, unique across parents. */
export function derivedId(parentId: string, name: string): string {
  const h = createHash('sha256').update(`${parentId}/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Records an image's objects and labels, detected or `imported` (their source says which), and
 * returns the objects' item ids in `objects` order. Each object is an item of its own (kind
 * object, parent its image): it gets a vector, scores, clusters and duplicates like an image.
 * Its bytes are its image's. The dataset's n_objects is counted by countUnit, after the task row
 * is locked.
 */
export async function insertObjectsAndLabels(
  trx: Transaction<DB>,
  d: DialectHelpers,
  image: Selectable<ItemsTable>,
  stage: string,
  { objects, labels, imported }: { objects: readonly DetectedObject[]; labels: readonly ImageLabel[]; imported: boolean },
): Promise<string[]> {
  // Imported and detected objects of one image (media added to an enrichment copy) are named apart.
  const name = (i: number) => `${imported ? 'annotation' : 'object'}-${i}`;
  const objectItems = objects.map((o, i) => ({
    ...image,
    id: derivedId(image.id, name(i)),
    kind: 'object',
    parent_id: image.id,
    source_key: `${image.id}#${name(i)}`,
    stage,
    width: o.box.width,
    height: o.box.height,
    quality: null,
    phash: null,
    byte_hash: null,
    exif: null,
    annotations: null,
    fail_stage: null,
    fail_reason: null,
  }));
  const objectRows = objects.map((o, i) => ({
    id: objectItems[i]!.id,
    dataset_id: image.dataset_id,
    item_id: image.id,
    label: o.label,
    confidence: o.confidence,
    x: o.box.x,
    y: o.box.y,
    width: o.box.width,
    height: o.box.height,
    source: imported ? 'ANNOTATIONS' : 'OBJECT_DETECTION',
  }));
  const vectors = objects.map((o, i) => embeddingRow(objectItems[i]!.id, image.dataset_id, o.embedding));
  for (const chunk of chunkRows(d, objectItems)) await trx.insertInto('items').values(chunk).execute();
  for (const chunk of chunkRows(d, objectRows)) await trx.insertInto('objects').values(chunk).execute();
  for (const chunk of chunkRows(d, vectors)) await trx.insertInto('embeddings').values(chunk).execute();
  const labelRows = labels.map((l) => ({ item_id: image.id, dataset_id: image.dataset_id, label: l.label, confidence: l.confidence, source: imported ? 'ANNOTATIONS' : 'IMAGE_TAGGING' }));
  if (labelRows.length > 0) await trx.insertInto('image_labels').values(labelRows).execute();
  return objectItems.map((o) => o.id);
}

/** Records an image's caption, imported (no model) or written by CAPTION_IMAGES' model. */
export async function insertCaption(
  trx: Transaction<DB>,
  image: Selectable<ItemsTable>,
  caption: { text: string; source: CaptionSource; model: string | null },
): Promise<void> {
  await trx.insertInto('captions').values({ item_id: image.id, dataset_id: image.dataset_id, caption: caption.text, source: caption.source, model: caption.model }).execute();
}

/**
 * Records what enrichment's models found in an image or frame: objects and labels, the caption,
 * and the text-aligned vectors of the image and of each object (in `objects` order).
 */
export async function insertEnrichment(trx: Transaction<DB>, d: DialectHelpers, image: Selectable<ItemsTable>, stage: string, result: EnrichmentResult): Promise<void> {
  const objectIds = await insertObjectsAndLabels(trx, d, image, stage, { objects: result.objects, labels: result.labels, imported: false });
  if (result.caption !== null) await insertCaption(trx, image, { text: result.caption.text, source: 'CAPTION_IMAGES', model: result.caption.model });
  const { textVectors } = result;
  if (textVectors === null) return;
  const textRows = [image.id, ...objectIds].map((id, i) => ({
    item_id: id,
    dataset_id: image.dataset_id,
    model: textVectors.model,
    vector: vectorBytes(i === 0 ? textVectors.image : textVectors.objects[i - 1]!),
  }));
  for (const chunk of chunkRows(d, textRows)) await trx.insertInto('text_embeddings').values(chunk).execute();
}
