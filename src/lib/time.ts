/**
 * Timestamps as the API shows them: UTC ISO 8601 without zone, with microseconds
 * ("2025-04-24T07:44:46.136915"), as Visual Layer does. JavaScript clocks have
 * milliseconds; the microsecond digits come from the monotonic clock so values
 * made in the same millisecond still sort in creation order.
 */
export function isoMicros(date: Date = new Date()): string {
  const micros = Math.floor((performance.now() * 1000) % 1000);
  return `${date.toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}`;
}

export function nowMs(): number {
  return Date.now();
}
