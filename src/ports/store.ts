import type { DatasetStatus, Operation, TaskKind } from '../domain/dataset-status.ts';
import type { MediaSelection } from '../domain/export.ts';
import type { RankedScore } from '../domain/similarity/issues.ts';
import type { TaskSortField } from '../domain/tasks.ts';
import type { VqlFilter } from '../domain/vql.ts';
import type { Dataset, Item, ItemFailure, ItemKind, Role, SourceType, Task, TaskStatus, User } from '../domain/types.ts';
import type { AnalyzedImage, DetectedObject } from './media-processor.ts';
import type { ItemAnnotations } from '../domain/annotations.ts';
import type { EnrichmentRepo, EnrichmentResult } from './enrichment-repo.ts';
import type { ExportsRepo } from './exports-repo.ts';
import type { ClusterRow, ItemScores, SimilarityRepo } from './similarity-repo.ts';
import type { EntityType } from '../domain/entities.ts';

/** Metadata storage. One implementation over Kysely serves SQLite and PostgreSQL. */
export interface Store {
  readonly users: UsersRepo;
  readonly datasets: DatasetsRepo;
  readonly tasks: TasksRepo;
  readonly uploads: UploadsRepo;
  readonly items: ItemsRepo;
  readonly jobs: JobsRepo;
  readonly similarity: SimilarityRepo;
  readonly media: MediaRepo;
  readonly exports: ExportsRepo;
  readonly enrichment: EnrichmentRepo;
  /** Calls `listener` after each committed write that changes what a dataset's status shows. */
  onDatasetChange(listener: (datasetId: string) => void): () => void;
  close(): Promise<void>;
}

export interface UsersRepo {
  create(input: { email: string; passwordHash: string; role: Role }): Promise<User>;
  /** Creates the user, or sets the password and role of an existing one. */
  upsert(input: { email: string; passwordHash: string; role: Role }): Promise<User>;
  findByEmail(email: string): Promise<(User & { passwordHash: string }) | null>;
  findById(id: string): Promise<User | null>;
  addApiKey(input: { apiKey: string; userId: string; secretSealed: string }): Promise<void>;
  findApiKey(apiKey: string): Promise<{ userId: string; secretSealed: string; revoked: boolean } | null>;
  revokeApiKey(apiKey: string): Promise<boolean>;
  listApiKeys(userId: string): Promise<Array<{ apiKey: string; createdAt: string; revoked: boolean; lastUsedAt: string | null }>>;
  /** Records that the key authenticated at `at`, unless it was recorded less than `minGapMs` before. */
  noteApiKeyUse(apiKey: string, at: Date, minGapMs: number): Promise<void>;
  addSession(input: { tokenHash: string; userId: string; expiresAt: number }): Promise<void>;
  findSession(tokenHash: string): Promise<{ userId: string; expiresAt: number } | null>;
  deleteSession(tokenHash: string): Promise<void>;
}

export interface NewDataset {
  displayName: string;
  description: string;
  sourceType: SourceType;
  sourceUri: string | null;
  ownerId: string;
  sourceDatasetId?: string | null;
}

export interface DatasetPatch {
  status?: DatasetStatus;
  fatalErrorMsg?: string | null;
  uploadOpen?: boolean;
  lastTaskId?: string | null;
  sourceUri?: string | null;
}

export interface DatasetsRepo {
  create(input: NewDataset): Promise<Dataset>;
  get(id: string): Promise<Dataset | null>;
  /** Datasets `userId` owns or has been shared; all of them for admins. */
  listVisible(user: { id: string; role: Role }, sortBy: 'date' | 'name'): Promise<Dataset[]>;
  isSharedWith(datasetId: string, userId: string): Promise<boolean>;
  share(datasetId: string, userId: string): Promise<void>;
  /** False when the dataset was not shared with that user. */
  unshare(datasetId: string, userId: string): Promise<boolean>;
  /** The users it is shared with, by email. */
  sharedWith(datasetId: string): Promise<Array<{ email: string; role: Role }>>;
  /** Applies the patch and bumps the revision. */
  update(id: string, patch: DatasetPatch): Promise<void>;
  /** Current revision of each dataset (for change notification across processes). */
  revisions(ids: readonly string[]): Promise<Map<string, number>>;
  /**
   * First step of a delete: from now on the dataset is gone for every reader (get, listings,
   * uploads, new operations). False when it is already being deleted or an operation runs.
   */
  markDeleting(id: string): Promise<boolean>;
  /** Datasets whose delete has not finished (after a crash, the next start finishes them). */
  listDeleting(): Promise<string[]>;
  /** Removes the dataset's rows; the last step of a delete. */
  delete(id: string): Promise<void>;
}

