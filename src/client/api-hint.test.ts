import { describe, expect, it } from 'vitest';
import { withoutApiHint } from './errors.ts';

describe('server messages on the pages', () => {
  it('drop the pointer to an API endpoint and keep the rest', () => {
    expect(withoutApiHint('No valid media: all 3 files failed to index (see GET /api/v1/dataset/d-1/errors)')).toBe('No valid media: all 3 files failed to index');
    expect(withoutApiHint('Disk full (see GET /api/v1/dataset/d-1/errors); retry later')).toBe('Disk full; retry later');
    expect(withoutApiHint('Embedding failed')).toBe('Embedding failed');
    expect(withoutApiHint('Dataset creation was aborted by ann after 3 of 9 files. Retry it (POST /api/v1/tasks/t-1/retry) or delete the dataset.')).toBe(
      'Dataset creation was aborted by ann after 3 of 9 files. Retry it or delete the dataset.',
    );
  });
});
