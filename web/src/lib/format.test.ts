import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from './format.ts';

describe('formats', () => {
  it('shows sizes in decimal units', () => {
    expect([formatBytes(418), formatBytes(1_100), formatBytes(16_400_000), formatBytes(null)]).toEqual(['418 B', '1.1 KB', '16 MB', '—']);
  });

  it('shows durations in seconds, minutes or hours', () => {
    expect([formatDuration(0.2), formatDuration(42), formatDuration(600), formatDuration(7260), formatDuration(null)]).toEqual(['1 s', '42 s', '10 min', '2 h 1 min', '—']);
  });
});
