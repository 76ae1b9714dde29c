import { describe, expect, it } from 'vitest';
import { isoMicros } from './time.ts';

describe('isoMicros', () => {
  it('has microseconds and no zone', () => {
    expect(isoMicros(new Date('2025-04-24T07:44:46.136Z'))).toMatch(/^2025-04-24T07:44:46\.136\d{3}$/);
  });

  it('is strictly increasing within one millisecond', () => {
    const d = new Date('2030-01-01T00:00:00.000Z');
    const values = Array.from({ length: 50 }, () => isoMicros(d));
    expect([...values].sort()).toEqual(values);
    expect(new Set(values).size).toBe(values.length);
  });
});
