import type { JobName, JobPayloads } from '../jobs/catalogue.ts';

export type JobResult = { status: 'done' } | { status: 'skipped'; reason: string } | { status: 'failed'; reason: string };

export interface JobContext {
  /** The backend's id of the job (a number for the in-process queue, a UUID for pg-boss), as text. */
  jobId: string;
  /** 0 on the first run. */
  attempt: number;
  /** True when a thrown error will not be retried: the handler should record the failure itself. */
  isLastAttempt: boolean;
}

export type JobHandler<N extends JobName> = (payload: JobPayloads[N], ctx: JobContext) => Promise<JobResult>;

export interface SendOptions {
  /** While a job with this key is queued or running, sending another is a no-op. */
  singletonKey?: string;
  /** Jobs with the same serial key never run at the same time (per-dataset serialization). */
  serialKey?: string;
}

export interface OutgoingJob<N extends JobName = JobName> {
  name: N;
  payload: JobPayloads[N];
  options?: SendOptions;
}

/**
 * Wakes workers for jobs. The pipeline's tables are the truth; a lost job is found again by the
 * reconciler. Vocabulary and semantics follow pg-boss.
 */
export interface JobQueue {
  send(jobs: readonly OutgoingJob[]): Promise<void>;
  work<N extends JobName>(name: N, options: { concurrency: number }, handler: JobHandler<N>): void;
  start(): Promise<void>;
  /** Stops claiming, waits for running handlers (up to `timeoutMs`); unfinished jobs resume on the next start. */
  stop(timeoutMs?: number): Promise<void>;
}
