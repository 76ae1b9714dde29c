import type { Operation } from '../domain/dataset-status.ts';

/**
 * The pipeline, declared once. An operation runs its dataset-level `before` stages, then (if it
 * has items) every item through the item stages, then — once all items are finished (the
 * barrier) — its `after` stages, one at a time per dataset. The last `after` stage settles the
 * dataset's state. Stages never call each other; the runner moves a task from one stage to the
 * next.
 */
export const ITEMS = 'items';

/**
 * Every stage, with where it runs and what it weighs in progress. The weight is in work units
 * as a function of the operation's item count (one unit per item is the items phase): the
 * similarity stage (index, kNN graph, groups) scales with the dataset and costs about a
 * twentieth of the per-item work (measured: ~6 % of the indexing time from 150 to 1M images);
 * extending the index searches only the new items, about the same cost per item.
 * Before-stages weigh nothing: they run before the total is known.
 */
export const stageRegistry = {
  discover: { level: 'dataset', weight: () => 0 },
  copy: { level: 'dataset', weight: () => 0 },
  analyze: { level: 'item', weight: () => 0 },
  detect: { level: 'item', weight: () => 0 },
  extend: { level: 'dataset', weight: (items: number) => Math.max(1, Math.ceil(items / 20)) },
  similarity: { level: 'dataset', weight: (items: number) => Math.max(1, Math.ceil(items / 20)) },
  summarize: { level: 'dataset', weight: () => 1 },
} as const satisfies Record<string, { level: 'dataset' | 'item'; weight: (items: number) => number }>;

export type Stage = keyof typeof stageRegistry;
type StageOfLevel<L> = { [S in Stage]: (typeof stageRegistry)[S]['level'] extends L ? S : never }[Stage];
export type DatasetStage = StageOfLevel<'dataset'>;
export type ItemStage = StageOfLevel<'item'>;
/** Where a task can be: a dataset stage, or the items phase. */
export type TaskStage = DatasetStage | typeof ITEMS;

export const itemStages = ['analyze', 'detect'] as const satisfies readonly ItemStage[];

interface OperationPipeline {
  before: readonly DatasetStage[];
  /** Whether the operation lists items and runs them through the item stages. */
  items: boolean;
  after: readonly DatasetStage[];
}

/** What shapes an operation's pipeline beyond its kind (a task's params). */
export interface PipelineOptions {
  autoReindex?: boolean;
}

/**
 * Adding media extends the saved ANN index with the new items only; with auto_reindex the
 * dataset-level results are then recomputed, as a reindex would. A reindex recomputes them from
 * the recorded embeddings: it has no items.
 */
function pipelineFor(op: Operation, options: PipelineOptions): OperationPipeline | null {
  switch (op) {
    case 'CREATE':
      return { before: ['discover'], items: true, after: ['similarity', 'summarize'] };
    case 'ADD_MEDIA':
      return { before: ['discover'], items: true, after: options.autoReindex === true ? ['extend', 'similarity', 'summarize'] : ['extend', 'summarize'] };
    case 'REINDEX':
      return { before: [], items: false, after: ['similarity', 'summarize'] };
    case 'ENRICH':
      // An enrichment copy: the source's rows, then detection per image, then its own similarity.
      return { before: ['copy'], items: true, after: ['similarity', 'summarize'] };
  }
}

/** The options a task's params carry. */
export function pipelineOptionsOf(params: Record<string, unknown>): PipelineOptions {
  return { autoReindex: params.autoReindex === true };
}

export function pipelineOf(op: Operation, options: PipelineOptions = {}): OperationPipeline {
  const p = pipelineFor(op, options);
  if (!p) throw new Error(`no pipeline declared for operation ${op}`);
  return p;
}

/** The task's stages in order: before-stages, the items phase (if any), after-stages. */
export function taskStagesOf(op: Operation, options: PipelineOptions = {}): readonly TaskStage[] {
  const p = pipelineOf(op, options);
  const items: TaskStage[] = p.items ? [ITEMS] : [];
  return [...p.before, ...items, ...p.after];
}

/** The stage after `stage`, or null when `stage` is the last. */
export function nextStage(op: Operation, stage: string, options: PipelineOptions = {}): TaskStage | null {
  const stages = taskStagesOf(op, options);
  const i = stages.indexOf(stage as TaskStage);
  if (i < 0) throw new Error(`stage ${stage} is not part of ${op}`);
  return stages[i + 1] ?? null;
}

export function isDatasetStage(stage: string): stage is DatasetStage {
  return Object.hasOwn(stageRegistry, stage) && stageRegistry[stage as Stage].level === 'dataset';
}

/** Work units of each after-stage, for progress, from the weights the registry declares. */
export function afterStageWeights(op: Operation, itemsTotal: number, options: PipelineOptions = {}): number[] {
  return pipelineOf(op, options).after.map((stage) => stageRegistry[stage].weight(itemsTotal));
}

/** How many after-stages are finished when the task is at `stage` (for progress). */
export function afterStagesDone(op: Operation, stage: string, options: PipelineOptions = {}): number {
  const after = pipelineOf(op, options).after as readonly string[];
  const i = after.indexOf(stage);
  return i < 0 ? 0 : i;
}
