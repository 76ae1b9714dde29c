import { describe, expect, it } from 'vitest';
import { createStorageState, isStorageFull } from './storage-full.ts';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isStorageFull', () => {
  it('knows each layer’s way of saying the storage is full', () => {
    expect(isStorageFull(withCode('ENOSPC', 'ENOSPC: no space left on device, write'))).toBe(true);
    expect(isStorageFull(withCode('EDQUOT', 'EDQUOT: disk quota exceeded, write'))).toBe(true);
    expect(isStorageFull(withCode('SQLITE_FULL', 'database or disk is full'))).toBe(true);
    expect(isStorageFull(withCode('53100', 'could not extend file "base/16384/2619": No space left on device'))).toBe(true);
    // The S3 client's errors carry the service's code as their name, and the HTTP status.
    expect(isStorageFull(Object.assign(new Error('Storage backend has reached its minimum free drive threshold.'), { name: 'XMinioStorageFull' }))).toBe(true);
    expect(isStorageFull(Object.assign(new Error('Bucket quota exceeded'), { name: 'XMinioAdminBucketQuotaExceeded' }))).toBe(true);
    expect(isStorageFull(Object.assign(new Error('quota'), { name: 'QuotaExceeded', Code: 'QuotaExceeded' }))).toBe(true);
    expect(isStorageFull(Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 507 } }))).toBe(true);
  });

  it('finds it under wrapping errors', () => {
    expect(isStorageFull(new Error('similarity failed', { cause: new Error('save failed', { cause: withCode('ENOSPC') }) }))).toBe(true);
  });

  it('is false for other errors and for things that are not errors', () => {
    for (const err of [withCode('ENOENT'), withCode('EACCES'), withCode('SQLITE_BUSY'), withCode('SQLITE_IOERR_WRITE'), withCode('23505'), Object.assign(new Error('x'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }), new Error('No space left on device'), null, undefined, 'ENOSPC', 28]) {
      expect(isStorageFull(err), String(err)).toBe(false);
    }
  });

  it('stops following a cycle of causes', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = a;
    expect(isStorageFull(a)).toBe(false);
  });
});

describe('createStorageState', () => {
  it('tells listeners of each change, once', () => {
    const state = createStorageState();
    const heard: boolean[] = [];
    const stop = state.onChange((full) => heard.push(full));
    state.report(true);
    state.report(true);
    expect(state.full).toBe(true);
    state.report(false);
    stop();
    state.report(true);
    expect(heard).toEqual([true, false]);
  });

  it('says each change once in the log', () => {
    const lines: string[] = [];
    const state = createStorageState({ warn: (m) => lines.push(`warn ${m}`), info: (m) => lines.push(`info ${m}`) });
    state.report(true);
    state.report(true);
    state.report(false);
    expect(lines).toEqual(['warn storage full: processing waits and resumes by itself once space is freed', 'info storage has space again: processing resumed']);
  });
});
