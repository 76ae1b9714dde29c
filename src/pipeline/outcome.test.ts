import { describe, expect, it } from 'vitest';
import type { Task } from '../domain/types.ts';
import { taskOutcome } from './outcome.ts';

const task = (operation: Task['operation'], params: Record<string, unknown>): Task => ({
  id: 't',
  datasetId: 'd',
  operation,
  status: 'RUNNING',
  stage: 'summarize',
  total: 3,
  done: 0,
  failed: 3,
  progress: 0,
  createdBy: 'u',
  abortRequestedAt: null,
  abortRequestedBy: null,
  createdAt: '',
  startedAt: null,
  endedAt: null,
  lastProgressAt: null,
  errorMessage: null,
  params,
});

describe('taskOutcome', () => {
  it('ends a failed creation in ERROR with the message', () => {
    expect(taskOutcome(task('CREATE', { previousStatus: 'DRAFT' }), 'no media')).toEqual({ taskStatus: 'FAILED', errorMessage: 'no media', datasetStatus: 'ERROR', fatalErrorMsg: 'no media' });
  });

  it('sends a failed update back to the state it started from, the message on the task only', () => {
    expect(taskOutcome(task('ADD_MEDIA', { previousStatus: 'PARTIAL INDEX' }), 'all failed')).toEqual({ taskStatus: 'FAILED', errorMessage: 'all failed', datasetStatus: 'PARTIAL INDEX', fatalErrorMsg: null });
    expect(taskOutcome(task('ADD_MEDIA', { previousStatus: 'READY' }), 'all failed').datasetStatus).toBe('READY');
    expect(taskOutcome(task('REINDEX', { previousStatus: 'PARTIAL INDEX' }), 'boom').datasetStatus).toBe('PARTIAL INDEX');
  });

  it('ends a completed add PARTIAL INDEX, or READY with auto_reindex', () => {
    expect(taskOutcome(task('ADD_MEDIA', { previousStatus: 'READY' }), null)).toEqual({ taskStatus: 'COMPLETED', errorMessage: null, datasetStatus: 'PARTIAL INDEX', fatalErrorMsg: null });
    expect(taskOutcome(task('ADD_MEDIA', { previousStatus: 'READY', autoReindex: true }), null).datasetStatus).toBe('READY');
    expect(taskOutcome(task('REINDEX', { previousStatus: 'PARTIAL INDEX' }), null).datasetStatus).toBe('READY');
  });
});
