import type { Task } from '../domain/types.ts';
import { stopIfAborted } from './abort.ts';
import type { PipelineDeps } from './deps.ts';

/**
 * Records a dataset stage's share done (0 … 1) on the task, at most once a second and only when
 * the shown percentage moves, so that a long stage shows progress without flooding the store.
 * Each report short of the end is a safe point for an abort (stages write their results after
 * their last one).
 */
export function stageReporter(deps: PipelineDeps, task: Task): (fraction: number) => Promise<void> {
  let shown = -1;
  let at = 0;
  return async (fraction) => {
    const percent = Math.floor(100 * Math.min(1, Math.max(0, fraction)));
    if (percent <= shown || (percent < 100 && Date.now() - at < 1000)) return;
    shown = percent;
    at = Date.now();
    await deps.store.tasks.update(task.id, { progress: percent });
    if (percent < 100) await stopIfAborted(deps, task.id);
  };
}
