/**
 * Every job Strata runs, with its payload. Payloads carry ids, never state: a handler re-reads
 * what it needs, so a job retried after a crash sees the current truth.
 */
export interface JobPayloads {
  /** A dataset-level pipeline stage (discover, summarize, …), one at a time per dataset. */
  'dataset-stage': { datasetId: string; taskId: string; stage: string };
  /** A per-item pipeline stage (analyze, …). */
  'item-stage': { datasetId: string; taskId: string; itemId: string; stage: string };
  /** Ends an operation whose abort was asked for, once no dataset stage of it runs (pipeline/abort.ts). */
  'task-abort': { datasetId: string; taskId: string };
  /** Writes an export's zip (SPEC §9). */
  export: { exportId: string };
}

export type JobName = keyof JobPayloads;
export const jobNames = ['dataset-stage', 'item-stage', 'task-abort', 'export'] as const satisfies readonly JobName[];
