/** Human sizes and durations, as the pages show them. */
export function formatBytes(n: number | null): string {
  if (n === null) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const formatCount = (n: number) => n.toLocaleString('en-US');

/** "1 image", "2 images", "1,204 images". */
export const countOf = (n: number, noun: string) => `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;

/** What a group of media holds, each kind by its name: "3 images", "80 frames", "2 images, 5 frames". */
export function mediaCountOf(images: number, frames: number): string {
  if (frames === 0) return countOf(images, 'image');
  if (images === 0) return countOf(frames, 'frame');
  return `${countOf(images, 'image')}, ${countOf(frames, 'frame')}`;
}

/**
 * A time as every page shows it: UTC to the second, whatever the browser's zone, so that the
 * datasets, tasks and keys can be compared with each other and with the server's logs.
 */
export function formatTime(iso: string | null): string {
  if (iso === null) return '—';
  return `${new Date(utcMs(iso)).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Milliseconds of an API time: UTC, mostly without a zone suffix, which Date would read as local time. */
export const utcMs = (iso: string) => Date.parse(/(?:[zZ]|[+-]\d\d:\d\d)$/.test(iso) ? iso : `${iso}Z`);
