/** The q-quantile (0 … 1) of the values, by sorting a copy; 0 for none. */
export function quantile(values: Float32Array, q: number): number {
  if (values.length === 0) return 0;
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
}

/**
 * Each value's robust z: (value − median) / (1.4826 · MAD), the spread floored at `minSigma`
 * (1.4826 · MAD estimates the standard deviation of normal data; the floor keeps values that
 * hardly differ from reading as far apart). NaN values are left out of the median and MAD and
 * stay NaN.
 */
export function robustZ(values: Float32Array, minSigma: number): Float32Array {
  // Plain loops: typed arrays' from / filter / map with a callback cost seconds at a million items.
  const present = new Float32Array(values.length);
  let count = 0;
  for (const v of values) if (!Number.isNaN(v)) present[count++] = v;
  const known = present.subarray(0, count);
  const median = quantile(known, 0.5);
  for (let i = 0; i < count; i++) known[i] = Math.abs(known[i]! - median);
  const sigma = Math.max(1.4826 * quantile(known, 0.5), minSigma);
  const z = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) z[i] = (values[i]! - median) / sigma;
  return z;
}
