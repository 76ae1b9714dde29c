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
}

export interface UploadTransactionsTable {
  id: Generated<number>;
  dataset_id: string;
  state: string;
  created_at: string;
}

export interface UploadsTable {
  id: Generated<number>;
  dataset_id: string;
  trans_id: number;
  file_name: string;
  blob_key: string;
  size_bytes: number;
  created_at: string;
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