export interface NewTask {
  datasetId: string;
  operation: Operation;
  stage: string;
  createdBy: string;
  params?: Record<string, unknown>;
  /** Work units, when known at the start (null until the source is listed otherwise). */
  total?: number;
}

/**
 * Another dataset the task holds in a state while it runs (an enrichment's source, READ ONLY):
 * moved with the task's start, and back to READY when the task finishes, however it ends.
 */
export interface DatasetLock {
  datasetId: string;
  from: DatasetStatus;
  to: DatasetStatus;
}

export interface TaskPatch {
  status?: TaskStatus;
  stage?: string;
  total?: number | null;
  progress?: number;
  startedAt?: string | null;
  endedAt?: string | null;
  errorMessage?: string | null;
  params?: Record<string, unknown>;
}

/** Who is looking: what they may see depends on it. */
export interface Viewer {
  id: string;
  role: Role;
}

export interface TaskQuery {
  datasetId?: string;
  datasetName?: string;
  operation?: TaskKind;
  status?: TaskStatus;
  createdByEmail?: string;
  /** Inclusive bounds on the creation time, as stored (isoMicros). */
  createdFrom?: string;
  createdTo?: string;
  sortBy: TaskSortField;
  sortOrder: 'asc' | 'desc';
  offset: number;
  limit: number;
}

/** A task with what a listing shows of its dataset and creator. */
export interface TaskListing {
  task: Task;
  datasetName: string;
  datasetStatus: DatasetStatus;
  createdByEmail: string;
}

export interface TasksRepo {
  /**
   * Creates the task and moves the dataset from `from` to `to` with it, atomically; a CONFLICT
   * when the dataset is no longer at `from` (two clients starting operations at once) or when
   * the state machine does not allow `from → to`.
   */
  start(input: NewTask, transition: { from: DatasetStatus; to: DatasetStatus }, lock?: DatasetLock): Promise<Task>;
  /**
   * Ends the task and settles the dataset's state, atomically (no reader sees one without the
   * other). Only a running task ends: false, and nothing changed, when it had ended already; a
   * CONFLICT, changing nothing, when the state machine does not allow the dataset's change.
   */
  finish(id: string, outcome: { taskStatus: TaskStatus; errorMessage: string | null; datasetStatus: DatasetStatus; fatalErrorMsg: string | null }): Promise<boolean>;
  get(id: string): Promise<Task | null>;
  /** The dataset's latest task of `operation` (an enrichment copy's ENRICH task), if any. */
  latestOf(datasetId: string, operation: Operation): Promise<Task | null>;
  /** The operations running (not exports: their own jobs resume them). */
  listRunning(): Promise<Task[]>;
  /** Tasks of the datasets `viewer` may see, filtered, sorted and paged, with how many match. */
  list(viewer: Viewer, query: TaskQuery): Promise<{ tasks: TaskListing[]; total: number }>;
  /** The datasets and creators that occur among the tasks `viewer` may see. */
  filterValues(viewer: Viewer): Promise<{ datasets: Array<{ id: string; name: string }>; creators: string[] }>;
  /**
   * Records an abort request on a running task (a second request keeps the first one's time);
   * false when the task is not running.
   */
  requestAbort(id: string, userId: string): Promise<boolean>;
  /**
   * Runs an ended task again from `stage`, moving the dataset from `from` to `to` (a CONFLICT
   * when it is no longer there, or the task is no longer its latest). Finished items are kept;
   * items that failed at one of `retriedStages` are pending again at that stage, and other
   * failures (refused at listing) are dropped, for the listing to judge them again. `from`
   * becomes the task's previous status: where a failed or aborted retry goes back to.
   */
  restart(id: string, input: { stage: string; retriedStages: readonly string[] }, transition: { from: DatasetStatus; to: DatasetStatus }): Promise<Task>;
  /** Applies the patch and bumps the dataset's revision, in one transaction. */
  update(id: string, patch: TaskPatch): Promise<void>;
  /** Moves the task from `from` to `to` only if it is still at `from`; true when this call moved it. */
  advanceStage(id: string, from: string, to: string): Promise<boolean>;
}

