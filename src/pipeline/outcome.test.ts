import { describe, expect, it } from 'vitest';
import { taskFixture } from '../domain/task-fixture.ts';
import type { Task } from '../domain/types.ts';
import { taskOutcome } from './outcome.ts';

const task = (operation: Task['operation'], params: Record<string, unknown>): Task => taskFixture({ operation, params, stage: 'summarize', total: 3, failed: 3 });

describe('taskOutcome', () => {
  it('ends a failed creation in ERROR with the message', () => {
    expect(taskOutcome(task('CREATE', { previousStatus: 'DRAFT' }), 'no media')).toEqual({ taskStatus: 'FAILED', errorMessage: 'no media', datasetStatus: 'ERROR', fatalErrorMsg: 'no media' });
  });

  it('sends a failed update back to the state it started from, the message on the task only', () => {
    expect(taskOutcome(task('ADD_MEDIA', { previousStatus: 'PARTIAL INDEX' }), 'all failed')).toEqual({ taskStatus: 'FAILED', errorMessage: 'all failed', datasetStatus: 'PARTIAL INDEX', fatalErrorMsg: null });
    expect(taskOutcome(task('ADD_MEDIA', { previousStatus: 'READY' }), 'all failed').datasetStatus).toBe('READY');
    expect(taskOutcome(task('REINDEX', { previousStatus: 'PARTIAL INDEX' }), 'boom').datasetStatus).toBe('PARTIAL INDEX');
  });

  it('ends a failed add that indexed items PARTIAL INDEX, whatever its auto_reindex', () => {
    const added = (params: Record<string, unknown>): Task => taskFixture({ operation: 'ADD_MEDIA', params, stage: 'extend', total: 3, done: 2, failed: 1 });
    expect(taskOutcome(added({ previousStatus: 'READY' }), 'boom')).toEqual({ taskStatus: 'FAILED', errorMessage: 'boom', datasetStatus: 'PARTIAL INDEX', fatalErrorMsg: null });
    expect(taskOutcome(added({ previousStatus: 'READY', autoReindex: true }), 'boom').datasetStatus).toBe('PARTIAL INDEX');
  });

  it('ends a completed add PARTIAL INDEX, or READY with auto_reindex', () => {
    expect(taskOutcome(task('ADD_MEDIA', { previousStatus: 'READY' }), null)).toEqual({ taskStatus: 'COMPLETED', errorMessage: null, datasetStatus: 'PARTIAL INDEX', fatalErrorMsg: null });
    expect(taskOutcome(task('ADD_MEDIA', { previousStatus: 'READY', autoReindex: true }), null).datasetStatus).toBe('READY');
    expect(taskOutcome(task('REINDEX', { previousStatus: 'PARTIAL INDEX' }), null).datasetStatus).toBe('READY');
  });
});
