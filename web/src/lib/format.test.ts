import { describe, expect, it } from 'vitest';
import { countOf, formatBytes, mediaCountOf, formatDuration, formatTime } from './format.ts';

describe('formats', () => {
  it('shows sizes in decimal units', () => {
    expect([formatBytes(418), formatBytes(1_100), formatBytes(16_400_000), formatBytes(null)]).toEqual(['418 B', '1.1 KB', '16 MB', '—']);
  });

  it('counts with the noun in the singular or plural', () => {
    expect([countOf(1, 'image'), countOf(0, 'image'), countOf(1204, 'cluster')]).toEqual(['1 image', '0 images', '1,204 clusters']);
  });

  it('counts images and video frames each by its name', () => {
    expect([mediaCountOf(3, 0), mediaCountOf(0, 80), mediaCountOf(2, 5), mediaCountOf(1, 1), mediaCountOf(0, 0)]).toEqual(['3 images', '80 frames', '2 images, 5 frames', '1 image, 1 frame', '0 images']);
  });

  it('shows durations in seconds, minutes or hours', () => {
    expect([formatDuration(0.2), formatDuration(42), formatDuration(600), formatDuration(7260), formatDuration(null)]).toEqual(['1 s', '42 s', '10 min', '2 h 1 min', '—']);
  });

  it('shows times in UTC to the second, whatever the offset they came with', () => {
    expect([formatTime('2026-12-07T14:12:05.431Z'), formatTime('2026-12-07T15:12:05+01:00'), formatTime(null)]).toEqual(['2026-12-07 14:12:05 UTC', '2026-12-07 14:12:05 UTC', '—']);
  });

  it('reads the API times without a zone as UTC, wherever the browser is', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(formatTime('2026-12-07T14:12:05.431000')).toBe('2026-12-07 14:12:05 UTC');
    } finally {
      process.env.TZ = zone;
    }
  });
});
