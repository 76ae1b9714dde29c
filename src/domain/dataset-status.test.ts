import { describe, expect, it } from 'vitest';
import {
  allowedTransitions,
  canTransition,
  datasetStatuses,
  legacyStatus,
  operations,
  statusWhenFinished,
  statusWhenStarting,
  assertTransition,
  type DatasetStatus,
} from './dataset-status.ts';
import { DomainError } from './errors.ts';

const expected: Record<DatasetStatus, DatasetStatus[]> = {
  DRAFT: ['INDEXING'],
  INDEXING: ['READY', 'ERROR'],
  'READ ONLY': ['READY', 'PARTIAL INDEX', 'ERROR'],
  'PARTIAL INDEX': ['READ ONLY'],
  READY: ['READ ONLY'],
  ERROR: ['INDEXING'],
};

describe('dataset state machine', () => {
  it('allows exactly the listed transitions, for every pair of states', () => {
    for (const from of datasetStatuses) {
      for (const to of datasetStatuses) {
        expect(canTransition(from, to), `${from} → ${to}`).toBe(expected[from].includes(to));
      }
    }
    expect(allowedTransitions).toEqual(expected);
  });

  it('assertTransition throws a CONFLICT for a forbidden change', () => {
    expect(() => assertTransition('READY', 'INDEXING')).toThrow(DomainError);
    expect(() => assertTransition('DRAFT', 'INDEXING')).not.toThrow();
  });

  it('starts each operation only from its allowed states, into its running state', () => {
    const table: Record<string, Partial<Record<DatasetStatus, DatasetStatus>>> = {
      CREATE: { DRAFT: 'INDEXING', ERROR: 'INDEXING' },
      ADD_MEDIA: { READY: 'READ ONLY', 'PARTIAL INDEX': 'READ ONLY' },
      REINDEX: { 'PARTIAL INDEX': 'READ ONLY' },
      ENRICH: { READY: 'READ ONLY' },
    };
    for (const op of operations) {
      for (const s of datasetStatuses) {
        const want = table[op]![s];
        if (want) expect(statusWhenStarting(s, op, null)).toBe(want);
        else expect(() => statusWhenStarting(s, op, null), `${op} from ${s}`).toThrow(DomainError);
      }
    }
  });

  it('every running state an operation enters is reachable by an allowed transition', () => {
    for (const op of operations) {
      for (const s of datasetStatuses) {
        let next: DatasetStatus | null = null;
        try {
          next = statusWhenStarting(s, op, null);
        } catch {
          continue;
        }
        expect(canTransition(s, next), `${op}: ${s} → ${next}`).toBe(true);
      }
    }
  });

  it("names the running task in Visual Layer's words when blocked", () => {
    expect(() => statusWhenStarting('READ ONLY', 'ADD_MEDIA', 'ADD_MEDIA')).toThrow("Operation 'add_media' is blocked while MEDIA_ADDITION task is running");
  });

  it('settles each operation into the documented state', () => {
    expect(statusWhenFinished('CREATE', 'succeeded')).toBe('READY');
    expect(statusWhenFinished('CREATE', 'failed')).toBe('ERROR');
    expect(statusWhenFinished('ADD_MEDIA', 'succeeded')).toBe('PARTIAL INDEX');
    expect(statusWhenFinished('ADD_MEDIA', 'succeeded', { resultsComplete: true })).toBe('READY');
    expect(statusWhenFinished('REINDEX', 'succeeded')).toBe('READY');
    expect(statusWhenFinished('ADD_MEDIA', 'failed', { previous: 'PARTIAL INDEX' })).toBe('PARTIAL INDEX');
    expect(statusWhenFinished('ADD_MEDIA', 'failed', { previous: 'READY' })).toBe('READY');
    // Items it indexed are in, but the dataset-level results were not recomputed over them.
    expect(statusWhenFinished('ADD_MEDIA', 'failed', { previous: 'READY', itemsAdded: true, resultsComplete: true })).toBe('PARTIAL INDEX');
    expect(statusWhenFinished('REINDEX', 'failed', { previous: 'PARTIAL INDEX' })).toBe('PARTIAL INDEX');
    // ENRICH runs on the enrichment copy, a new dataset: it has no earlier state to go back to.
    expect(statusWhenFinished('ENRICH', 'succeeded', { previous: 'DRAFT' })).toBe('READY');
    expect(statusWhenFinished('ENRICH', 'failed', { previous: 'DRAFT' })).toBe('ERROR');
  });

  it('derives the legacy status field', () => {
    const none = { uploadOpen: false, runningOperation: null };
    expect(legacyStatus('DRAFT', none)).toBe('NEW');
    expect(legacyStatus('DRAFT', { uploadOpen: true, runningOperation: null })).toBe('UPLOADING');
    expect(legacyStatus('INDEXING', none)).toBe('INDEXING');
    expect(legacyStatus('READ ONLY', { uploadOpen: false, runningOperation: 'ADD_MEDIA' })).toBe('UPDATING');
    expect(legacyStatus('READ ONLY', { uploadOpen: false, runningOperation: 'ENRICH' })).toBe('ENRICHING');
    expect(legacyStatus('PARTIAL INDEX', none)).toBe('READY');
    expect(legacyStatus('READY', none)).toBe('READY');
    expect(legacyStatus('ERROR', none)).toBe('FATAL_ERROR');
  });
});
