import type { LevelCalibration } from './levels.ts';

/**
 * Fitted calibrations, by exact embedding model id. See bench/neardup for how they were
 * measured; a model without one gets no duplicate levels below 1.0 (identical files only),
 * since its cosines mean something else.
 */
const calibrations: readonly LevelCalibration[] = [
  {
    // The default: the network quantised to 8 bits, copy descriptor v7 (fitted with v5: local check,
    // mean colour; v6's border check and v7's backdrop leave the first set's pictures as they were).
    // bench/neardup/calibrate.ts: 1961 files (120 photos × 15 edits, natural copies), k = 10.
    // At 0.96: precision 1.000, recall 0.929.
    // On packages it was not fitted on, per kind: bench/neardup/held-out.ts and bench/README.md.
    model: 'nsfwjs-mobilenet-v2@nsfwjs@4.3.0/block_13_expand_relu/avg/160px/signed/int8-eafe3ac3/l2-centred-e98e9774+copy-v7',
    weights: { cosine: 0.4761, descriptor: 0.5239 },
    knots: [
      [0.7846, 0.96],
      [0.8891, 0.97],
      [0.9092, 0.98],
      [0.9464, 0.985],
      [0.9719, 0.99],
      [0.9905, 0.995],
      [0.9959, 0.999],
    ],
  },
];

export function calibrationFor(model: string): LevelCalibration | null {
  return calibrations.find((c) => c.model === model) ?? null;
}
