import { describe, expect, it } from 'vitest';
import { instant } from './tasks.ts';

describe('instant (start_time_from / start_time_to)', () => {
  it('keeps the microseconds of a listed start_time, so the bound includes that task', () => {
    expect(instant('2026-12-06T23:10:01.123456Z', 'start_time_to')).toBe('2026-12-06T23:10:01.123456');
  });

  it('reads a time without a zone as UTC and pads what it lacks', () => {
    expect(instant('2026-12-06T23:10:01', 'start_time_from')).toBe('2026-12-06T23:10:01.000000');
    expect(instant('2026-12-06T23:10:01.5+01:00', 'start_time_from')).toBe('2026-12-06T22:10:01.500000');
  });

  it('refuses what is not a date', () => {
    expect(() => instant('yesterday', 'start_time_from')).toThrow(/ISO 8601/);
  });
});