export interface UploadsRepo {
  /** With `leaseMs`, the transaction of one add_media request: reclaimable once its lease runs out. */
  openTransaction(datasetId: string, leaseMs?: number): Promise<number>;
  /** Extends an open transaction's lease to `leaseMs` from now. */
  renewLease(datasetId: string, transId: number, leaseMs: number): Promise<void>;
  /** Open transactions whose lease ran out: their request's process died before it ended. */
  expiredLeases(): Promise<Array<{ datasetId: string; transId: number }>>;
  /** Removes a transaction whose lease ran out, and its rows of uploads; false when it was renewed or submitted meanwhile. */
  dropExpired(datasetId: string, transId: number): Promise<boolean>;
  getTransaction(datasetId: string, transId: number): Promise<{ id: number; state: 'open' | 'submitted' } | null>;
  /** Closes the transaction (and ends its lease, if it has one). */
  submitTransaction(datasetId: string, transId: number): Promise<void>;
  /**
   * Records an uploaded file, only while its transaction is open: 'closed' when it was submitted
   * meanwhile (its processing may already have listed the files, so this one would be skipped) or
   * the dataset is being deleted; 'duplicate' when the transaction already holds a file of this
   * name and digest (a request sent again), which is then not recorded twice.
   */
  add(input: { datasetId: string; transId: number; fileName: string; blobKey: string; sizeBytes: number; sha256: string }): Promise<'added' | 'duplicate' | 'closed'>;
  /** Uploads of a transaction in upload order, `limit` at a time after `afterId`. */
  page(datasetId: string, transId: number, afterId: number, limit: number): Promise<UploadedFile[]>;
}

export interface UploadedFile {
  id: number;
  fileName: string;
  blobKey: string;
  sizeBytes: number;
  sha256: string | null;
}

export interface NewItem {
  datasetId: string;
  taskId: string;
  kind: ItemKind;
  sourceKey: string;
  fileName: string;
  originalUri: string;
  location: string;
  sizeBytes: number | null;
  stage: string;
  /** Set when the item failed before any stage ran (e.g. a symlink out of the import roots). */
  failure?: { stage: string; reason: string };
}

/**
 * An image's imported annotations once it is decoded: its labels, caption and objects (boxes
 * checked and embedded), and the rows that could not be used (recorded on the item).
 */
export interface ImportedAnnotations {
  labels: readonly string[];
  caption: string | null;
  objects: readonly DetectedObject[];
  problems: readonly string[];
}

/** What an image's analysis leaves in the store: the measurements, and where its thumbnail went. */
export type ImageFacts = Omit<AnalyzedImage, 'thumbnail'> & { thumbKey: string; sizeBytes?: number };

/**
 * What the models of an enrichment copy made of an image or frame added to it later (media
 * added to a copy get the copy's models), or why they could not run: the item is still indexed.
 */
export type AddedEnrichment = { result: EnrichmentResult } | { failure: string };

export interface NewFrame extends ImageFacts {
  id: string;
  frameIndex: number;
  frameTimestamp: number;
  location: string;
  enriched?: AddedEnrichment;
}

export interface ItemOutcome {
  /** False when the item had already moved on (a repeated job): nothing was counted. */
  applied: boolean;
  /** True when this item was the task's last unfinished one. */
  taskItemsFinished: boolean;
}

export interface ItemsRepo {
  /** Inserts items, ignoring any whose (task, sourceKey) already exists; counts pre-failed ones. */
  insertMany(items: readonly NewItem[]): Promise<void>;
  get(id: string): Promise<Item | null>;
  /** A dataset's items in a stable (id) order, `limit` after `afterId`. */
  page(datasetId: string, afterId: string, limit: number): Promise<Item[]>;
  /** Pending items of a task at a stage, in id order, `limit` after `afterId`. */
  pendingIds(taskId: string, stage: string, afterId: string, limit: number): Promise<string[]>;
  /** Records an image's facts (and its annotations, and its enrichment) and counts it done. */
  completeImage(itemId: string, stage: string, facts: ImageFacts, imported?: ImportedAnnotations, enriched?: AddedEnrichment): Promise<ItemOutcome>;
  /** The images and videos a task listed (not failed), for matching annotation rows to them. */
  listedNames(taskId: string): Promise<Array<{ id: string; fileName: string; kind: string }>>;
  /** Keeps each pending item's annotations until it is decoded. */
  setAnnotations(annotations: ReadonlyMap<string, ItemAnnotations>): Promise<void>;
  /** Records a video's probe and frames and counts it done, frames included, atomically. */
  completeVideo(itemId: string, stage: string, video: Record<string, unknown>, frames: readonly NewFrame[]): Promise<ItemOutcome>;
  /** Records a per-item failure and counts it. */
  fail(itemId: string, stage: string, reason: string): Promise<ItemOutcome>;
  /** How many items the task's listing recorded (its units of work; a video's frames are not). */
  countListed(taskId: string): Promise<number>;
  failures(datasetId: string, offset: number, limit: number): Promise<ItemFailure[]>;
  countFailures(datasetId: string): Promise<number>;
}

