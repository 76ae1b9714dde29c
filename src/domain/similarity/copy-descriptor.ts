/**
 * The copy descriptors of a dataset (16 × 16 contrast-stretched gray levels per item, see
 * media/analyze-image.ts) in one flat buffer, with what their comparison needs precomputed:
 * n × 256 bytes in all, so a million items fit in 256 MB.
 */
export interface PackedDescriptors {
  length: number;
  data: Uint8Array;
  mean: Float32Array;
  /** 1 / ‖descriptor − mean‖, 0 for a flat image (which then matches nothing). */
  invNorm: Float32Array;
}

export const descriptorLength = 256;

/**
 * How descriptors are computed (media/analyze-image.ts copyDescriptorOf); part of the label
 * vectors are stored under (ml/embedders.ts modelIdOf), so that descriptors computed another
 * way are recomputed, never compared with these. v2: area averages, min–max stretched (v1 was
 * libvips' percentile normalise and Lanczos resize).
 */
export const copyDescriptorVersion = 'copy-v2';

export function packDescriptors(descriptors: readonly Uint8Array[]): PackedDescriptors {
  const n = descriptors.length;
  const data = new Uint8Array(n * descriptorLength);
  const mean = new Float32Array(n);
  const invNorm = new Float32Array(n);
  descriptors.forEach((d, i) => {
    if (d.length !== descriptorLength) throw new RangeError(`copy descriptor ${i} has ${d.length} values, expected ${descriptorLength}`);
    data.set(d, i * descriptorLength);
    let sum = 0;
    for (const v of d) sum += v;
    const mu = sum / descriptorLength;
    let sq = 0;
    for (const v of d) sq += (v - mu) * (v - mu);
    mean[i] = mu;
    invNorm[i] = sq > 0 ? 1 / Math.sqrt(sq) : 0;
  });
  return { length: n, data, mean, invNorm };
}

/** Pearson correlation of descriptors i and j: the cosine of their mean-free patterns. */
export function descriptorCosine(p: PackedDescriptors, i: number, j: number): number {
  const a = i * descriptorLength;
  const b = j * descriptorLength;
  let dot = 0;
  for (let k = 0; k < descriptorLength; k++) dot += p.data[a + k]! * p.data[b + k]!;
  return (dot - descriptorLength * p.mean[i]! * p.mean[j]!) * p.invNorm[i]! * p.invNorm[j]!;
}
