import { describe, expect, it } from 'vitest';
import { operations } from '../domain/dataset-status.ts';
import { afterStageWeights, isDatasetStage, ITEMS, nextStage, pipelineOf, stageRegistry, taskStagesOf } from './graph.ts';

describe('pipeline graph', () => {
  it('declares a pipeline for every operation', () => {
    for (const op of operations) expect(() => pipelineOf(op), op).not.toThrow();
    // An enrichment copy starts from the source's rows and detects in every image.
    expect(taskStagesOf('ENRICH')).toEqual(['copy', ITEMS, 'similarity', 'summarize']);
    expect(stageRegistry.detect.level).toBe('item');
  });

  it('runs every stage it names from the one registry, at the right level', () => {
    for (const op of ['CREATE', 'ADD_MEDIA', 'REINDEX'] as const) {
      for (const autoReindex of [false, true]) {
        for (const stage of taskStagesOf(op, { autoReindex })) {
          if (stage === ITEMS) continue;
          expect(stageRegistry[stage].level, `${op} ${stage}`).toBe('dataset');
          expect(isDatasetStage(stage)).toBe(true);
        }
      }
    }
    expect(isDatasetStage('analyze')).toBe(false);
    expect(isDatasetStage(ITEMS)).toBe(false);
    expect(isDatasetStage('toString')).toBe(false);
  });

  it('orders each operation: listing, items, dataset-level results, then the settling stage', () => {
    expect(taskStagesOf('CREATE')).toEqual(['discover', ITEMS, 'similarity', 'summarize']);
    expect(taskStagesOf('REINDEX')).toEqual(['similarity', 'summarize']);
    expect(taskStagesOf('ADD_MEDIA')).toEqual(['discover', ITEMS, 'extend', 'summarize']);
    expect(taskStagesOf('ADD_MEDIA', { autoReindex: true })).toEqual(['discover', ITEMS, 'extend', 'similarity', 'summarize']);
    for (const op of ['CREATE', 'ADD_MEDIA', 'REINDEX'] as const) expect(taskStagesOf(op).at(-1)).toBe('summarize');
    expect(nextStage('REINDEX', 'similarity')).toBe('summarize');
    expect(nextStage('REINDEX', 'summarize')).toBeNull();
    expect(() => nextStage('REINDEX', ITEMS)).toThrow(/not part of REINDEX/);
  });

  it('weighs the after-stages as the registry declares', () => {
    expect(afterStageWeights('CREATE', 2000)).toEqual([100, 1]);
    expect(afterStageWeights('CREATE', 3)).toEqual([1, 1]);
    expect(afterStageWeights('REINDEX', 0)).toEqual([1, 1]);
  });
});
