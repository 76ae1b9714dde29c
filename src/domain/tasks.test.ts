import { describe, expect, it } from 'vitest';
import { taskSortNames, taskStatusNames, taskTypeNames } from '../api/schemas.ts';
import { abortOutcome, statusMessage, taskKindOfType, taskSortFields, taskTypes } from './tasks.ts';
import { taskFixture } from './task-fixture.ts';
import { taskStatuses, type Task } from './types.ts';

const task = (over: Partial<Task> = {}): Task => taskFixture({ id: 't1', datasetId: 'd1', total: 40, done: 12, failed: 1, ...over });

describe('tasks as the API shows them', () => {
  it('names the same types, statuses and sort fields as the API schemas', () => {
    expect(taskTypes).toEqual([...taskTypeNames]);
    expect([...taskStatuses]).toEqual([...taskStatusNames]);
    expect([...taskSortFields]).toEqual([...taskSortNames]);
    expect(taskKindOfType('MEDIA_ADDITION')).toBe('ADD_MEDIA');
    expect(taskKindOfType('EXPORT')).toBe('EXPORT');
    expect(taskKindOfType('UPLOAD')).toBeNull();
  });

  it('says where a task is, and that it is stopping once an abort was asked for', () => {
    expect(statusMessage(task())).toBe('Indexing media: 13 of 40');
    expect(statusMessage(task({ stage: 'similarity' }))).toBe('Computing similarity, duplicates and clusters');
    expect(statusMessage(task({ status: 'INITIALIZING', stage: 'discover' }))).toBe('Waiting to start');
    expect(statusMessage(task({ abortRequestedAt: '2026-01-01T00:00:00.000000' }))).toMatch(/^Aborting/);
    expect(statusMessage(task({ status: 'COMPLETED', done: 39 }))).toBe('Completed: 39 indexed, 1 failed');
    expect(statusMessage(task({ status: 'ABORTED' }))).toBe('Aborted');
  });

  it('ends an aborted creation in ERROR, and an aborted addition with what it finished', () => {
    expect(abortOutcome(task(), 'DRAFT', 'a@x')).toEqual({
      datasetStatus: 'ERROR',
      errorMessage: 'Aborted by a@x',
      fatalErrorMsg: 'Dataset creation was aborted by a@x after 12 of 40 files were indexed. Retry it (POST /api/v1/tasks/t1/retry) or delete the dataset.',
    });
    expect(abortOutcome(task({ total: null, done: 0 }), 'DRAFT', 'a@x').fatalErrorMsg).toMatch(/aborted by a@x before its files were listed/);
    expect(abortOutcome(task({ operation: 'ADD_MEDIA' }), 'READY', 'a@x').datasetStatus).toBe('PARTIAL INDEX');
    expect(abortOutcome(task({ operation: 'ADD_MEDIA', done: 0 }), 'READY', 'a@x').datasetStatus).toBe('READY');
    expect(abortOutcome(task({ operation: 'REINDEX' }), 'PARTIAL INDEX', 'a@x')).toMatchObject({ datasetStatus: 'PARTIAL INDEX', fatalErrorMsg: null });
  });

  it('ends an aborted enrichment copy in ERROR, as a failed one: it never had its similarity step', () => {
    expect(abortOutcome(task({ operation: 'ENRICH' }), 'DRAFT', 'a@x')).toEqual({
      datasetStatus: 'ERROR',
      errorMessage: 'Aborted by a@x',
      fatalErrorMsg: 'Enrichment was aborted by a@x after 12 of 40 images were enriched. Delete this copy and enrich the source again.',
    });
  });
});
