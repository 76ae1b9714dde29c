import type { Detection } from '../domain/detection/detections.ts';
import type { DetectedObject } from './media-processor.ts';
import type { EntityType } from '../domain/entities.ts';
import type { ItemOutcome } from './store.ts';

/** A stored object: a detection on an image of the dataset. */
export interface StoredObject extends Detection {
  id: string;
  itemId: string;
  source: LabelSource;
}

/**
 * What one image's enrichment found: its objects and labels, and with the models that make them
 * its caption and its text-aligned vectors (the image's, and one per object in `objects` order).
 */
export interface EnrichmentResult {
  objects: readonly DetectedObject[];
  labels: readonly ImageLabel[];
  caption: { text: string; model: string } | null;
  textVectors: { model: string; image: Float32Array; objects: readonly Float32Array[] } | null;
}

/** A page of text-aligned vectors, keyed like the visual index by each item's embedding seq. */
export interface TextVectorPage {
  model: string;
  dimension: number;
  seqs: number[];
  /** seqs.length × dimension values. */
  vectors: Float32Array;
}

export interface ImageLabel {
  label: string;
  confidence: number;
}

/** Where a label or object came from: enrichment's models, or the dataset's annotation files. */
export type LabelSource = 'IMAGE_TAGGING' | 'OBJECT_DETECTION' | 'ANNOTATIONS';

export interface StoredLabel extends ImageLabel {
  source: LabelSource;
}

/** Where a caption came from: CAPTION_IMAGES' model, or the dataset's annotation files. */
export type CaptionSource = 'CAPTION_IMAGES' | 'ANNOTATIONS';

export interface StoredCaption {
  text: string;
  source: CaptionSource;
}

/** What an enrichment copy (SPEC §8) reads and writes. */
export interface EnrichmentRepo {
  /**
   * Copies up to `limit` indexed items of `sourceId` after `afterId` (source ids, in id order)
   * into `targetId` under the task: rows and embeddings only, every location and thumbnail
   * key kept, so the copy shares the source's files, and what the annotation files gave each
   * image (labels, caption, objects). Images and frames wait at `stage`.
   * Copy ids derive from the source's, so a repeated call copies nothing twice.
   * Returns the last source id read, null when there was nothing left.
   */
  copyItems(input: { sourceId: string; targetId: string; taskId: string; stage: string }, afterId: string, limit: number): Promise<string | null>;
  /** Sets the copy's counts from its items, and the task's total to the items left at `stage`. */
  settleCopy(targetId: string, taskId: string, stage: string): Promise<number>;
  /** Records what an image's enrichment found and counts it done, atomically. */
  completeDetection(itemId: string, stage: string, result: EnrichmentResult): Promise<ItemOutcome>;
  /** Counts a failed detection; the item stays indexed (it was, in the source) with the reason. */
  failDetection(itemId: string, stage: string, reason: string): Promise<ItemOutcome>;
  /** The objects of each image, most confident first. */
  objectsOfItems(datasetId: string, itemIds: readonly string[]): Promise<Map<string, StoredObject[]>>;
  /** Every labelled item of the dataset with its label names (for mislabel candidates). */
  labelsOfDataset(datasetId: string): Promise<Map<string, string[]>>;
  /** Objects by their own ids. */
  objectsByIds(datasetId: string, objectIds: readonly string[]): Promise<Map<string, StoredObject>>;
  labelsOfItems(datasetId: string, itemIds: readonly string[]): Promise<Map<string, StoredLabel[]>>;
  /** The captions of each item that has one, the imported one first, then the generated one. */
  captionsOfItems(datasetId: string, itemIds: readonly string[]): Promise<Map<string, StoredCaption[]>>;
  /** The text-aligned vectors of the dataset's images and frames, or of its objects, in seq order. */
  textVectorPage(datasetId: string, entity: EntityType, afterSeq: number, limit: number): Promise<TextVectorPage | null>;
  /** Enrichment copies made from the dataset (and not being deleted). */
  copiesOf(datasetId: string): Promise<string[]>;
}
