import type { Generated } from 'kysely';

/**
 * Table shapes as Kysely sees them. Columns are portable between SQLite and PostgreSQL:
 * text, integer/bigint, double precision; booleans as 0/1 integers; JSON as text.
 */
export interface DB {
  users: UsersTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  datasets: DatasetsTable;
  dataset_shares: DatasetSharesTable;
  tasks: TasksTable;
  upload_transactions: UploadTransactionsTable;
  uploads: UploadsTable;
  items: ItemsTable;
  jobs: JobsTable;
  embeddings: EmbeddingsTable;
  item_scores: ItemScoresTable;
  duplicate_members: DuplicateMembersTable;
  clusters: ClustersTable;
  vector_indexes: VectorIndexesTable;
  anchors: AnchorsTable;
  exports: ExportsTable;
  objects: ObjectsTable;
  image_labels: ImageLabelsTable;
  object_vector_indexes: VectorIndexesTable;
  captions: CaptionsTable;
  text_embeddings: TextEmbeddingsTable;
  text_vector_indexes: VectorIndexesTable;
  text_object_vector_indexes: VectorIndexesTable;
}

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  role: string;
  created_at: string;
}

export interface ApiKeysTable {
  api_key: string;
  user_id: string;
  secret_sealed: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  expires_at: number;
  created_at: string;
}

export interface DatasetsTable {
  id: string;
  display_name: string;
  description: string;
  source_type: string;
  source_uri: string | null;
  owner_id: string;
  created_at: string;
  status: string;
  fatal_error_msg: string | null;
  source_dataset_id: string | null;
  n_images: number;
  n_videos: number;
  n_frames: number;
  n_objects: number;
  revision: number;
  upload_open: number;
  last_task_id: string | null;
  /** 1 from the start of a delete until its rows go: the dataset is gone for every reader. */
  deleting: number;
  /** The generation of similarity results readers see (migration 0033). */
  results_generation: Generated<number>;
}

export interface DatasetSharesTable {
  dataset_id: string;
  user_id: string;
}

export interface TasksTable {
  id: string;
  dataset_id: string;
  operation: string;
  status: string;
  stage: string;
  total: number | null;
  done: number;
  failed: number;
  progress: number;
  created_by: string;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  last_progress_at: number | null;
  error_message: string | null;
  params: string;
  /** Set when an abort was asked for and the work has not stopped yet (or had, once ABORTED). */
  abort_requested_at: string | null;
  abort_requested_by: string | null;
}

export interface UploadTransactionsTable {
  id: Generated<number>;
  dataset_id: string;
  state: string;
  created_at: string;
  /** Until when an add_media request holding the transaction is known alive; null otherwise. */
  lease_until: string | null;
}

export interface UploadsTable {
  id: Generated<number>;
  dataset_id: string;
  trans_id: number;
  file_name: string;
  blob_key: string;
  size_bytes: number;
  created_at: string;
  /** Null for files uploaded before digests were kept. */
  sha256: string | null;
}

export interface ItemsTable {
  id: string;
  dataset_id: string;
  task_id: string;
  kind: string;
  parent_id: string | null;
  source_key: string;
  file_name: string;
  original_uri: string;
  location: string;
  state: string;
  stage: string;
  fail_stage: string | null;
  fail_reason: string | null;
  size_bytes: number | null;
  format: string | null;
  width: number | null;
  height: number | null;
  exif: string | null;
  byte_hash: string | null;
  phash: string | null;
  quality: string | null;
  thumb_key: string | null;
  frame_index: number | null;
  frame_timestamp: number | null;
  video: string | null;
  /** JSON ItemAnnotations from the source's annotation files, until the item is decoded. */
  annotations: string | null;
  created_at: string;
}

export interface JobsTable {
  id: Generated<number>;
  name: string;
  payload: string;
  singleton_key: string | null;
  serial_key: string | null;
  state: string;
  retry_count: number;
  retry_limit: number;
  start_after: number;
  started_at: number | null;
  completed_at: number | null;
  output: string | null;
  created_at: number;
}

