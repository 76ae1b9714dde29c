import { describe, expect, it } from 'vitest';
import type { Dataset, Task } from '../domain/types.ts';
import { datasetView } from './dataset-view.ts';

const dataset: Dataset = {
  id: 'd1', displayName: 'D', description: '', sourceType: 'BUCKET', sourceUri: '/x', ownerId: 'u', ownerEmail: 'u@x.y',
  createdAt: '2025-04-24T07:44:46.136915', status: 'INDEXING', fatalErrorMsg: null, sourceDatasetId: null,
  nImages: 10, nVideos: 0, nFrames: 0, nObjects: 0, revision: 5, uploadOpen: false, lastTaskId: 't1',
};
const task: Task = {
  id: 't1', datasetId: 'd1', operation: 'CREATE', status: 'RUNNING', stage: 'items', total: 40, done: 10, failed: 0, progress: 0,
  createdBy: 'u', createdAt: '2025-04-24T07:44:46.136915', startedAt: '2025-04-24T07:44:46.136915', endedAt: null,
  lastProgressAt: Date.parse('2025-04-24T07:44:56.136Z'), errorMessage: null, params: {}, abortRequestedAt: null, abortRequestedBy: null,
};

describe('dataset view', () => {
  it('shows progress, processing and a Retry-After while an operation runs', () => {
    const v = datasetView(dataset, task);
    expect(v.body).toMatchObject({ status: 'INDEXING', status_new: 'INDEXING', progress: Math.floor((100 * 10) / 43) }); // 40 items + similarity (2 units) + summarize
    expect(v.body.processing).toMatchObject({ operation: 'CREATE', stage: 'items', done: 10, total: 40, failed: 0, eta_seconds: 30 });
    expect(v.retryAfter).toBe(1);
  });

  it('changes its ETag exactly when the body changes', () => {
    expect(datasetView(dataset, task).etag).toBe(datasetView({ ...dataset }, { ...task }).etag);
    expect(datasetView(dataset, { ...task, done: 11 }).etag).not.toBe(datasetView(dataset, task).etag);
    // the revision is not part of the body: a write that shows nothing new keeps the ETag
    expect(datasetView({ ...dataset, revision: 6 }, task).etag).toBe(datasetView(dataset, task).etag);
  });

  it('is 100 and without Retry-After once READY', () => {
    const v = datasetView({ ...dataset, status: 'READY' }, { ...task, status: 'COMPLETED', done: 40, stage: 'summarize' });
    expect(v.body.progress).toBe(100);
    expect(v.retryAfter).toBeNull();
  });

  it('says why a running operation is paused while the storage is full, and only then', () => {
    const paused = datasetView(dataset, task, true);
    expect((paused.body.processing as { paused_reason: string }).paused_reason).toMatch(/^No space left on the server's storage: processing is paused/);
    expect(paused.etag).not.toBe(datasetView(dataset, task).etag);
    expect(datasetView(dataset, task).body.processing).toMatchObject({ paused_reason: null });
    const ended = datasetView({ ...dataset, status: 'READY' }, { ...task, status: 'COMPLETED', done: 40, stage: 'summarize' }, true);
    expect(ended.body.processing).toMatchObject({ paused_reason: null });
  });

  it('shows a fresh draft without processing', () => {
    const v = datasetView({ ...dataset, status: 'DRAFT', lastTaskId: null, uploadOpen: true }, null);
    expect(v.body).toMatchObject({ status: 'UPLOADING', status_new: 'DRAFT', progress: 0 });
    expect(v.body.processing).toBeUndefined();
  });
});
