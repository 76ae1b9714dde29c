import type { EntityType } from '../domain/entities.ts';
import type { IssueType } from '../domain/similarity/issues.ts';
import type { ItemKind, Quality } from '../domain/types.ts';
import type { Embedding } from './media-processor.ts';

/** One embedded item as the similarity stage reads it (vectors travel separately, flat). */
export interface EmbeddedItem {
  seq: number;
  itemId: string;
  kind: ItemKind;
  /** The video of a frame. */
  parentId: string | null;
  byteHash: string | null;
  phash: string | null;
  quality: Quality | null;
  /** Displayed size (for the size and aspect-ratio issues). */
  width: number | null;
  height: number | null;
}

export interface EmbeddingPage {
  items: EmbeddedItem[];
  /** items.length × dimension values, row i belonging to items[i]. */
  vectors: Float32Array;
  dimension: number;
  /** The copy descriptor of each item, in item order. */
  copyDescriptors: Uint8Array[];
}

/** The similarity stage's per-item results (SPEC §5). Issue confidences are null when absent. */
export interface ItemScores {
  itemId: string;
  uniqueness: number;
  maxSimilarity: number;
  nnCosine: number;
  outlierScore: number;
  issues: Record<IssueType, number | null>;
  /** Duplicate group at the lowest level (0.96), null without duplicates. */
  dupGroup: number | null;
  /** Cluster at granularity 0 … 4. */
  clusters: readonly [number, number, number, number, number];
}

export interface DuplicateMember {
  level: number;
  groupId: number;
  itemId: string;
}

export interface ClusterRow {
  granularity: number;
  clusterId: number;
  rank: number;
  size: number;
  nImages: number;
  nFrames: number;
  nVideos: number;
}

/**
 * Which vectors an index holds: the embedder's (`visual`, what similarity, duplicates and
 * clusters use) or a CLIP image tower's (`text`, comparable with a text's vector).
 */
export type VectorSpace = 'visual' | 'text';

export interface VectorIndexRecord {
  datasetId: string;
  blobKey: string;
  model: string;
  dimension: number;
  size: number;
  builtAt: string;
  /** What the saved file must hold to be loaded; null when it was saved without a record of it. */
  file: { bytes: number; sha256: string } | null;
}

export interface Anchor {
  id: string;
  datasetId: string;
  model: string;
  vector: Float32Array;
  fileName: string;
  createdBy: string;
  createdAt: string;
}

/** Embeddings in, dataset-level results out: what the similarity stage reads and writes. */
export interface SimilarityRepo {
  /** Indexed images and frames with no vector of `model` (embedded by another model, or none), in id order after `afterId`. */
  itemsToEmbed(datasetId: string, model: string, afterId: string, limit: number): Promise<Array<{ id: string; location: string }>>;
  /** Sets the item's vector, replacing one of any other model. */
  replaceEmbedding(itemId: string, datasetId: string, embedding: Embedding): Promise<void>;
  /**
   * Embedded, indexed items of the entity (images and frames, or objects; of one task, if given)
   * with vectors of `model`, in seq order after `afterSeq`.
   */
  embeddingPage(datasetId: string, model: string, afterSeq: number, limit: number, entity: EntityType, taskId?: string): Promise<EmbeddingPage>;
  /** The embedded, indexed items with these seqs (vectors of `model`), in no particular order. */
  embeddingsOfSeqs(datasetId: string, model: string, seqs: readonly number[]): Promise<EmbeddingPage>;
  /** Indexed images and frames whose bytes have one of these hashes, in id order. */
  itemsWithByteHashes(datasetId: string, hashes: readonly string[]): Promise<Array<{ itemId: string; byteHash: string }>>;
  /** A duplicate group id no group of the dataset uses yet. */
  nextDuplicateGroupId(datasetId: string): Promise<number>;
  /** Applies a merge of new edges into the duplicate groups (group-merge.ts), atomically. */
  mergeDuplicateGroups(datasetId: string, merge: { relabels: ReadonlyArray<{ level: number; from: number; to: number }>; members: readonly DuplicateMember[] }): Promise<void>;
  /**
   * Starts writing the dataset's scores, duplicate groups and clusters anew: removes the rows
   * an unfinished write left, and returns the generation to write them as. Readers go on
   * seeing the current results until `publishResults`.
   */
  startResults(datasetId: string): Promise<number>;
  /** Makes the generation written since `startResults` the one readers see, at once, then removes the old one. */
  publishResults(datasetId: string, generation: number): Promise<void>;
  /** Stores the scores of the dataset's indexed (`done`) items among `rows`; the rest are dropped. */
  insertScores(datasetId: string, generation: number, rows: readonly ItemScores[]): Promise<void>;
  insertDuplicateMembers(datasetId: string, generation: number, rows: readonly DuplicateMember[]): Promise<void>;
  insertClusters(datasetId: string, generation: number, rows: readonly ClusterRow[], entity: EntityType): Promise<void>;
  /**
   * The saved vector index of the dataset's images (and frames), or of its objects: of their
   * visual embeddings, or (`text`) of their text-aligned ones.
   */
  setVectorIndex(record: VectorIndexRecord, entity: EntityType, space?: VectorSpace): Promise<void>;
  vectorIndex(datasetId: string, entity: EntityType, space?: VectorSpace): Promise<VectorIndexRecord | null>;
  /** Item ids of index keys (embedding seqs); unknown keys are left out. */
  itemIdsOfSeqs(datasetId: string, seqs: readonly number[]): Promise<Map<number, string>>;
  embeddingOf(itemId: string): Promise<{ model: string; vector: Float32Array } | null>;
  /**
   * Records the anchor, then removes its creator's anchors beyond the newest `keepPerUser` and
   * every anchor created before `expireBefore` (an ISO time), so anchors cannot fill the disk.
   */
  createAnchor(anchor: Anchor, limits: { keepPerUser: number; expireBefore: string }): Promise<void>;
  getAnchor(id: string): Promise<Anchor | null>;
}