export interface EmbeddingsTable {
  seq: Generated<number>;
  item_id: string;
  dataset_id: string;
  model: string;
  /** Float32 little-endian. */
  vector: Uint8Array;
  copy_descriptor: Uint8Array;
}

export interface ItemScoresTable {
  item_id: string;
  dataset_id: string;
  /** Rows of other generations than the dataset's results_generation are not read. */
  generation: number;
  /** The item's entity type: rows exist for `done` items only, so the ranked listing needs no item row. */
  entity_type: string;
  uniqueness: number;
  max_similarity: number;
  nn_cosine: number;
  outlier_score: number;
  issue_duplicates: number | null;
  issue_outliers: number | null;
  issue_blur: number | null;
  issue_low_information: number | null;
  issue_odd_aspect_ratio: number | null;
  issue_odd_size: number | null;
  issue_grayscale: number | null;
  issue_mislabels: number | null;
  issue_dark: number | null;
  issue_bright: number | null;
  dup_group: number | null;
  cluster_0: number;
  cluster_1: number;
  cluster_2: number;
  cluster_3: number;
  cluster_4: number;
}

export interface DuplicateMembersTable {
  dataset_id: string;
  /** Rows of other generations than the dataset's results_generation are not read. */
  generation: number;
  level: number;
  group_id: number;
  item_id: string;
}

export interface ClustersTable {
  dataset_id: string;
  /** Rows of other generations than the dataset's results_generation are not read. */
  generation: number;
  granularity: number;
  cluster_id: number;
  rank: number;
  size: number;
  n_images: number;
  n_frames: number;
  n_videos: number;
  /** IMAGES (images and frames) or OBJECTS: the two are clustered apart. */
  entity_type: Generated<string>;
}

export interface VectorIndexesTable {
  dataset_id: string;
  blob_key: string;
  model: string;
  dimension: number;
  size: number;
  built_at: string;
  /** The saved file's byte count and SHA-256 (hex); null for indexes saved before 0022. */
  file_bytes: number | null;
  file_sha256: string | null;
}

export interface AnchorsTable {
  id: string;
  dataset_id: string;
  model: string;
  vector: Uint8Array;
  file_name: string;
  created_by: string;
  created_at: string;
}

/** What only an export has; its status, progress, times and error are on its task (same id). */
export interface ExportsTable {
  id: string;
  dataset_id: string;
  created_by: string;
  format: string;
  include_images: number;
  file_name: string;
  /** JSON of the media selection; null exports the whole dataset. */
  selection: string | null;
  blob_key: string | null;
  size_bytes: number | null;
  /** What a completed export says it holds; a failed one's message is its task's error. */
  result_message: string | null;
  /** Unix ms after which the file is gone; set when the export completes. */
  expires_at: number | null;
}

/** A detected object; `id` is its item's (kind `object`), `item_id` its image's. */
export interface ObjectsTable {
  id: string;
  dataset_id: string;
  item_id: string;
  label: string;
  confidence: number;
  x: number;
  y: number;
  width: number;
  height: number;
  source: Generated<string>;
}

export interface ImageLabelsTable {
  item_id: string;
  dataset_id: string;
  label: string;
  confidence: number;
  /** IMAGE_TAGGING (enrichment) or ANNOTATIONS (imported with the dataset); objects likewise OBJECT_DETECTION or ANNOTATIONS. */
  source: string;
}

export interface CaptionsTable {
  item_id: string;
  dataset_id: string;
  caption: string;
  /** CAPTION_IMAGES (enrichment) or ANNOTATIONS (imported with the dataset). */
  source: string;
  /** The captioning model; null for an imported caption. */
  model: string | null;
}

export interface TextEmbeddingsTable {
  item_id: string;
  dataset_id: string;
  model: string;
  /** Float32 little-endian, L2-normalised. */
  vector: Uint8Array;
}
