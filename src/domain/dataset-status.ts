import { DomainError } from './errors.ts';

/** `status_new`: the state clients use (SPEC §3). Note the spaces in two of them. */
export const datasetStatuses = ['DRAFT', 'INDEXING', 'READ ONLY', 'PARTIAL INDEX', 'READY', 'ERROR'] as const;
export type DatasetStatus = (typeof datasetStatuses)[number];

/** Operations that move a dataset through its states; each one is a task. */
export const operations = ['CREATE', 'ADD_MEDIA', 'REINDEX', 'ENRICH'] as const;
export type Operation = (typeof operations)[number];

/**
 * What a task does: one of the operations, or an export, which only reads its dataset (it runs
 * beside any operation and leaves the dataset's state alone; SPEC §9).
 */
export const taskKinds = [...operations, 'EXPORT'] as const;
export type TaskKind = (typeof taskKinds)[number];

export type LegacyStatus = 'NEW' | 'UPLOADING' | 'INDEXING' | 'UPDATING' | 'ENRICHING' | 'READY' | 'FATAL_ERROR';

/** Every allowed state change. Anything not listed is a bug or a conflict. */
export const allowedTransitions: Readonly<Record<DatasetStatus, readonly DatasetStatus[]>> = {
  DRAFT: ['INDEXING'],
  INDEXING: ['READY', 'ERROR'],
  'READ ONLY': ['READY', 'PARTIAL INDEX', 'ERROR'],
  'PARTIAL INDEX': ['READ ONLY'],
  READY: ['READ ONLY'],
  ERROR: ['INDEXING'],
};

export function canTransition(from: DatasetStatus, to: DatasetStatus): boolean {
  return allowedTransitions[from].includes(to);
}

/** Throws when `from → to` is not an allowed transition. */
export function assertTransition(from: DatasetStatus, to: DatasetStatus): void {
  if (!canTransition(from, to)) {
    throw new DomainError('CONFLICT', `Dataset cannot go from ${from} to ${to}`);
  }
}

/** Task type names used by the tasks API, per kind of task. */
export const taskTypeOf: Readonly<Record<TaskKind, string>> = {
  CREATE: 'DATASET_CREATION',
  ADD_MEDIA: 'MEDIA_ADDITION',
  REINDEX: 'REINDEX',
  ENRICH: 'ENRICHMENT',
  EXPORT: 'EXPORT',
};

/** Which states each operation may start from, and the state it runs in. */
const operationRules: Readonly<Record<Operation, { from: readonly DatasetStatus[]; running: DatasetStatus }>> = {
  CREATE: { from: ['DRAFT', 'ERROR'], running: 'INDEXING' },
  ADD_MEDIA: { from: ['READY', 'PARTIAL INDEX'], running: 'READ ONLY' },
  REINDEX: { from: ['PARTIAL INDEX'], running: 'READ ONLY' },
  ENRICH: { from: ['READY'], running: 'READ ONLY' },
};

const operationVerb: Readonly<Record<Operation, string>> = {
  CREATE: 'process',
  ADD_MEDIA: 'add_media',
  REINDEX: 'reindex',
  ENRICH: 'enrich',
};

/**
 * The state a dataset enters when `op` starts, or a CONFLICT naming what blocks it
 * (Visual Layer's wording: "Operation 'add_media' is blocked while MEDIA_ADDITION task is running").
 */
export function statusWhenStarting(
  status: DatasetStatus,
  op: Operation,
  runningOperation: TaskKind | null,
): DatasetStatus {
  const rule = operationRules[op];
  if (rule.from.includes(status)) return rule.running;
  if (runningOperation !== null) {
    throw new DomainError(
      'CONFLICT',
      `Operation '${operationVerb[op]}' is blocked while ${taskTypeOf[runningOperation]} task is running`,
    );
  }
  throw new DomainError('CONFLICT', `Operation '${operationVerb[op]}' is not allowed while the dataset is ${status}`);
}

/**
 * The state a dataset reaches when `op` ends, completed or not (failed or aborted).
 * `itemsAdded`: whether the operation indexed any item into the dataset. `resultsComplete`:
 * whether an addition recomputed the dataset-level results over every item (its auto_reindex,
 * or a full similarity pass in place of extending the index).
 */
export function statusWhenFinished(
  op: Operation,
  outcome: 'succeeded' | 'failed',
  options: { resultsComplete?: boolean; previous?: DatasetStatus; itemsAdded?: boolean } = {},
): DatasetStatus {
  // A new dataset (made by CREATE, or an enrichment copy) has no earlier state to go back to.
  if (op === 'CREATE' || op === 'ENRICH') return outcome === 'succeeded' ? 'READY' : 'ERROR';
  if (outcome === 'failed') {
    // An addition that stopped after indexing items keeps them: they are browsable, but the
    // dataset-level results (clusters, uniqueness, outliers) were not recomputed over them.
    if (op === 'ADD_MEDIA' && options.itemsAdded === true) return 'PARTIAL INDEX';
    // Otherwise what was indexed before stays browsable: back to where it started.
    return options.previous === 'PARTIAL INDEX' ? 'PARTIAL INDEX' : 'READY';
  }
  if (op === 'ADD_MEDIA') return options.resultsComplete === true ? 'READY' : 'PARTIAL INDEX';
  return 'READY';
}

/** The legacy `status` field, derived from the same state (SPEC §3). */
export function legacyStatus(
  status: DatasetStatus,
  context: { uploadOpen: boolean; runningOperation: TaskKind | null },
): LegacyStatus {
  switch (status) {
    case 'DRAFT':
      return context.uploadOpen ? 'UPLOADING' : 'NEW';
    case 'INDEXING':
      return 'INDEXING';
    case 'READ ONLY':
      return context.runningOperation === 'ENRICH' ? 'ENRICHING' : 'UPDATING';
    case 'PARTIAL INDEX':
    case 'READY':
      return 'READY';
    case 'ERROR':
      return 'FATAL_ERROR';
  }
}

/** States in which the dataset's indexed content may be browsed and searched. */
export function isBrowsable(status: DatasetStatus): boolean {
  return status === 'READ ONLY' || status === 'PARTIAL INDEX' || status === 'READY' || status === 'ERROR';
}

/** States in which nothing is running and nothing will change on its own. */
export function isSettled(status: DatasetStatus): boolean {
  return status === 'READY' || status === 'PARTIAL INDEX' || status === 'ERROR' || status === 'DRAFT';
}
