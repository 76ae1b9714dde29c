import type { Detection } from '../domain/detection/detections.ts';
import type { DetectedObject } from './media-processor.ts';
import type { ItemOutcome } from './store.ts';

/** A stored object: a detection on an image of the dataset. */
export interface StoredObject extends Detection {
  id: string;
  itemId: string;
  source: LabelSource;
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

/** What an enrichment copy (SPEC §8) reads and writes. */
export interface EnrichmentRepo {
  /**
   * Copies up to `limit` indexed items of `sourceId` after `afterId` (source ids, in id order)
   * into `targetId` under the task: rows and embeddings only, every location and thumbnail
   * key kept, so the copy shares the source's files. Images and frames wait at `stage`.
   * Copy ids derive from the source's, so a repeated call copies nothing twice.
   * Returns the last source id read, null when there was nothing left.
   */
  copyItems(input: { sourceId: string; targetId: string; taskId: string; stage: string }, afterId: string, limit: number): Promise<string | null>;
  /** Sets the copy's counts from its items, and the task's total to the items left at `stage`. */
  settleCopy(targetId: string, taskId: string, stage: string): Promise<number>;
  /** Records an image's objects and labels and counts it done, atomically. */
  completeDetection(itemId: string, stage: string, result: { objects: readonly DetectedObject[]; labels: readonly ImageLabel[] }): Promise<ItemOutcome>;
  /** Counts a failed detection; the item stays indexed (it was, in the source) with the reason. */
  failDetection(itemId: string, stage: string, reason: string): Promise<ItemOutcome>;
  /** The objects of each image, most confident first. */
  objectsOfItems(datasetId: string, itemIds: readonly string[]): Promise<Map<string, StoredObject[]>>;
  /** Every labelled item of the dataset with its label names (for mislabel candidates). */
  labelsOfDataset(datasetId: string): Promise<Map<string, string[]>>;
  /** Objects by their own ids. */
  objectsByIds(datasetId: string, objectIds: readonly string[]): Promise<Map<string, StoredObject>>;
  labelsOfItems(datasetId: string, itemIds: readonly string[]): Promise<Map<string, StoredLabel[]>>;
  /** Enrichment copies made from the dataset (and not being deleted). */
  copiesOf(datasetId: string): Promise<string[]>;
}