export interface JobRow {
  id: number;
  name: string;
  payload: unknown;
  /** Jobs sharing one run one at a time (see NewJob). */
  serialKey: string | null;
  retryCount: number;
  retryLimit: number;
}

export interface NewJob {
  name: string;
  payload: unknown;
  /** At most one queued-or-active job per key: a second send is ignored. */
  singletonKey?: string | null;
  /** Jobs sharing a serial key never run at the same time. */
  serialKey?: string | null;
  retryLimit: number;
}

export interface JobsRepo {
  insertMany(jobs: readonly NewJob[]): Promise<number>;
  /** Marks up to `limit` ready jobs of `name` active and returns them. */
  claim(name: string, limit: number): Promise<JobRow[]>;
  complete(id: number): Promise<void>;
  /** Back to the queue after `delayMs`, or failed for good when retries are used up. */
  retryOrFail(id: number, error: string, delayMs: number): Promise<'retry' | 'failed'>;
  /** After a crash: jobs left active by a dead process go back to the queue. */
  requeueActive(): Promise<number>;
  countOpen(): Promise<number>;
}

/** What a page of media lists (all by default). */
export type MediaListing = { kind: 'cluster'; granularity: number; clusterId: number } | { kind: 'ranked'; by: RankedScore; min: number };

export interface DuplicateGroup {
  groupId: number;
  size: number;
  members: MediaRecord[];
}

/** An indexed image or video frame with its dataset-level results (null before they exist). */
export interface MediaRecord {
  item: Item;
  scores: Omit<ItemScores, 'itemId'> | null;
}

/** Read side of media for the media, explore and search APIs. Filters are ANDed. */
export interface MediaRepo {
  /**
   * Indexed images and frames in a stable order (creation, then id); or the members of one
   * cluster in that order; or those scoring at least `min`, highest score first.
   */
  page(datasetId: string, offset: number, limit: number, listing?: MediaListing): Promise<{ media: MediaRecord[]; total: number }>;
  /** An image or frame; with `entity` OBJECTS, a detected object. */
  get(datasetId: string, itemId: string, entity?: EntityType): Promise<MediaRecord | null>;
  /** In `ids` order; unknown ids (and items of the other entity) are left out. */
  byIds(datasetId: string, ids: readonly string[], entity?: EntityType): Promise<MediaRecord[]>;
  /** The other members of the item's duplicate group at `level` (identical files included). */
  duplicateIds(datasetId: string, itemId: string, level: number): Promise<string[]>;
  /** Duplicate groups of images and frames at `level`, largest first (then by id), each with up to `perGroup` members in id order. */
  duplicateGroups(datasetId: string, level: number, offset: number, limit: number, perGroup: number): Promise<{ groups: DuplicateGroup[]; total: number }>;
  /** Clusters at a granularity, biggest first; with filters, counts only matching members. */
  clusters(datasetId: string, granularity: number, filters: readonly VqlFilter[], offset: number, limit: number, entity?: EntityType): Promise<{ clusters: ClusterRow[]; total: number }>;
  /** Up to `perCluster` matching members of each cluster, in the stable media order. */
  clusterPreviews(datasetId: string, granularity: number, clusterIds: readonly number[], filters: readonly VqlFilter[], perCluster: number, entity?: EntityType): Promise<Map<number, MediaRecord[]>>;
  /** The bytes of the matching members of each cluster: their files' sizes summed, each file once (an object's file is its image). */
  clusterBytes(datasetId: string, granularity: number, clusterIds: readonly number[], filters: readonly VqlFilter[], entity?: EntityType): Promise<Map<number, number>>;
  /**
   * The labels of the matching members of each cluster (an image's labels, or an object's),
   * the most frequent first (by members carrying them, then by name), at most `perCluster` each;
   * clusters with no labelled member are left out.
   */
  clusterLabels(datasetId: string, granularity: number, clusterIds: readonly number[], filters: readonly VqlFilter[], perCluster: number, entity?: EntityType): Promise<Map<number, string[]>>;
  /** Of `ids`, those matching the filters. */
  matching(datasetId: string, ids: readonly string[], filters: readonly VqlFilter[], entity?: EntityType): Promise<Set<string>>;
  /** The selected media (all of them for null) in id order, `limit` after `afterId`: how exports walk a dataset. */
  selected(datasetId: string, selection: MediaSelection | null, afterId: string, limit: number): Promise<MediaRecord[]>;
  countSelected(datasetId: string, selection: MediaSelection | null): Promise<number>;
  /** Each item's duplicate group at every level where it has one, levels ascending. */
  groupsOfItems(datasetId: string, itemIds: readonly string[]): Promise<Map<string, Array<{ level: number; groupId: number }>>>;
}
