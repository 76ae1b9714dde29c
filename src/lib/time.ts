/**
 * Timestamps as the API shows them: UTC ISO 8601 without zone, with microseconds
 * ("2025-04-24T07:44:46.136915"), as Visual Layer does. JavaScript clocks have milliseconds;
 * the last three digits count values made within the same millisecond, so timestamps from
 * one process are strictly increasing and sort in creation order.
 */
let lastMs = 0;
let sameMsCount = 0;

export function isoMicros(date: Date = new Date()): string {
  const ms = date.getTime();
  if (ms === lastMs) sameMsCount = Math.min(sameMsCount + 1, 999);
  else if (ms > lastMs) {
    lastMs = ms;
    sameMsCount = 0;
  }
  const micros = ms === lastMs ? sameMsCount : 0;
  return `${date.toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}`;
}
