import { afterEach, describe, expect, it } from 'vitest';
import { tookSeconds } from './status.tsx';

const zone = process.env.TZ;
afterEach(() => {
  process.env.TZ = zone;
});

describe('tookSeconds', () => {
  it('reads the API times as UTC, even across a clock change where the browser is', () => {
    // Berlin's clocks skip 02:00–03:00 that night: read as local times, these would be 1 h apart.
    process.env.TZ = 'Europe/Berlin';
    expect(tookSeconds({ started_at: '2026-03-29T01:30:00.000000', ended_at: '2026-03-29T03:30:00.500000' })).toBe(7200.5);
    expect(tookSeconds({ started_at: '2026-03-29T00:59:30Z', ended_at: '2026-03-29T03:00:30+02:00' })).toBe(60);
  });

  it('is unknown until the operation has both started and ended', () => {
    expect(tookSeconds(undefined)).toBeNull();
    expect(tookSeconds({ started_at: null, ended_at: null })).toBeNull();
    expect(tookSeconds({ started_at: '2026-03-29T00:59:30.000000', ended_at: null })).toBeNull();
  });
});
