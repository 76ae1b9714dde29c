import type { Operation } from '../domain/dataset-status.ts';

/**
 * The pipeline, declared once. An operation runs its dataset-level `before` stages, then every
 * item through `itemStages`, then — once all items are finished (the barrier) — its `after`
 * stages, one at a time per dataset. The last `after` stage settles the dataset's state.
 * Stages never call each other; the runner moves a task from one stage to the next.
 */
export const ITEMS = 'items';

export const itemStages = ['analyze'] as const;
export type ItemStage = (typeof itemStages)[number];

export const datasetStages = ['discover', 'similarity', 'summarize'] as const;
export type DatasetStage = (typeof datasetStages)[number];

interface OperationPipeline {
  before: readonly DatasetStage[];
  after: readonly DatasetStage[];
}

const pipelines: Partial<Record<Operation, OperationPipeline>> = {
  CREATE: { before: ['discover'], after: ['similarity', 'summarize'] },
};

export function pipelineOf(op: Operation): OperationPipeline {
  const p = pipelines[op];
  if (!p) throw new Error(`no pipeline declared for operation ${op}`);
  return p;
}

/** The task's stages in order: before-stages, the items phase, after-stages. */
export function taskStagesOf(op: Operation): readonly string[] {
  const p = pipelineOf(op);
  return [...p.before, ITEMS, ...p.after];
}

/** The stage after `stage`, or null when `stage` is the last. */
export function nextStage(op: Operation, stage: string): string | null {
  const stages = taskStagesOf(op);
  const i = stages.indexOf(stage);
  if (i < 0) throw new Error(`stage ${stage} is not part of ${op}`);
  return stages[i + 1] ?? null;
}

export function isDatasetStage(stage: string): stage is DatasetStage {
  return (datasetStages as readonly string[]).includes(stage);
}

/**
 * Work units of each after-stage, for progress: the similarity stage (index, kNN graph, groups)
 * scales with the dataset and costs about a twentieth of the per-item work (measured: ~6 % of
 * the indexing time from 150 to 1M images); the others are one unit.
 */
export function afterStageWeights(op: Operation, itemsTotal: number): number[] {
  return pipelineOf(op).after.map((stage) => (stage === 'similarity' ? Math.max(1, Math.ceil(itemsTotal / 20)) : 1));
}

/** How many after-stages are finished when the task is at `stage` (for progress). */
export function afterStagesDone(op: Operation, stage: string): number {
  const after = pipelineOf(op).after as readonly string[];
  const i = after.indexOf(stage);
  return i < 0 ? 0 : i;
}
