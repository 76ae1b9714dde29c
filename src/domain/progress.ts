import type { Task } from './types.ts';

/** The dataset-level stages after the items, as progress counts them. */
export interface AfterStages {
  /** Work units of each, in order (a stage that scales with the dataset weighs more). */
  weights: readonly number[];
  /** How many are finished. */
  done: number;
  /** Share (0 … 1) of the current one done, as the stage reports it. */
  current: number;
}

/**
 * Progress of an operation as a share of work units: one per source file, plus the weights of
 * the dataset-level stages after the items (each reporting its own share as it goes). Counters
 * only grow and the total is fixed once the source is listed, so the percentage never moves
 * backwards; it reaches 100 only when the operation has ended.
 */
export function progressPercent(task: Task, after: AfterStages): number {
  if (task.status === 'COMPLETED' || task.status === 'FAILED' || task.status === 'ABORTED') return 100;
  if (task.total === null) return 0;
  const afterUnits = after.weights.reduce((a, w) => a + w, 0);
  const units = task.total + afterUnits;
  if (units === 0) return 0;
  const current = (after.weights[after.done] ?? 0) * Math.min(1, Math.max(0, after.current));
  const afterDone = after.weights.slice(0, after.done).reduce((a, w) => a + w, 0) + current;
  const done = Math.min(task.done + task.failed, task.total) + afterDone;
  return Math.min(99, Math.floor((100 * done) / units));
}

/**
 * Seconds left, from the rate observed up to the last counted unit (not up to now), so the
 * value changes only when the counts do. Null until a unit has been counted.
 */
export function etaSeconds(task: Task, startedAtMs: number | null): number | null {
  if (task.status !== 'RUNNING' || task.total === null || startedAtMs === null || task.lastProgressAt === null) return null;
  const finished = task.done + task.failed;
  if (finished === 0) return null;
  const elapsed = Math.max(0, task.lastProgressAt - startedAtMs) / 1000;
  return Math.max(0, Math.round((elapsed / finished) * (task.total - finished)));
}

/** Seconds a poller should wait: about the time one more unit takes, between 1 and 10. */
export function retryAfterSeconds(task: Task | null, startedAtMs: number | null): number {
  if (task === null || startedAtMs === null || task.lastProgressAt === null) return 2;
  const finished = task.done + task.failed;
  if (finished === 0) return 2;
  const perUnit = (task.lastProgressAt - startedAtMs) / 1000 / finished;
  return Math.min(10, Math.max(1, Math.ceil(perUnit)));
}
