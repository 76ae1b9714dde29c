import type { Task } from './types.ts';

/** A running creation at its items phase, for unit tests; `over` sets what a test is about. */
export function taskFixture(over: Partial<Task> = {}): Task {
  return {
    id: 't',
    datasetId: 'd',
    operation: 'CREATE',
    status: 'RUNNING',
    stage: 'items',
    total: 100,
    done: 0,
    failed: 0,
    progress: 0,
    createdBy: 'u',
    createdAt: '',
    startedAt: null,
    endedAt: null,
    lastProgressAt: null,
    errorMessage: null,
    params: {},
    abortRequestedAt: null,
    abortRequestedBy: null,
    ...over,
  };
}
